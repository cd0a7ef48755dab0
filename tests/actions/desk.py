"""A tiny desk written straight into a store for the closed-loop tests: teams, accounts, customers,
tickets, survey answers, consent, a ranked pain point. Every row is made up for these tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa

from insightdesk.governance.privacy import record_consent
from insightdesk.store import Store
from insightdesk.store.tables.canonical import customers, feedback, tickets
from insightdesk.store.tables.governance import users
from insightdesk.store.tables.insights import insight_runs, painpoint_backlog, painpoints
from insightdesk.store.tables.people import teams

T0 = dt.datetime(2026, 11, 2, 10, 0)  # a Monday


def lineage(prefix: str, sid: str, at: dt.datetime) -> dict[str, object]:
    return {
        "id": f"test:{prefix}{sid}",
        "source_system": "test",
        "source_id": f"{prefix}{sid}",
        "batch_id": "b1",
        "record_hash": f"h-{prefix}{sid}",
        "first_seen_at": at,
        "last_changed_at": at,
    }


def add_accounts(store: Store, accounts: Sequence[tuple[str, str, list[str] | None]]) -> None:
    """(username, role, team ids) rows; the password hash is a placeholder: nobody logs in here."""
    with store.begin() as conn:
        conn.execute(
            users.insert(),
            [
                {"username": name, "role": role, "team_ids": json.dumps(team_ids) if team_ids else None,
                 "password_hash": "not-a-login", "active": True, "created_at": T0, "updated_at": T0}
                for name, role, team_ids in accounts
            ],
        )  # fmt: skip


def add_desk(store: Store, *, seen_at: dt.datetime) -> None:
    """Two teams with a lead each, three customers (two consent to contact), a ticket each."""
    with store.begin() as conn:
        conn.execute(
            teams.insert(),
            [{**lineage("team", t, T0), "name": t, "is_stub": False} for t in ("billing", "logistics")],
        )
        conn.execute(
            customers.insert(),
            [
                {**lineage("c", str(i), T0), "tier": "gold", "segment": "smb", "is_stub": False}
                for i in (1, 2, 3)
            ],
        )
        conn.execute(
            tickets.insert(),
            [
                {**lineage("t", str(i), T0), "type": "incident", "status": "resolved", "category": "billing",
                 "team_id": team, "customer_id": f"test:c{i}", "created_at": T0 - dt.timedelta(days=3),
                 "resolved_at": T0 - dt.timedelta(days=1)}
                for i, team in ((1, "test:teambilling"), (2, "test:teamlogistics"), (3, "test:teambilling"))
            ],
        )  # fmt: skip
        for customer in ("test:c1", "test:c2"):
            record_consent(conn, customer, "contact", True, "import", "test", at=T0 - dt.timedelta(days=30))
    add_accounts(
        store,
        [("bea", "team_lead", ["test:teambilling"]), ("lou", "team_lead", ["test:teamlogistics"]),
         ("ana", "analyst", None), ("max", "admin", None)],
    )  # fmt: skip


def add_answers(store: Store, rows: Sequence[tuple[str, str, float, str]], *, seen_at: dt.datetime) -> None:
    """(feedback source id, ticket source id, NPS score, customer source id) answered at T0."""
    with store.begin() as conn:
        conn.execute(
            feedback.insert(),
            [
                {**lineage("f", fid, seen_at), "scale": "nps", "score": score, "scale_min": 0, "scale_max": 10,
                 "ticket_id": f"test:t{tid}", "customer_id": f"test:c{cid}", "answered_at": T0,
                 "sent_at": T0 - dt.timedelta(hours=2)}
                for fid, tid, score, cid in rows
            ],
        )  # fmt: skip


def add_critical_painpoint(store: Store, key: str = "theme:T0001", *, at: dt.datetime) -> None:
    with store.begin() as conn:
        conn.execute(
            insight_runs.insert().values(
                run_id="run-pp-1", kind="painpoints", started_at=at, finished_at=at, started_by="test"
            )
        )
        conn.execute(
            painpoints.insert().values(
                run_id="run-pp-1", painpoint_key=key, kind="theme", theme_id=key.split(":")[1],
                label="Double charges", rank=1, score=0.91, critical=True, tickets=120, customers=95,
                computed_at=at,
            )
        )  # fmt: skip
        conn.execute(
            painpoint_backlog.insert().values(painpoint_key=key, status="new", created_at=at, updated_at=at)
        )


def count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
