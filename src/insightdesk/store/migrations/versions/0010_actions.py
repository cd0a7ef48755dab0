"""Closed loop: rules and their versions, follow-up tasks, notifications, outbox deliveries, review packs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0010_delivery as delivery
from insightdesk.store.migrations.frozen import r0010_rules as rules

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = (
    "action_rule_versions",
    "action_evaluations",
    "action_tasks",
    "action_task_events",
    "action_notifications",
    "action_outbox",
    "action_external_records",
    "action_review_packs",
    "action_config_changes",
)


def upgrade() -> None:
    for table in TABLES:
        module = rules if hasattr(rules, f"create_{table}") else delivery
        getattr(module, f"create_{table}")()
    op.create_index("ix_action_tasks_owner", "action_tasks", ["owner", "status"])
    op.create_index("ix_action_outbox_due", "action_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_action_outbox_due", table_name="action_outbox")
    op.drop_index("ix_action_tasks_owner", table_name="action_tasks")
    for table in reversed(TABLES):
        op.drop_table(table)
