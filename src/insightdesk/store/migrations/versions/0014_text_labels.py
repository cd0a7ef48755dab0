"""People correct the machine: text labels and user-trained classifiers.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0014_text_labels as frozen

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("text_labels", "text_classifiers", "text_intents")


def upgrade() -> None:
    frozen.create_text_labels()
    frozen.create_text_classifiers()
    frozen.create_text_intents()
    op.create_index("ix_text_labels_text", "text_labels", ["entity", "record_id", "field"])


def downgrade() -> None:
    op.drop_index("ix_text_labels_text", table_name="text_labels")
    for table in reversed(TABLES):
        op.drop_table(table)
