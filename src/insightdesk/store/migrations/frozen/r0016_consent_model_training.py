"""Revision 0016 adds the customers' imported consent flag for the `model_training` purpose, so that
the desk's own models can learn only from people who said yes (unknown means no).

Frozen at revision 0016: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def add_consent_model_training() -> None:
    op.add_column(
        "customers",
        sa.Column(
            "consent_model_training",
            sa.Boolean(),
            nullable=True,
            comment="Records may train the desk's own models (risk, intents). Unknown (null) is treated as "
            "no consent.",
        ),
    )
