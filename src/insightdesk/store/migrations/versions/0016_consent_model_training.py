"""Model-training consent: the customers' imported flag that feeds the ledger's `model_training` purpose.

No backfill: no export carried the flag before this revision, so every person's decision stays
unknown (no consent) until an import, the API or the CLI records one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0016_consent_model_training as frozen

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    frozen.add_consent_model_training()


def downgrade() -> None:
    op.drop_column("customers", "consent_model_training")
