"""Settings of the metrics engine, resolved once and passed down explicitly.

Every threshold a KPI definition depends on lives here with its default and the reason
for it, so a desk with a different convention changes one value, not a definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from insightdesk.metrics.calendar import BusinessCalendar


def _default_satisfied() -> Mapping[int, tuple[float, ...]]:
    # Keyed by the scale's maximum: 4-5 of 5 is the ACSI / top-two-box convention.
    return MappingProxyType({5: (4.0, 5.0), 7: (6.0, 7.0), 10: (9.0, 10.0)})


@dataclass(frozen=True)
class MetricsConfig:
    """Conventions and thresholds of every KPI (see docs/metrics.md, "Configuration")."""

    confidence: float = 0.95
    """Confidence level of every interval and the significance level (1 - confidence) of tests."""
    csat_satisfied: Mapping[int, tuple[float, ...]] = field(default_factory=_default_satisfied)
    """Satisfied scores per CSAT scale, keyed by the scale's maximum; other scales use the top two box."""
    nps_promoter_min: float = 9
    """Lowest promoter score on the 0-10 likelihood-to-recommend scale."""
    nps_detractor_max: float = 6
    """Highest detractor score on the 0-10 scale."""
    nps_attribution_days: int = 90
    """A relationship NPS answer (tied to a customer, not a ticket) is the NPS outcome of that
    customer's tickets created in the N days before it (key drivers and risk of detractors)."""
    ces_easy_min: float = 5
    """Lowest score counted as "easy" on the 1-7 CES 2.0 agreement scale (somewhat agree or more)."""
    repeat_days: int = 7
    """Window N (days) of the repeat-contact rate."""
    repeat_key: str = "category"
    """Ticket column that says "the same issue" for repeat contacts (category, subcategory, problem_id...)."""
    deflection_days: int = 7
    """A self-service session is deflected when no assisted ticket follows within this many days."""
    aged_days: float = 7
    """Open tickets older than this many days count as aged in `backlog_aged_share`."""
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    """Business calendar (time zone, opening hours, working days, holidays) of business-hours KPIs."""
    sla_clock: str = "calendar"
    """Clock for SLA checks when the source gives no breach flag: `calendar` or `business`."""
    cohort_date: dt.date | None = None
    """Split date of the `cohort_split` dimension (customers first seen before / after it)."""
    as_of: dt.datetime | None = None
    """Snapshot time of backlog and open-SLA checks when `until` is not given (default: now, UTC)."""

    def with_(self, **changes: object) -> MetricsConfig:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def satisfied_scores(self, scale_max: int) -> tuple[float, ...]:
        if scale_max in self.csat_satisfied:
            return tuple(self.csat_satisfied[scale_max])
        return (float(scale_max - 1), float(scale_max))

    def snapshot_time(self, until: dt.datetime | None) -> dt.datetime:
        if until is not None:
            return until
        if self.as_of is not None:
            return self.as_of
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
