"""Settings of the alert scan: detection thresholds, threshold rules and their file, scan defaults.

Every threshold of the anomaly scan lives in `DetectionConfig` with its default (docs/insights.md,
"Anomalies and alerts"); a desk's own targets are `ThresholdRule`s, usually from a YAML rules file
(`insightdesk alerts run --rules FILE`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from insightdesk.insights.alerts.periods import DEFAULT_WINDOW
from insightdesk.metrics.compute import GRAINS
from insightdesk.metrics.dimensions import check_dimensions
from insightdesk.metrics.registry import get_kpi

STATUSES = ("open", "acknowledged", "closed")
DETECTOR = "seasonal-baseline"
TAIL_PERIODS = 12
"""Periods of the series kept in an anomaly's evidence (the alert's period and those before it)."""
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "channel",
    "team",
    "priority",
    "category",
    "subcategory",
    "product",
    "region",
    "customer_tier",
)
"""Dimensions every KPI series is segmented by in a scan (each value of each, plus the whole desk)."""
SCANNED_KINDS = ("proportion", "nps", "mean", "median", "count")
"""KPI kinds the scan tests. Shares (one row per category) and the backlog level are left out."""


class AlertError(ValueError):
    """An alert request that cannot be done as asked; the message says what to change."""


@dataclass(frozen=True)
class DetectionConfig:
    """Settings of the anomaly scan; the defaults are documented in docs/insights.md."""

    fdr: float = 0.05
    """False discovery rate of the Benjamini-Hochberg procedure over every cell tested in one scan."""
    window: int | None = None
    """Baseline length in comparable periods (default: 8 same weekdays, 8 weeks, 6 months, 4 quarters)."""
    min_history: int = 4
    """Baseline periods a cell needs before it is tested."""
    min_count: float = 10
    """Counts: the larger of observed and expected must reach this, or the cell is not tested."""
    min_n: int = 30
    """Proportions and estimates: observations the cell (and its baseline) needs to be tested."""
    min_rel_change: float = 0.3
    """Counts fire only when observed / expected - 1 is at least this far from 0."""
    min_abs_change: float = 0.03
    """Proportions fire only when the observed share is at least this far from the expected one."""
    holidays: tuple[dt.date, ...] = field(default_factory=tuple)
    """Holiday dates: out of every baseline; count drops on them are not tested."""
    after_holiday_days: int = 1
    """At daily grain, days after a holiday left out of baselines, with their count spikes untested."""
    range_confidence: float = 0.95
    """Coverage of the expected range reported with each cell."""

    def __post_init__(self) -> None:
        if not 0 < self.fdr < 1:
            raise ValueError(f"fdr must be between 0 and 1, got {self.fdr}")
        if self.window is not None and self.window < 2:
            raise ValueError(f"window must be at least 2 periods, got {self.window}")
        if self.min_history < 2:
            raise ValueError(f"min_history must be at least 2, got {self.min_history}")
        if not 0 < self.range_confidence < 1:
            raise ValueError(f"range_confidence must be between 0 and 1, got {self.range_confidence}")

    def window_for(self, grain: str) -> int:
        return self.window or DEFAULT_WINDOW[grain]


@dataclass(frozen=True)
class ThresholdRule:
    """Fire when a KPI stays beyond a target for `periods` consecutive periods, per segment of `by`.

    `basis="interval"` (default) counts a period only when its whole confidence interval is beyond
    the target (below it beyond sampling noise); `basis="point"` uses the estimate alone. Periods
    with fewer than `min_n` observations do not count and break a run.
    """

    kpi: str
    below: float | None = None
    above: float | None = None
    by: str | None = None
    periods: int = 2
    grain: str = "week"
    min_n: int = 30
    basis: str = "interval"
    name: str | None = None

    def __post_init__(self) -> None:
        try:
            get_kpi(self.kpi)
        except KeyError as exc:  # fail early, naming the known KPIs
            raise AlertError(str(exc)) from None
        if (self.below is None) == (self.above is None):
            raise AlertError(f"threshold rule on {self.kpi}: give exactly one of `below` or `above`")
        if self.by is not None:
            check_dimensions([self.by])
        if self.periods < 1:
            raise AlertError(f"threshold rule on {self.kpi}: periods must be at least 1, got {self.periods}")
        if self.grain not in GRAINS:
            raise AlertError(
                f"threshold rule on {self.kpi}: grain {self.grain!r} is not one of {', '.join(GRAINS)}"
            )
        if self.basis not in ("interval", "point"):
            raise AlertError(
                f"threshold rule on {self.kpi}: basis must be interval or point, got {self.basis!r}"
            )

    @property
    def target(self) -> float:
        return float(self.below if self.below is not None else self.above)  # type: ignore[arg-type]

    @property
    def direction(self) -> str:
        return "below" if self.below is not None else "above"

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        by = f" by {self.by}" if self.by else ""
        return (
            f"{self.kpi} {self.direction} {self.target:g}{by} for {self.periods} {self.grain}s ({self.basis})"
        )


DEFAULT_RULES: tuple[ThresholdRule, ...] = (
    # An example target; set the desk's own targets in a rules file (`insightdesk alerts run --rules`).
    ThresholdRule("csat", below=0.70, by="team", periods=2, grain="week", min_n=20),
)

_RULE_KEYS = {f for f in ThresholdRule.__dataclass_fields__}


def load_rules(path: str | Path) -> tuple[list[ThresholdRule], tuple[dt.date, ...]]:
    """Threshold rules and holidays from a YAML file:

    holidays: [2025-12-25, 2026-01-01]
    rules:
      - {kpi: csat, by: team, below: 0.7, periods: 2, grain: week}
    """
    import yaml

    file = Path(path)
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AlertError(f"cannot read rules file {file}: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) - {"rules", "holidays"}:
        raise AlertError(f"rules file {file}: expected the keys `rules` and/or `holidays` at the top level")
    rules = []
    for i, item in enumerate(doc.get("rules") or [], start=1):
        if not isinstance(item, dict):
            raise AlertError(f"rules file {file}: rule {i} is not a mapping")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise AlertError(
                f"rules file {file}: rule {i} has unknown key(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(_RULE_KEYS))}"
            )
        try:
            rules.append(ThresholdRule(**item))
        except (TypeError, ValueError) as exc:
            raise AlertError(f"rules file {file}: rule {i}: {exc}") from exc
    holidays = []
    for h in doc.get("holidays") or []:
        try:
            holidays.append(h if isinstance(h, dt.date) else dt.date.fromisoformat(str(h)))
        except ValueError as exc:
            raise AlertError(f"rules file {file}: holiday {h!r} is not a YYYY-MM-DD date") from exc
    return rules, tuple(holidays)
