"""Status flowing back: read the state of every open problem record we wrote, and record changes.

A change is stored on the record (`action_external_records.status`), noted on its pain point's
backlog entry (through the pain-point backlog's public API, so its history shows it), and audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from insightdesk.actions.destinations import Destination
from insightdesk.actions.helpdesks import RESOLVED, writer_for
from insightdesk.connectors import RetryPolicy, VendorError
from insightdesk.governance import audit
from insightdesk.insights.common.runs import utcnow
from insightdesk.insights.painpoints import BacklogError, backlog_entry, update_painpoint
from insightdesk.store.tables.actions import action_external_records as records

if TYPE_CHECKING:
    from insightdesk.store import Store


@dataclass
class SyncReport:
    checked: int = 0
    changed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    """(number, old status, new status) of each record whose state moved."""
    errors: list[str] = field(default_factory=list)


def sync_statuses(store: Store, destinations: dict[str, Destination], *, actor: str = "cli") -> SyncReport:
    """Read back each open record's state from its helpdesk (one destination per vendor is used)."""
    report = SyncReport()
    by_vendor = {d.kind: d for d in destinations.values() if d.kind in ("servicenow", "jira", "zendesk")}
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(records).where(sa.or_(records.c.status.is_(None), records.c.status.not_in(RESOLVED)))
        ).all()
    retry = RetryPolicy(max_attempts=3, base_delay=0.2, max_delay=2.0, max_wait=10.0)
    for row in rows:
        dest = by_vendor.get(row.vendor)
        if dest is None:
            report.errors.append(f"{row.vendor} record {row.number}: no {row.vendor} destination configured")
            continue
        writer = writer_for(dest, retry)
        try:
            current = writer.read(row.external_id)
        except VendorError as exc:
            report.errors.append(f"{row.vendor} record {row.number}: {exc}")
            continue
        finally:
            writer.close()
        report.checked += 1
        if current.status == row.status:
            continue
        now = utcnow()
        with store.begin() as conn:
            conn.execute(
                records.update()
                .where(records.c.vendor == row.vendor, records.c.external_id == row.external_id)
                .values(status=current.status, synced_at=now)
            )
        report.changed.append((row.number or row.external_id, row.status, current.status))
        audit.append(
            store.engine,
            actor=actor,
            action="writeback.status",
            target="action_external_records",
            record_ids=[f"{row.vendor}:{row.external_id}"],
            detail={"from": row.status, "to": current.status},
        )
        if row.painpoint_key and backlog_entry(store, row.painpoint_key) is not None:
            note = f"{row.vendor} {row.number or row.external_id} is now {current.status} (was {row.status})"
            try:
                update_painpoint(store, row.painpoint_key, note=note, actor="cli")
            except BacklogError as exc:
                report.errors.append(f"{row.painpoint_key}: {exc}")
    return report
