"""Customer records (with contacts) and tickets written straight into a store, from the identity
generator, so identity runs on a real store of either engine."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from insightdesk.identity.fixtures import generate_people
from insightdesk.store.tables.people import customer_contacts, customers
from insightdesk.store.tables.work import tickets

_NOW = dt.datetime(2026, 1, 5, 9, 0)


def _lineage(source: str, source_id: str) -> dict[str, object]:
    return {
        "source_system": source,
        "source_id": source_id,
        "batch_id": "b-identity",
        "record_hash": "h",
        "first_seen_at": _NOW,
        "last_changed_at": _NOW,
    }


def people(records: int, seed: int = 3) -> pd.DataFrame:
    """Generated records with store ids (`<source>:<record id>`) beside their truth (`person`)."""
    frame = generate_people(records, seed=seed)
    return frame.assign(record_id=frame["source_system"] + ":" + frame["record_id"])


def add_customers(engine: sa.Engine, frame: pd.DataFrame) -> None:
    """One customers row per record, its email and phone as customer_contacts rows."""
    rows, contacts = [], []
    for r in frame.itertuples(index=False):
        source, source_id = r.record_id.split(":", 1)
        rows.append(
            {
                "id": r.record_id,
                "name": r.name,
                "country": r.country,
                "is_stub": False,
                **_lineage(source, source_id),
            }
        )
        for kind, value in (("email", r.email), ("phone", r.phone)):
            if isinstance(value, str):
                contacts.append(
                    {
                        "id": f"{r.record_id}:{kind}",
                        "customer_id": r.record_id,
                        "kind": kind,
                        "value": value,
                        "is_primary": True,
                        **_lineage(source, f"{source_id}:{kind}"),
                    }
                )
        # Further addresses (not primary), where the frame lists them: `other_email` "a;b".
        others = getattr(r, "other_email", None)
        for i, value in enumerate(others.split(";") if isinstance(others, str) else []):
            contacts.append(
                {
                    "id": f"{r.record_id}:email{i + 2}",
                    "customer_id": r.record_id,
                    "kind": "email",
                    "value": value,
                    "is_primary": False,
                    **_lineage(source, f"{source_id}:email{i + 2}"),
                }
            )
    with engine.begin() as conn:
        conn.execute(customers.insert(), rows)
        if contacts:
            conn.execute(customer_contacts.insert(), contacts)


def add_tickets(engine: sa.Engine, rows: list[tuple[str, str, str, str | None, dt.datetime]]) -> None:
    """Tickets (id, customer id, channel, category, created at)."""
    with engine.begin() as conn:
        conn.execute(
            tickets.insert(),
            [
                {
                    "id": tid,
                    "customer_id": cid,
                    "channel": channel,
                    "category": category,
                    "created_at": at,
                    "type": "incident",
                    "status": "resolved",
                    **_lineage("test", tid),
                }
                for tid, cid, channel, category, at in rows
            ],
        )
