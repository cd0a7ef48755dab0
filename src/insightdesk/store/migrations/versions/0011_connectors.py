"""Live connectors: sources, sync cursors, sync runs, webhook events.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0011_connectors as connectors

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("connector_sources", "connector_cursors", "connector_runs", "connector_webhook_events")


def upgrade() -> None:
    for table in TABLES:
        getattr(connectors, f"create_{table}")()
    op.create_index("ix_connector_runs_source", "connector_runs", ["source", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_connector_runs_source", table_name="connector_runs")
    for table in reversed(TABLES):
        op.drop_table(table)
