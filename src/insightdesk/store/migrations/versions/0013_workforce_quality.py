"""Workforce and QA: forecasts, staffing plans, rubrics, evaluations, calibration, coaching.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0013_quality as quality
from insightdesk.store.migrations.frozen import r0013_workforce as workforce

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = (
    "workforce_forecasts",
    "workforce_backtests",
    "workforce_forecast_points",
    "staffing_plans",
    "staffing_intervals",
    "qa_rubrics",
    "qa_samples",
    "qa_evaluations",
    "qa_calibrations",
    "qa_coaching_plans",
    "qa_coaching_sessions",
)


def upgrade() -> None:
    workforce.create_workforce_forecasts()
    workforce.create_workforce_backtests()
    workforce.create_workforce_forecast_points()
    workforce.create_staffing_plans()
    workforce.create_staffing_intervals()
    quality.create_qa_rubrics()
    quality.create_qa_samples()
    quality.create_qa_evaluations()
    quality.create_qa_calibrations()
    quality.create_qa_coaching_plans()
    quality.create_qa_coaching_sessions()
    op.create_index("ix_qa_evaluations_agent", "qa_evaluations", ["agent_id"])
    op.create_index("ix_qa_evaluations_ticket", "qa_evaluations", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_qa_evaluations_ticket", table_name="qa_evaluations")
    op.drop_index("ix_qa_evaluations_agent", table_name="qa_evaluations")
    for table in reversed(TABLES):
        op.drop_table(table)
