"""Closed loop, second round: regulatory-complaint clocks, bulk runs held for approval, who activated a
rule version, and the rationale of a won't-fix or deprioritised pain point.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0015_closed_loop as frozen

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    frozen.create_action_case_clocks()
    frozen.create_action_run_holds()
    frozen.add_activated_by()
    frozen.add_rationale()


def downgrade() -> None:
    op.drop_column("painpoint_backlog", "rationale")
    op.drop_column("action_rule_versions", "activated_by")
    op.drop_table("action_run_holds")
    op.drop_table("action_case_clocks")
