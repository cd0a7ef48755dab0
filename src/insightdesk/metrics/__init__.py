"""Service and CX KPIs defined once, segmented and trended with honest uncertainty.

    from insightdesk.metrics import compute
    compute("nps", store="desk.duckdb", by=["channel"], grain="month")

See docs/metrics.md for every KPI's definition and docs/scale.md for Spark.
"""

from __future__ import annotations

from insightdesk.metrics.calendar import BusinessCalendar
from insightdesk.metrics.compare import compare
from insightdesk.metrics.compute import GRAINS, MetricsError, compute
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import DIMENSIONS
from insightdesk.metrics.overview import compute_many, headline, overview
from insightdesk.metrics.registry import get_kpi, list_kpis, register_kpi, unregister_kpi
from insightdesk.metrics.spec import KPI

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "KPI",
    "BusinessCalendar",
    "MetricsConfig",
    "MetricsError",
    "compare",
    "compute",
    "compute_many",
    "get_kpi",
    "headline",
    "list_kpis",
    "overview",
    "register_kpi",
    "unregister_kpi",
]
