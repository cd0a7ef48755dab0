"""The result of an impact analysis, as the service returns it and the store keeps it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from insightdesk.insights.impact.estimate import ImpactEstimate, excludes_zero


@dataclass
class ImpactResult:
    """One impact analysis: effect (treated minus control, KPI units), interval, p-value, caveats."""

    kpi: str
    unit: str
    method: str
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    intervention_at: dt.datetime | None = None
    treated: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    analysis_id: str | None = None

    @property
    def significant(self) -> bool:
        return excludes_zero(self.ci_low, self.ci_high)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"significant": self.significant}

    def series(self) -> pd.DataFrame:
        """Per-period values behind the estimate (period index relative to the change)."""
        return pd.DataFrame(self.detail.get("series", []))


def to_result(estimate: ImpactEstimate, kpi: str, unit: str, definition: str, **context: Any) -> ImpactResult:
    """The public result of an estimate: the KPI it measured and the context of the analysis added."""
    detail = dict(estimate.detail) | {"kpi_definition": definition, "unit": unit}
    return ImpactResult(
        kpi=kpi,
        unit=unit,
        method=estimate.method,
        effect=estimate.effect,
        ci_low=estimate.ci_low,
        ci_high=estimate.ci_high,
        p_value=estimate.p_value,
        n_treated=estimate.n_treated,
        n_control=estimate.n_control,
        warnings=list(estimate.warnings),
        detail=detail,
        **context,
    )
