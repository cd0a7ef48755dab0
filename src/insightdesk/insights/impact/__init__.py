"""Impact of a change: difference-in-differences, pre/post with trend, A/B tests with power.

Roles, as in every insight feature:
- computation (pure, on frames and arrays): `did`, `prepost`, `abtests` (the estimators), `estimate`
  (what they return), `kpis` (ticket-level KPIs and segment filters), `simulate` (coverage checks);
- configuration: `config` (grains, power target, small-sample and default-MDE conventions);
- persistence: `persistence` (`impact_analyses`), `result` (the analysis as returned and stored);
- service: `service` reads the features, estimates, records the analysis, returns an `ImpactResult`.
"""

from __future__ import annotations

from insightdesk.insights.impact.persistence import get_impact, list_impact, record_impact
from insightdesk.insights.impact.result import ImpactResult
from insightdesk.insights.impact.service import (
    ab_test,
    ab_test_frame,
    ab_test_segments,
    estimate_impact,
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
