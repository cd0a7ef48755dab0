"""The hand-built desk of the pain-point tests: small enough that every sum is worked out by hand in
the comments of test_insights_painpoints.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from insightdesk.insights.painpoints import (
    PainpointConfig,
)
from insightdesk.insights.painpoints.window import Window
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store
from insightdesk.store.tables.text import text_analyses, themes

WINDOW = Window(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 29))  # mid = 2026-01-15
TINY = PainpointConfig(min_tickets=1, min_n=2)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def ticket_row(
    sid: str, category: str | None, customer: str | None, created: str, **kw: Any
) -> dict[str, Any]:
    resolved = kw.pop("resolved", None)
    return {
        "source_id": sid,
        "type": "incident",
        "status": kw.pop("status", "resolved" if resolved else "open"),
        "category": category,
        "customer_id": ref(customer),
        "team_id": ref("TM1"),
        "created_at": at(created),
        "resolved_at": at(resolved) if resolved else None,
        "reopen_count": kw.pop("reopen_count", 0),
        "reassignment_count": kw.pop("reassignment_count", 0),
        **kw,
    }


def add_themes(store: Store) -> None:
    now = dt.datetime(2026, 1, 1)
    base = {"label_source": "auto", "merged_into": None, "created_at": now, "updated_at": now}
    rows = [
        {"theme_id": "T1", "label": "double charge", "status": "active", **base},
        {"theme_id": "T2", "label": "charged twice", "status": "merged", **base, "merged_into": "T1"},
        {"theme_id": "T3", "label": "old theme", "status": "retired", **base},
        {"theme_id": "T4", "label": "login loop", "status": "active", **base},
    ]
    with store.begin() as conn:
        conn.execute(themes.insert(), rows)


def add_texts(store: Store, rows: list[tuple[str, str, str, str, str | None, float | None, str]]) -> None:
    """(entity, record_id, field, author_role, theme_id, sentiment, ticket source id)."""
    now = dt.datetime(2026, 2, 1)
    data = [
        {
            "entity": entity,
            "record_id": record,
            "field": field,
            "text_sha256": f"{entity}{record}{field}",
            "author_role": role,
            "theme_id": theme,
            "sentiment_score": sentiment,
            "ticket_id": ref(ticket),
            "model_name": "test",
            "model_version": "1",
            "analysed_at": now,
        }
        for entity, record, field, role, theme, sentiment, ticket in rows
    ]
    with store.begin() as conn:
        conn.execute(text_analyses.insert(), data)


def hand_desk(store: Store) -> None:
    """Eight live tickets in the window (two categories, one without), worked out by hand below.

    Billing: K1 (C1, 01-05, 10 h), K2 (C1, 01-08, 24 h, reassigned), K3 (C2, 01-16, 4 h, two agent
    replies), K4 (C3, 01-20, open). Login: K5 (C4, 01-03, 2 h), K6 (C4, 01-18, 1 h, reopened),
    K7 (C5, 01-22, 6 h). No category: K8 (C2, 01-10, 2 h). Outside: K9 (C1, Billing, 2025-12-30:
    makes K1 a repeat contact), K10 cancelled.
    """
    insert(store, "teams", [{"source_id": "TM1", "name": "Frontline", "support_tier": "L1"}])
    insert(store, "agents", [{"source_id": "A1", "name": "Ann", "team_id": ref("TM1"), "support_tier": "L1"}])
    insert(
        store,
        "customers",
        [
            {"source_id": "C1", "tier": "gold", "lifetime_value": 1000.0},
            {"source_id": "C2", "tier": "silver", "lifetime_value": 400.0},
            {"source_id": "C3", "tier": "bronze", "lifetime_value": 100.0},
            {"source_id": "C4", "tier": "gold", "lifetime_value": 2000.0},
            {"source_id": "C5", "tier": "bronze", "lifetime_value": None},
        ],
    )
    insert(store, "problems", [{"source_id": "P1", "title": "Duplicate payments", "status": "open"}])
    insert(
        store,
        "tickets",
        [
            ticket_row("K1", "Billing", "C1", "2026-01-05 09:00", resolved="2026-01-05 19:00"),
            ticket_row(
                "K2", "Billing", "C1", "2026-01-08 09:00", resolved="2026-01-09 09:00", reassignment_count=1
            ),
            ticket_row("K3", "Billing", "C2", "2026-01-16 10:00", resolved="2026-01-16 14:00"),
            ticket_row("K4", "Billing", "C3", "2026-01-20 10:00", reopen_count=None, reassignment_count=None),
            ticket_row("K5", "Login", "C4", "2026-01-03 10:00", resolved="2026-01-03 12:00"),
            ticket_row("K6", "Login", "C4", "2026-01-18 10:00", resolved="2026-01-18 11:00", reopen_count=1),
            ticket_row("K7", "Login", "C5", "2026-01-22 10:00", resolved="2026-01-22 16:00"),
            ticket_row("K8", None, "C2", "2026-01-10 10:00", resolved="2026-01-10 12:00"),
            ticket_row("K9", "Billing", "C1", "2025-12-30 10:00", resolved="2025-12-30 11:00"),
            ticket_row("K10", "Billing", "C2", "2026-01-12 10:00", status="cancelled"),
        ],
    )
    insert(
        store,
        "interactions",
        [
            {
                "source_id": f"I{i}",
                "conversation_id": "V3",
                "ticket_id": ref("K3"),
                "author_role": "agent",
                "occurred_at": at("2026-01-16 11:00"),
            }
            for i in (1, 2)
        ],
    )

    def answer(
        sid: str, ticket: str | None, customer: str, scale: str, score: float | None, day: str
    ) -> dict:
        lo, hi = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[scale]
        return {
            "source_id": sid,
            "ticket_id": ref(ticket),
            "customer_id": ref(customer),
            "scale": scale,
            "scale_min": lo,
            "scale_max": hi,
            "score": score,
            "answered_at": at(day) if score is not None else None,
            "sent_at": at(day),
        }

    insert(
        store,
        "feedback",
        [
            answer("F1", "K1", "C1", "csat", 2, "2026-01-06"),
            answer("F2", "K2", "C1", "csat", 1, "2026-01-10"),
            answer("F3", "K3", "C2", "csat", 5, "2026-01-17"),
            answer("F4", "K5", "C4", "csat", 5, "2026-01-04"),
            answer("F5", "K6", "C4", "csat", 4, "2026-01-19"),
            answer("F6", "K7", "C5", "csat", 3, "2026-01-23"),
            answer("F7", "K8", "C2", "csat", 5, "2026-01-11"),
            answer("F8", "K1", "C1", "csat", None, "2026-01-06"),  # sent, never answered
            answer("F9", "K3", "C2", "nps", 10, "2026-01-17"),
            answer("F10", "K1", "C1", "ces", 2, "2026-01-06"),
            answer("R1", None, "C1", "nps", 3, "2026-01-10"),  # relationship surveys
            answer("R2", None, "C4", "nps", 10, "2026-01-11"),
            answer("R3", None, "C2", "nps", 9, "2025-12-01"),  # before the window
        ],
    )
    add_themes(store)
    add_texts(
        store,
        [
            ("tickets", ref("K1"), "description", "customer", "T1", -0.8, "K1"),
            ("tickets", ref("K2"), "subject", "customer", "T2", -0.6, "K2"),  # merged into T1
            ("tickets", ref("K3"), "description", "customer", "T3", 0.2, "K3"),  # retired theme
            ("interactions", "I9", "body", "customer", "T1", -0.4, "K3"),
            ("feedback", "F99", "comment", "customer", "T1", -1.0, "K4"),  # survey comment: left out
            ("tickets", ref("K5"), "description", "customer", "T4", 0.5, "K5"),
            ("tickets", ref("K6"), "description", "customer", "T4", 0.3, "K6"),
            ("interactions", "I8", "body", "agent", "T4", -0.9, "K7"),  # agent text: left out
            ("tickets", ref("K8"), "description", "customer", "T1", 0.0, "K8"),
        ],
    )


def group_of(data: Any, key: str) -> dict[str, Any]:
    rows = data.groups[data.groups.painpoint_key == key]
    assert len(rows) == 1, key
    return rows.iloc[0].to_dict()
