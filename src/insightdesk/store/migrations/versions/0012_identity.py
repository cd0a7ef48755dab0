"""Identity resolution: person clusters, record links, match runs, review decisions.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0012_identity as identity

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = (
    "identity_runs",
    "identity_links",
    "identity_persons",
    "identity_person_values",
    "identity_review_pairs",
    "identity_constraints",
    "identity_threads",
)


def upgrade() -> None:
    identity.create_identity_runs()
    identity.create_identity_links()
    identity.create_identity_persons()
    identity.create_identity_person_values()
    identity.create_identity_review_pairs()
    identity.create_identity_constraints()
    identity.create_identity_threads()
    # Metrics count repeat contact by person through the thread table; reviewers page by status.
    op.create_index("ix_identity_links_person_id", "identity_links", ["person_id"])
    op.create_index("ix_identity_threads_person_id", "identity_threads", ["person_id"])
    op.create_index("ix_identity_review_pairs_status", "identity_review_pairs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_identity_review_pairs_status", table_name="identity_review_pairs")
    op.drop_index("ix_identity_threads_person_id", table_name="identity_threads")
    op.drop_index("ix_identity_links_person_id", table_name="identity_links")
    for table in reversed(TABLES):
        op.drop_table(table)
