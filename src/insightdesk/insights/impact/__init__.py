"""Impact of a change: difference-in-differences, pre/post with trend, A/B tests with power.

Roles: `kpis` reads the KPI series, `stats` estimates, `simulate` checks coverage on synthetic
data, `service` runs an analysis and persists it.
"""

from __future__ import annotations

from insightdesk.insights.impact.service import (
    ImpactResult,
    ab_test,
    ab_test_frame,
    ab_test_segments,
    estimate_impact,
    get_impact,
    list_impact,
    record_impact,
)

__all__ = [
    "ImpactResult",
    "ab_test",
    "ab_test_frame",
    "ab_test_segments",
    "estimate_impact",
    "get_impact",
    "list_impact",
    "record_impact",
]
