"""Hand-built rows for tests and examples: insert canonical records with lineage filled in.

Lets a test write `insert(store, "tickets", [{"source_id": "1", "status": "open", ...}])` and get
valid rows (id = "fx:<source_id>", lineage columns set) on any engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insightdesk.store import Store

SOURCE = "fx"
_LOADED_AT = dt.datetime(2026, 1, 1)


def ref(source_id: str | None) -> str | None:
    """The canonical id of a fixture record."""
    return None if source_id is None else f"{SOURCE}:{source_id}"


def rows(table: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for record in records:
        row = dict(record)
        sid = str(row.pop("source_id"))
        row.update(
            id=ref(sid),
            source_system=SOURCE,
            source_id=sid,
            batch_id="fixture",
            record_hash=hashlib.sha256(f"{table}:{sid}".encode()).hexdigest(),
            first_seen_at=_LOADED_AT,
            last_changed_at=_LOADED_AT,
        )
        out.append(row)
    return out


def insert(store: Store, table: str, records: Iterable[Mapping[str, Any]]) -> int:
    """Insert records into a canonical table of `store`; returns how many."""
    from insightdesk.store.tables.canonical import metadata

    data = rows(table, records)
    if not data:
        return 0
    # Every row gets every column so one executemany statement fits them all.
    columns = set().union(*(r.keys() for r in data))
    data = [{c: r.get(c) for c in columns} for r in data]
    with store.begin() as conn:
        conn.execute(metadata.tables[table].insert(), data)
    return len(data)


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def small_desk(store: Store) -> None:
    """A tiny desk whose every KPI is worked out by hand in tests/metrics/test_metrics_kpis.py."""
    insert(
        store,
        "teams",
        [
            {"source_id": "T1", "name": "Frontline", "support_tier": "L1"},
            {"source_id": "T2", "name": "Specialists", "support_tier": "L2"},
            {"source_id": "T3", "name": "Engineering", "support_tier": "L3"},
        ],
    )
    insert(
        store,
        "agents",
        [
            {"source_id": "A1", "name": "Ann", "team_id": ref("T1"), "support_tier": "L1", "is_bot": False},
            {"source_id": "A2", "name": "Bo", "team_id": ref("T2"), "support_tier": "L2", "is_bot": False},
            {"source_id": "BOT", "name": "Helper", "is_bot": True},
        ],
    )
    insert(
        store,
        "customers",
        [
            {"source_id": "C1", "tier": "gold", "segment": "smb", "region": "emea", "language": "de"},
            {"source_id": "C2", "tier": "silver", "segment": "consumer", "region": "amer", "language": "en"},
            {"source_id": "C3", "tier": "gold", "segment": "enterprise", "region": "emea", "language": "en"},
        ],
    )
    base = {"type": "incident"}

    def ticket(sid: str, **kw: Any) -> dict[str, Any]:
        row = {"source_id": sid, **base, **kw}
        for key in ("created_at", "first_response_at", "resolved_at", "closed_at"):
            if isinstance(row.get(key), str):
                row[key] = _t(row[key])
        for key in ("team_id", "agent_id", "customer_id"):
            if row.get(key):
                row[key] = ref(row[key])
        return row

    insert(
        store,
        "tickets",
        [
            ticket(
                "K1",
                channel="email",
                customer_id="C1",
                team_id="T1",
                agent_id="A1",
                category="billing",
                priority="high",
                status="resolved",
                created_at="2026-01-05 09:00",
                first_response_at="2026-01-05 10:00",
                resolved_at="2026-01-05 13:00",
                reopen_count=0,
                reassignment_count=0,
                sla_response_target_minutes=120,
                sla_resolution_target_minutes=480,
            ),
            ticket(
                "K2",
                channel="chat",
                customer_id="C1",
                team_id="T2",
                agent_id="A2",
                category="billing",
                priority="high",
                status="closed",
                created_at="2026-01-07 10:00",
                first_response_at="2026-01-07 10:30",
                resolved_at="2026-01-08 14:00",
                closed_at="2026-01-09 09:00",
                reopen_count=1,
                reassignment_count=1,
                sla_response_target_minutes=60,
                sla_resolution_target_minutes=480,
            ),
            ticket(
                "K3",
                channel="email",
                customer_id="C2",
                team_id="T1",
                agent_id="A1",
                category="access",
                priority="low",
                status="resolved",
                created_at="2026-01-09 16:00",
                first_response_at="2026-01-12 09:30",
                resolved_at="2026-01-12 11:00",
                reopen_count=0,
                sla_response_target_minutes=240,
                sla_response_breached=False,
            ),
            ticket(
                "K4",
                channel="phone",
                customer_id="C3",
                team_id="T3",
                agent_id="A2",
                category="access",
                priority="critical",
                status="open",
                created_at="2026-02-02 08:00",
                sla_response_target_minutes=30,
            ),
            ticket(
                "K5",
                channel="web",
                customer_id="C2",
                team_id="T1",
                agent_id="A1",
                category="billing",
                priority="medium",
                status="resolved",
                created_at="2026-02-03 12:00",
                first_response_at="2026-02-03 12:15",
                resolved_at="2026-02-04 12:00",
                reopen_count=0,
                reassignment_count=2,
                sla_response_target_minutes=10,
                sla_resolution_target_minutes=1440,
            ),
            ticket(
                "K6",
                channel="email",
                customer_id="C1",
                status="cancelled",
                category="billing",
                created_at="2026-02-05 10:00",
                closed_at="2026-02-05 11:00",
            ),
            ticket(
                "K7",
                channel="chat",
                team_id="T2",
                agent_id="A2",
                category="billing",
                priority="low",
                status="pending",
                created_at="2026-02-10 09:00",
            ),
        ],
    )

    def event(
        sid: str, ticket_id: str, seq: int, kind: str, at: str, frm: str | None = None, to: str | None = None
    ) -> dict[str, Any]:
        return {
            "source_id": sid,
            "ticket_id": ref(ticket_id),
            "seq": seq,
            "event_type": kind,
            "occurred_at": _t(at),
            "from_value": frm,
            "to_value": to,
        }

    insert(
        store,
        "ticket_events",
        [
            event("E1", "K1", 0, "created", "2026-01-05 09:00"),
            event("E2", "K1", 1, "status_change", "2026-01-05 09:30", "new", "open"),
            event("E3", "K1", 2, "status_change", "2026-01-05 10:00", "open", "pending"),
            event("E4", "K1", 3, "status_change", "2026-01-05 12:00", "pending", "open"),
            event("E5", "K1", 4, "resolved", "2026-01-05 13:00", "open", "resolved"),
            event("E6", "K2", 0, "created", "2026-01-07 10:00"),
            event("E7", "K2", 1, "reassignment", "2026-01-07 10:20", ref("T1"), ref("T2")),
            event("E8", "K2", 2, "resolved", "2026-01-08 10:00", "new", "resolved"),
            event("E9", "K2", 3, "reopened", "2026-01-08 12:00", "resolved", "open"),
            event("E10", "K2", 4, "resolved", "2026-01-08 14:00", "open", "resolved"),
            event("E11", "K2", 5, "closed", "2026-01-09 09:00", "resolved", "closed"),
            event("E12", "K5", 1, "reassignment", "2026-02-03 13:00", "Specialists", "Frontline"),
            event("E13", "K5", 2, "reassignment", "2026-02-03 14:00", "Frontline", ref("A1")),
        ],
    )

    def msg(
        sid: str,
        conv: str,
        seq: int,
        role: str,
        channel: str,
        at: str,
        ticket_id: str | None = None,
        customer: str | None = None,
        agent: str | None = None,
    ) -> dict[str, Any]:
        return {
            "source_id": sid,
            "conversation_id": conv,
            "seq": seq,
            "author_role": role,
            "channel": channel,
            "occurred_at": _t(at),
            "ticket_id": ref(ticket_id),
            "customer_id": ref(customer),
            "agent_id": ref(agent),
        }

    insert(
        store,
        "interactions",
        [
            msg("M1", "CV1", 0, "customer", "email", "2026-01-05 09:00", "K1", "C1"),
            msg("M2", "CV1", 1, "agent", "email", "2026-01-05 10:00", "K1", "C1", "A1"),
            msg("M3", "CV2", 0, "customer", "chat", "2026-01-07 10:00", "K2", "C1"),
            msg("M4", "CV2", 1, "agent", "chat", "2026-01-07 10:30", "K2", "C1", "A2"),
            msg("M5", "CV2", 2, "customer", "phone", "2026-01-08 09:00", "K2", "C1"),
            msg("M6", "CV2", 3, "agent", "phone", "2026-01-08 09:10", "K2", "C1", "A2"),
            msg("M7", "CV3", 0, "customer", "self_service", "2026-02-01 10:00", None, "C2"),
            msg("M8", "CV3", 1, "bot", "self_service", "2026-02-01 10:01", None, "C2", "BOT"),
            msg("M9", "CV4", 0, "customer", "self_service", "2026-01-20 10:00", None, "C3"),
            msg("M10", "CV4", 1, "bot", "self_service", "2026-01-20 10:01", None, "C3", "BOT"),
            msg("M11", "CV5", 0, "bot", "bot", "2026-02-10 08:50", "K7", None, "BOT"),
            msg("M12", "CV5", 1, "agent", "chat", "2026-02-10 09:05", "K7", None, "A2"),
        ],
    )

    def fb(
        sid: str,
        scale: str,
        score: float | None,
        survey: str,
        sent: str,
        answered: str | None,
        ticket_id: str | None,
        customer: str,
        agent: str | None,
        channel: str,
        lo: int | None = None,
        hi: int | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        ranges = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
        default_lo, default_hi = ranges[scale]
        return {
            "source_id": sid,
            "scale": scale,
            "score": score,
            "survey_id": survey,
            "sent_at": _t(sent),
            "answered_at": _t(answered) if answered else None,
            "ticket_id": ref(ticket_id),
            "customer_id": ref(customer),
            "agent_id": ref(agent),
            "channel": channel,
            "scale_min": default_lo if lo is None else lo,
            "scale_max": default_hi if hi is None else hi,
            **kw,
        }

    insert(
        store,
        "feedback",
        [
            fb("F1", "csat", 5, "S1", "2026-01-05 14:00", "2026-01-06 09:00", "K1", "C1", "A1", "email"),
            fb("F2", "nps", 10, "S1", "2026-01-05 14:00", "2026-01-06 09:00", "K1", "C1", "A1", "email"),
            fb("F3", "csat", 3, "S1", "2026-01-08 15:00", "2026-01-09 10:00", "K2", "C1", "A2", "chat"),
            fb("F4", "nps", 9, "S1", "2026-01-08 15:00", "2026-01-09 10:00", "K2", "C1", "A2", "chat"),
            fb("F5", "csat", 4, "S1", "2026-01-12 12:00", "2026-01-13 08:00", "K3", "C2", "A1", "email"),
            fb("F6", "nps", 7, "S1", "2026-01-12 12:00", "2026-01-13 08:00", "K3", "C2", "A1", "email"),
            fb("F7", "csat", 1, "S1", "2026-02-04 13:00", "2026-02-05 10:00", "K5", "C2", "A1", "web"),
            fb("F8", "nps", 3, "S1", "2026-02-04 13:00", "2026-02-05 10:00", "K5", "C2", "A1", "web"),
            fb(
                "F9",
                "csat",
                6,
                "S2",
                "2026-02-04 13:00",
                "2026-02-06 10:00",
                "K5",
                "C2",
                "A1",
                "web",
                lo=1,
                hi=7,
            ),
            fb(
                "F10",
                "nps",
                0,
                "S3",
                "2026-02-10 09:00",
                "2026-02-11 09:00",
                None,
                "C1",
                None,
                "email",
                language="de",
            ),
            fb(
                "F11",
                "csat",
                None,
                "S4",
                "2026-01-05 14:00",
                "2026-01-06 09:00",
                "K1",
                "C1",
                "A1",
                "email",
                comment="ok",
            ),
            fb("F12", "csat", None, "S4", "2026-01-12 12:00", None, "K3", "C2", "A1", "email"),
            fb("F13", "ces", 7, "S5", "2026-01-05 15:00", "2026-01-06 10:00", "K1", "C1", "A1", "email"),
            fb("F14", "ces", 5, "S5", "2026-01-08 15:00", "2026-01-09 11:00", "K2", "C1", "A2", "chat"),
            fb("F15", "ces", 2, "S5", "2026-01-12 12:00", "2026-01-13 09:00", "K3", "C2", "A1", "email"),
            fb(
                "F16",
                "ces",
                5,
                "S6",
                "2026-02-04 13:00",
                "2026-02-05 11:00",
                "K5",
                "C2",
                "A1",
                "web",
                lo=1,
                hi=5,
            ),
        ],
    )
