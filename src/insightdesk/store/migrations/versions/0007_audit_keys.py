"""The audit log's hash scheme and key id: entries keyed with HMAC-SHA256 (older ones stay sha256).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "audit_log",
        sa.Column(
            "hash_scheme",
            sa.String(),
            nullable=True,
            comment="`hmac-sha256` (keyed with the audit key kept outside the store) or `sha256`; null for entries written before migration 0007 (sha256).",
        ),
    )
    op.add_column(
        "audit_log",
        sa.Column(
            "key_id",
            sa.String(),
            nullable=True,
            comment="Id of the audit key a keyed entry was hashed with (not the key itself).",
        ),
    )


def downgrade() -> None:
    op.drop_column("audit_log", "key_id")
    op.drop_column("audit_log", "hash_scheme")
