"""The consent flags of a customers export become events of the consent ledger.

Only a flag that differs from the last one imported for that person and purpose is recorded, so a
re-run of the same export adds nothing, and a stale export never overrides a later withdrawal made
through InsightDesk (an unsubscribe link): the ledger's latest event decides, and an unchanged
imported flag is no new decision.
"""

from __future__ import annotations

from datetime import datetime

from insightdesk.ingest.sql import lit, q
from insightdesk.ingest.target import Target
from insightdesk.store.tables.privacy import CUSTOMER_CONSENT_COLUMNS


def record_imported_consent(
    target: Target, staging: str, columns: list[str], batch_id: str, now: datetime
) -> None:
    """Append a ledger event per customer of `staging` whose imported consent flag changed."""
    stamp = f"TIMESTAMP '{now.isoformat(sep=' ')}'"
    for column, purpose in CUSTOMER_CONSENT_COLUMNS.items():
        if column not in columns:
            continue
        last_imported = (
            f"SELECT e.granted FROM consent_events e WHERE e.customer_id = s.id AND e.purpose = {lit(purpose)} "
            "AND e.source = 'import' ORDER BY e.effective_at DESC, e.recorded_at DESC, e.event_id DESC LIMIT 1"
        )
        target.execute(
            "INSERT INTO consent_events (event_id, customer_id, purpose, granted, source, provenance, actor, "
            f"effective_at, recorded_at) SELECT 'import:' || {lit(batch_id)} || ':' || s.id || ':' || {lit(purpose)}, "
            f"s.id, {lit(purpose)}, s.{q(column)}, 'import', {lit(batch_id)}, 'ingest', {stamp}, {stamp} "
            f"FROM {q(staging)} s WHERE s.{q(column)} IS NOT NULL "
            f"AND coalesce(({last_imported}), NOT s.{q(column)}) <> s.{q(column)}"
        )
