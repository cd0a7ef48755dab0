"""Settings changed from their defaults (every change audited).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column(
            "name", sa.String(), nullable=False, comment="Setting name (see docs/security.md, Settings)."
        ),
        sa.Column("value", sa.Text(), nullable=False, comment="Value, JSON."),
        sa.Column(
            "updated_by",
            sa.String(),
            nullable=False,
            comment="Who set it (users.username or `cli:<os user>`).",
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("name"),
        comment="Settings changed from their defaults; every change is in the audit log.",
    )


def downgrade() -> None:
    op.drop_table("settings")
