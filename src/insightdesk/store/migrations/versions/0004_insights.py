"""Insight engine: pain points and backlog, key drivers, risk models and scores, alerts, impact.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0004_analyses as analyses
from insightdesk.store.migrations.frozen import r0004_painpoints as painpoints

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "insight_runs",
    "painpoints",
    "painpoint_backlog",
    "painpoint_backlog_events",
    "driver_effects",
    "risk_models",
    "risk_scores",
    "alerts",
    "impact_analyses",
)


def upgrade() -> None:
    painpoints.create_insight_runs()
    painpoints.create_painpoints()
    painpoints.create_painpoint_backlog()
    painpoints.create_painpoint_backlog_events()
    analyses.create_driver_effects()
    analyses.create_risk_models()
    analyses.create_risk_scores()
    analyses.create_alerts()
    analyses.create_impact_analyses()
    op.create_index("ix_risk_scores_ticket_id", "risk_scores", ["ticket_id"])
    op.create_index("ix_alerts_series", "alerts", ["series", "period"])


def downgrade() -> None:
    op.drop_index("ix_alerts_series", table_name="alerts")
    op.drop_index("ix_risk_scores_ticket_id", table_name="risk_scores")
    for table in reversed(TABLES):
        op.drop_table(table)
