"""Row scope of derived text on both engines: a theme's quotes as each role may read them.

Two teams with texts of their own: Frontline (Ann's ticket, Bo's ticket) and Specialists (Cy's
ticket, with survey feedback about Ann). Discovery stored quotes from both teams; each role must see
only quotes of texts it reaches, refilled from its own texts, and every role the same sizes.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from insightdesk.explore import theme_quotes
from insightdesk.governance.roles import Principal, Role
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store
from insightdesk.store.tables.text import text_analyses, themes

T0 = dt.datetime(2026, 1, 5, 9, 0)
TEXTS = {  # (entity, source id, ticket source id): redacted text
    ("tickets", "t-ann", "t-ann"): "ann own ticket: refund never arrived",
    ("tickets", "t-bo", "t-bo"): "bo frontline ticket: refund never arrived either",
    ("tickets", "t-cy", "t-cy"): "cy specialists ticket: refund lost in the ledger",
    ("interactions", "m-ann", "t-ann"): "ann message: where is my refund",
    ("feedback", "f-about-ann", "t-cy"): "survey about ann on a specialists ticket: refund slow",
    ("feedback", "f-cy", "t-cy"): "specialists survey: refund slow",
}


def _seed(store: Store) -> list[str]:
    insert(
        store, "teams", [{"source_id": "T1", "name": "Frontline"}, {"source_id": "T2", "name": "Specialists"}]
    )
    insert(
        store,
        "agents",
        [
            {"source_id": "ann", "name": "Ann", "team_id": ref("T1")},
            {"source_id": "bo", "name": "Bo", "team_id": ref("T1")},
            {"source_id": "cy", "name": "Cy", "team_id": ref("T2")},
        ],
    )
    base = {"type": "incident", "status": "open", "created_at": T0}
    insert(
        store,
        "tickets",
        [
            {**base, "source_id": "t-ann", "team_id": ref("T1"), "agent_id": ref("ann")},
            {**base, "source_id": "t-bo", "team_id": ref("T1"), "agent_id": ref("bo")},
            {**base, "source_id": "t-cy", "team_id": ref("T2"), "agent_id": ref("cy")},
        ],
    )
    insert(
        store,
        "interactions",
        [
            {
                "source_id": "m-ann",
                "conversation_id": "c1",
                "ticket_id": ref("t-ann"),
                "author_role": "customer",
                "occurred_at": T0,
                "seq": 1,
            }
        ],
    )
    answer = {"scale": "csat", "score": 1, "scale_min": 1, "scale_max": 5, "answered_at": T0}
    insert(
        store,
        "feedback",
        [
            {**answer, "source_id": "f-about-ann", "ticket_id": ref("t-cy"), "agent_id": ref("ann")},
            {**answer, "source_id": "f-cy", "ticket_id": ref("t-cy"), "agent_id": ref("cy")},
        ],
    )
    fields = {"tickets": "description", "interactions": "body", "feedback": "comment"}
    rows = [
        {
            "entity": entity,
            "record_id": ref(sid),
            "field": fields[entity],
            "text_sha256": sid,
            "redacted_text": text,
            "theme_id": "T0001",
            "theme_similarity": 0.9 - i / 100,
            "ticket_id": ref(ticket),
            "occurred_at": T0,
            "model_name": "test",
            "model_version": "1",
            "analysed_at": T0,
        }
        for i, ((entity, sid, ticket), text) in enumerate(TEXTS.items())
    ]
    stored = [
        TEXTS[("tickets", "t-cy", "t-cy")],
        TEXTS[("tickets", "t-bo", "t-bo")],
        TEXTS[("tickets", "t-ann", "t-ann")],
    ]
    with store.begin() as conn:
        conn.execute(sa.insert(text_analyses), rows)
        conn.execute(
            sa.insert(themes).values(
                theme_id="T0001", label="Refunds", label_source="auto", quotes=json.dumps(stored),
                status="active", size=len(rows), created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
    return stored


def test_theme_quotes_follow_each_roles_row_scope(store: Store) -> None:
    stored = _seed(store)
    quotes = {"T0001": stored}

    def seen(role: Role, **scope: object) -> list[str]:
        return theme_quotes(store.engine, Principal(role.value, role, **scope), quotes)["T0001"]  # type: ignore[arg-type]

    assert seen(Role.ADMIN) == stored and seen(Role.ANALYST) == stored
    assert seen(Role.VIEWER) == []  # no text at all
    # The Frontline lead: the stored quotes of Frontline first, then Frontline's nearest text.
    assert seen(Role.TEAM_LEAD, team_ids=(ref("T1"),)) == [
        TEXTS[("tickets", "t-bo", "t-bo")],
        TEXTS[("tickets", "t-ann", "t-ann")],
        TEXTS[("interactions", "m-ann", "t-ann")],
    ]
    # Ann: her ticket, its message, and the survey about her (feedback scope), never Bo's or Cy's.
    assert seen(Role.AGENT, agent_id=ref("ann")) == [
        TEXTS[("tickets", "t-ann", "t-ann")],
        TEXTS[("interactions", "m-ann", "t-ann")],
        TEXTS[("feedback", "f-about-ann", "t-cy")],
    ]
    assert seen(Role.TEAM_LEAD) == [] and seen(Role.AGENT) == []  # no team, no agent: nothing
