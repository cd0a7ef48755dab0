"""A small desk for the survey tests, loaded through the real ingest (generic profile).

Customers: an English and a German one with survey consent, one without, one without an email
address, one in Tokyo (quiet hours); tickets resolved an hour before `now`, each with its events.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from insightdesk.ingest import ingest_file
from insightdesk.store import Store

CUSTOMERS = [
    # id, name, language, timezone, email, phone, consent_survey
    ("c-en", "Ann Example", "en", "Europe/London", "ann@example.org", "+441234567890", "true"),
    ("c-de", "Bernd Beispiel", "de", "Europe/Berlin", "bernd@example.org", "+491701234567", "true"),
    ("c-no", "Nora Nein", "en", "Europe/London", "nora@example.org", "", "false"),
    ("c-mute", "Max Mute", "en", "Europe/London", "", "", "true"),
    ("c-jp", "Jun Tokyo", "en", "Asia/Tokyo", "jun@example.org", "", "true"),
]


def _write(path: Path, header: list[str], rows: Sequence[tuple[object, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def seed_customers(store: Store, folder: Path, now: dt.datetime) -> None:
    header = ["id", "name", "language", "timezone", "email", "phone", "consent_survey", "created_at"]
    rows = [(*c, (now - dt.timedelta(days=400)).isoformat()) for c in CUSTOMERS]
    ingest_file(store, _write(folder / "customers.csv", header, rows), "customers", profile="generic")


def seed_tickets(
    store: Store,
    folder: Path,
    now: dt.datetime,
    tickets: list[tuple[str, str, str, str]],
    name: str = "tickets",
) -> None:
    """`tickets`: (ticket id, customer id, channel, status); resolved ones resolved an hour ago."""
    resolved = now - dt.timedelta(hours=1)
    created = now - dt.timedelta(days=1)
    ticket_rows, event_rows = [], []
    for ticket_id, customer_id, channel, status in tickets:
        done = status in ("resolved", "closed")
        ticket_rows.append(
            (
                ticket_id,
                "incident",
                channel,
                status,
                customer_id,
                "a-1",
                "en",
                created.isoformat(),
                resolved.isoformat() if done else "",
            )
        )
        event_rows.append((f"{ticket_id}-0", ticket_id, 0, "created", "", "new", created.isoformat()))
        if done:
            event_rows.append(
                (f"{ticket_id}-1", ticket_id, 1, "resolved", "open", "resolved", resolved.isoformat())
            )
    header = [
        "id",
        "type",
        "channel",
        "status",
        "customer_id",
        "agent_id",
        "language",
        "created_at",
        "resolved_at",
    ]
    ingest_file(store, _write(folder / f"{name}.csv", header, ticket_rows), "tickets", profile="generic")
    event_header = ["id", "ticket_id", "seq", "event_type", "from_value", "to_value", "occurred_at"]
    ingest_file(
        store,
        _write(folder / f"{name}_events.csv", event_header, event_rows),
        "ticket_events",
        profile="generic",
    )
