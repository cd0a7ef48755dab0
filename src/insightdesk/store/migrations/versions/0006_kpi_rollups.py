"""Daily KPI roll-ups and what each was built from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_rollups",
        sa.Column("kpi", sa.String(), nullable=False, comment="KPI name (metrics registry)."),
        sa.Column(
            "dimset",
            sa.String(),
            nullable=False,
            comment="Dimensions this row is grouped by, comma-separated in a fixed order ('' = whole desk); the other dimension columns are empty.",
        ),
        sa.Column(
            "day",
            sa.DateTime(),
            nullable=False,
            comment="Day (UTC midnight) of the facts, by the KPI's own date.",
        ),
        sa.Column("channel", sa.String(), nullable=True, comment="Dimension `channel` (docs/metrics.md)."),
        sa.Column("agent", sa.String(), nullable=True, comment="Dimension `agent` (docs/metrics.md)."),
        sa.Column("product", sa.String(), nullable=True, comment="Dimension `product` (docs/metrics.md)."),
        sa.Column("service", sa.String(), nullable=True, comment="Dimension `service` (docs/metrics.md)."),
        sa.Column("category", sa.String(), nullable=True, comment="Dimension `category` (docs/metrics.md)."),
        sa.Column(
            "subcategory", sa.String(), nullable=True, comment="Dimension `subcategory` (docs/metrics.md)."
        ),
        sa.Column("priority", sa.String(), nullable=True, comment="Dimension `priority` (docs/metrics.md)."),
        sa.Column("region", sa.String(), nullable=True, comment="Dimension `region` (docs/metrics.md)."),
        sa.Column("language", sa.String(), nullable=True, comment="Dimension `language` (docs/metrics.md)."),
        sa.Column("type", sa.String(), nullable=True, comment="Dimension `type` (docs/metrics.md)."),
        sa.Column(
            "organisation", sa.String(), nullable=True, comment="Dimension `organisation` (docs/metrics.md)."
        ),
        sa.Column("team", sa.String(), nullable=True, comment="Dimension `team` (docs/metrics.md)."),
        sa.Column(
            "team_tier", sa.String(), nullable=True, comment="Dimension `team_tier` (docs/metrics.md)."
        ),
        sa.Column(
            "customer_tier",
            sa.String(),
            nullable=True,
            comment="Dimension `customer_tier` (docs/metrics.md).",
        ),
        sa.Column(
            "customer_segment",
            sa.String(),
            nullable=True,
            comment="Dimension `customer_segment` (docs/metrics.md).",
        ),
        sa.Column(
            "customer_region",
            sa.String(),
            nullable=True,
            comment="Dimension `customer_region` (docs/metrics.md).",
        ),
        sa.Column(
            "customer_country",
            sa.String(),
            nullable=True,
            comment="Dimension `customer_country` (docs/metrics.md).",
        ),
        sa.Column(
            "share_category",
            sa.String(),
            nullable=True,
            comment="Category of a share KPI (channel mix, tier distribution).",
        ),
        sa.Column(
            "x",
            sa.Double(),
            nullable=True,
            comment="Value (or value bin) of a median KPI; empty for other kinds.",
        ),
        sa.Column(
            "n", sa.BigInteger(), nullable=False, comment="Facts in the cell (answers, tickets, values)."
        ),
        sa.Column(
            "s1",
            sa.Double(),
            nullable=True,
            comment="First sum: hits (proportion), promoters (NPS), sum of x (mean).",
        ),
        sa.Column(
            "s2", sa.Double(), nullable=True, comment="Second sum: detractors (NPS), sum of x squared (mean)."
        ),
        comment="Daily roll-ups of KPI sufficient statistics per dimension set (built by `insightdesk metrics rollup build`).",
    )
    op.create_table(
        "kpi_rollup_builds",
        sa.Column("kpi", sa.String(), nullable=False, comment="KPI name."),
        sa.Column(
            "definition",
            sa.String(),
            nullable=True,
            comment="Fingerprint of the KPI definition and settings it was built with.",
        ),
        sa.Column("dimsets", sa.Text(), nullable=False, comment="Dimension sets kept, JSON list of lists."),
        sa.Column(
            "median_resolution",
            sa.Float(),
            nullable=True,
            comment="Relative bin width of median values (0 = exact values).",
        ),
        sa.Column(
            "source_version",
            sa.Text(),
            nullable=False,
            comment="Fingerprint of the source tables when built, JSON.",
        ),
        sa.Column("rows", sa.BigInteger(), nullable=False, comment="Roll-up rows of this KPI."),
        sa.Column(
            "live_reason",
            sa.String(),
            nullable=True,
            comment="Why this KPI is computed live instead (no roll-up rows), if so.",
        ),
        sa.Column("seconds", sa.Float(), nullable=True, comment="Build time of this KPI."),
        sa.Column("built_at", sa.DateTime(), nullable=False, comment="When it was built (UTC)."),
        sa.PrimaryKeyConstraint("kpi"),
        comment="What each KPI's roll-up was built from; a roll-up whose source changed is not used.",
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_builds")
    op.drop_table("kpi_rollups")
