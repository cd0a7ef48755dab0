"""Privacy lifecycle: consent ledger, subject requests, erasure tombstones, retention policies and runs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from insightdesk.store.migrations.frozen import r0008_privacy as privacy

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = (
    "consent_events",
    "privacy_requests",
    "legal_holds",
    "erasure_tombstones",
    "privacy_keys",
    "retention_policies",
    "retention_runs",
)

# The customers' consent flags ingested before the ledger existed become its first events.
_BACKFILL = {"consent_survey": "survey", "consent_contact": "contact", "consent_analytics": "text_analytics"}


def upgrade() -> None:
    privacy.create_consent_events()
    privacy.create_privacy_requests()
    privacy.create_legal_holds()
    privacy.create_erasure_tombstones()
    privacy.create_privacy_keys()
    privacy.create_retention_policies()
    privacy.create_retention_runs()
    op.create_index("ix_consent_events_customer", "consent_events", ["customer_id", "purpose"])
    for column, purpose in _BACKFILL.items():
        op.execute(
            sa.text(
                "INSERT INTO consent_events (event_id, customer_id, purpose, granted, source, provenance, "
                "actor, effective_at, recorded_at) SELECT 'import:' || batch_id || ':' || id || ':' || :purpose, "
                f"id, :purpose, {column}, 'import', batch_id, 'migration 0008', last_changed_at, last_changed_at "
                f"FROM customers WHERE {column} IS NOT NULL"
            ).bindparams(purpose=purpose)
        )


def downgrade() -> None:
    op.drop_index("ix_consent_events_customer", table_name="consent_events")
    for table in reversed(TABLES):
        op.drop_table(table)
