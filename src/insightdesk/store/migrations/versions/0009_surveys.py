"""Surveys: definitions and versions, triggers, invitations and suppressions, deliveries, responses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0009_surveys as surveys

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = (
    "survey_versions",
    "survey_trigger_cursors",
    "survey_invitations",
    "survey_suppressions",
    "survey_responses",
)


def upgrade() -> None:
    surveys.create_survey_versions()
    surveys.create_survey_trigger_cursors()
    surveys.create_survey_invitations()
    surveys.create_survey_suppressions()
    surveys.create_survey_responses()
    # The sender's queue and the fatigue check read invitations by status and due time, by customer.
    op.create_index("ix_survey_invitations_due", "survey_invitations", ["status", "due_at"])
    op.create_index("ix_survey_invitations_customer", "survey_invitations", ["customer_id", "created_at"])
    op.create_index("ix_survey_suppressions_customer", "survey_suppressions", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_suppressions_customer", table_name="survey_suppressions")
    op.drop_index("ix_survey_invitations_customer", table_name="survey_invitations")
    op.drop_index("ix_survey_invitations_due", table_name="survey_invitations")
    for table in reversed(TABLES):
        op.drop_table(table)
