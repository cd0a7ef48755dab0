"""Store tables of the KPI roll-ups (migration 0006): daily sufficient statistics per KPI.

A roll-up row holds, for one KPI, one day and one combination of dimension values, the sums a
KPI's value and interval are computed from (n and up to two sums), so a report over months
reads thousands of rows instead of millions of facts. See metrics/rollup.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

# The metrics layer owns the dimensions; the store only names the columns, so this list is kept
# equal to metrics.dimensions' ticket, team and customer dimensions by tests/metrics (test_rollup_dims).
ROLLUP_DIMS: tuple[str, ...] = (
    "channel",
    "agent",
    "product",
    "service",
    "category",
    "subcategory",
    "priority",
    "region",
    "language",
    "type",
    "organisation",
    "team",
    "team_tier",
    "customer_tier",
    "customer_segment",
    "customer_region",
    "customer_country",
)
"""Dimensions a roll-up can keep (cohorts are computed live: they move with every new customer)."""

kpi_rollups = sa.Table(
    "kpi_rollups",
    metadata,
    _col("kpi", sa.String, "KPI name (metrics registry).", nullable=False),
    _col(
        "dimset",
        sa.String,
        "Dimensions this row is grouped by, comma-separated in a fixed order ('' = whole desk); "
        "the other dimension columns are empty.",
        nullable=False,
    ),
    _col("day", sa.DateTime, "Day (UTC midnight) of the facts, by the KPI's own date.", nullable=False),
    *[_col(name, sa.String, f"Dimension `{name}` (docs/metrics.md).") for name in ROLLUP_DIMS],
    _col("share_category", sa.String, "Category of a share KPI (channel mix, tier distribution)."),
    _col("x", sa.Double, "Value (or value bin) of a median KPI; empty for other kinds."),
    _col("n", sa.BigInteger, "Facts in the cell (answers, tickets, values).", nullable=False),
    _col("s1", sa.Double, "First sum: hits (proportion), promoters (NPS), sum of x (mean)."),
    _col("s2", sa.Double, "Second sum: detractors (NPS), sum of x squared (mean)."),
    comment="Daily roll-ups of KPI sufficient statistics per dimension set (built by "
    "`insightdesk metrics rollup build`).",
)

kpi_rollup_builds = sa.Table(
    "kpi_rollup_builds",
    metadata,
    _col("kpi", sa.String, "KPI name.", primary_key=True),
    _col("definition", sa.String, "Fingerprint of the KPI definition and settings it was built with."),
    _col("dimsets", sa.Text, "Dimension sets kept, JSON list of lists.", nullable=False),
    _col("median_resolution", sa.Float, "Relative bin width of median values (0 = exact values)."),
    _col("source_version", sa.Text, "Fingerprint of the source tables when built, JSON.", nullable=False),
    _col("rows", sa.BigInteger, "Roll-up rows of this KPI.", nullable=False),
    _col("live_reason", sa.String, "Why this KPI is computed live instead (no roll-up rows), if so."),
    _col("seconds", sa.Float, "Build time of this KPI."),
    _col("built_at", sa.DateTime, "When it was built (UTC).", nullable=False),
    comment="What each KPI's roll-up was built from; a roll-up whose source changed is not used.",
)
