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
        # Each person's last imported decision for the purpose, joined (not correlated) so that a
        # million-row export costs one pass over the ledger.
        last_imported = (
            "SELECT customer_id, granted FROM (SELECT customer_id, granted, row_number() OVER (PARTITION BY "
            "customer_id ORDER BY effective_at DESC, recorded_at DESC, event_id DESC) AS rn FROM consent_events "
            f"WHERE purpose = {lit(purpose)} AND source = 'import') ranked WHERE rn = 1"
        )
        target.execute(
            "INSERT INTO consent_events (event_id, customer_id, purpose, granted, source, provenance, actor, "
            f"effective_at, recorded_at) SELECT 'import:' || {lit(batch_id)} || ':' || s.id || ':' || {lit(purpose)}, "
            f"s.id, {lit(purpose)}, s.{q(column)}, 'import', {lit(batch_id)}, 'ingest', {stamp}, {stamp} "
            f"FROM {q(staging)} s LEFT JOIN ({last_imported}) l ON l.customer_id = s.id "
            f"WHERE s.{q(column)} IS NOT NULL AND (l.granted IS NULL OR l.granted <> s.{q(column)})"
        )
