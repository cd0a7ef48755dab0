"""What every impact estimator returns, and the power arithmetic they share (no store I/O).

Effects are treated minus control (or after minus before) in the outcome's reporting units: 0/100
for shares (effects in percentage points), +100/0/-100 per NPS answer (NPS points), hours for times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from insightdesk.insights.impact.config import POWER_TARGET


def excludes_zero(ci_low: float, ci_high: float) -> bool:
    """Significant at the interval's level: the interval lies wholly on one side of zero."""
    return bool(ci_low > 0 or ci_high < 0)


@dataclass
class ImpactEstimate:
    """An estimated effect (treated minus control, in the outcome's units) with its evidence."""

    method: str  # did, pre_post_trend or ab_test
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return excludes_zero(self.ci_low, self.ci_high)


def mde(se: float, alpha: float, power: float = POWER_TARGET) -> float:
    """Smallest true effect the design detects with `power` (normal approximation)."""
    from scipy.stats import norm

    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * se)


def add_inconclusive_warning(estimate: ImpactEstimate, mde_80: float) -> None:
    """Say so when nothing was found and the design could only have found large effects."""
    if not estimate.significant:
        estimate.warnings.append(
            f"inconclusive: no significant effect, and this design detects only effects of about "
            f"±{mde_80:.3g} or more (80% power)"
        )
