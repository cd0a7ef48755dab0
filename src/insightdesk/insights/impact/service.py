"""Impact of a change: difference-in-differences against a control segment, pre/post with trend when
there is none (weaker), and randomised A/B tests; each analysis stored in `impact_analyses` with an
`insight_runs` row (kind "impact", through `persistence`). The statistics are in `did`, `prepost`
and `abtests`.

Ticket-level KPIs come from the per-ticket feature frame and are dated by the ticket's creation:
a change at time T affects the tickets opened from T on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightdesk.insights.common.features import features_between
from insightdesk.insights.impact.abtests import ab_means, ab_proportions
from insightdesk.insights.impact.config import GRAINS, SHARE_MDE_POINTS, WINDOW_DAYS
from insightdesk.insights.impact.did import did_estimate
from insightdesk.insights.impact.kpis import IMPACT_KPIS, get_impact_kpi, segment_mask
from insightdesk.insights.impact.persistence import record_impact
from insightdesk.insights.impact.prepost import prepost_trend_estimate
from insightdesk.insights.impact.result import ImpactResult, to_result
from insightdesk.metrics.config import MetricsConfig

if TYPE_CHECKING:
    from insightdesk.store import Store


def _window(
    intervention_at: Any, since: Any, until: Any, window_days: int
) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    from insightdesk.metrics.request import to_timestamp

    at = to_timestamp(intervention_at, "intervention_at")
    if at is None:
        raise ValueError("intervention_at is required")
    start = to_timestamp(since, "since") or at - dt.timedelta(days=window_days)
    end = to_timestamp(until, "until") or at + dt.timedelta(days=window_days)
    if not start < at < end:
        raise ValueError(
            f"the change ({at:%Y-%m-%d}) must fall inside the window [{start:%Y-%m-%d}, {end:%Y-%m-%d})"
        )
    return at, start, end


def estimate_impact(
    store: Store,
    kpi: str,
    intervention_at: Any,
    treated: Mapping[str, Any],
    control: Mapping[str, Any] | None = None,
    *,
    since: Any = None,
    until: Any = None,
    window_days: int = WINDOW_DAYS,
    grain: str = "week",
    cluster: str | None = "customer_id",
    alpha: float = 0.05,
    name: str | None = None,
    record: bool = True,
    created_by: str = "cli",
    config: MetricsConfig | None = None,
    features: pd.DataFrame | None = None,
) -> ImpactResult:
    """Effect of a change at `intervention_at` on `kpi` for the `treated` segment (e.g. {"team":
    "Service Desk North"}): difference-in-differences against `control` (period fixed effects, errors
    cluster-robust by `cluster`, a ticket attribute, default the customer; None for HC1), or, without a control, pre/post with trend (weaker; says so). Tickets
    created in [since, until), by default `window_days` either side of the change, in periods of
    `grain` (day, week, month = 4 weeks) aligned on the change."""
    spec = get_impact_kpi(kpi)
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}: use day, week or month")
    cfg = config or MetricsConfig()
    at, start, end = _window(intervention_at, since, until, window_days)
    frame = features_between(store, start, end, config=cfg, features=features)
    if frame.empty:
        raise ValueError(f"no tickets created between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    in_treated = segment_mask(frame, treated, "treated")
    seconds = (frame["created_at"] - pd.Timestamp(at)).dt.total_seconds()
    data = pd.DataFrame(
        {
            "y": spec.value(frame, cfg),
            "treated": in_treated.astype(int),
            "post": (seconds >= 0).astype(int),
            "period": np.floor(seconds / (GRAINS[grain] * 86400)).astype(int),
        }
    )
    if cluster:
        if cluster not in frame:
            raise ValueError(f"cannot cluster by {cluster!r}: not a ticket attribute")
        # A ticket without the attribute (e.g. no customer) is its own cluster.
        data[cluster] = frame[cluster].astype("object").fillna(frame["ticket_id"])
    context = {
        "name": name,
        "intervention_at": at,
        "treated": dict(treated),
        "control": None if control is None else dict(control),
    }
    if data.loc[in_treated, "y"].notna().sum() == 0:
        raise ValueError(
            f"{kpi}: no ticket of the treated segment has a value in the window ({spec.definition})"
        )
    if control is None:
        estimate = prepost_trend_estimate(data[in_treated], alpha=alpha)
    else:
        in_control = segment_mask(frame, control, "control")
        overlap = int((in_treated & in_control).sum())
        if overlap:
            raise ValueError(f"treated and control segments overlap ({overlap} tickets are in both)")
        estimate = did_estimate(data[in_treated | in_control], cluster=cluster or None, alpha=alpha)
    result = to_result(estimate, spec.name, spec.unit, spec.definition, **context)
    result.detail |= {"grain": grain, "since": start, "until": end, "alpha": alpha}
    if record:
        record_impact(store, result, created_by=created_by)
    return result


def ab_test(
    control: tuple[int, int] | Sequence[float] | np.ndarray | pd.Series,
    treatment: tuple[int, int] | Sequence[float] | np.ndarray | pd.Series,
    *,
    kind: str = "proportion",
    mde: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    kpi: str = "custom",
    unit: str | None = None,
    name: str | None = None,
    arms: tuple[str, str] = ("control", "treatment"),
    store: Store | None = None,
    created_by: str = "cli",
) -> ImpactResult:
    """A randomised A/B test. `kind="proportion"`: each arm as (successes, trials), effect and `mde`
    in percentage points (default 5). `kind="mean"`: each arm's values, Welch test, `mde` in their
    units (default 0.2 standard deviations). Stored when a `store` is given."""
    if kind == "proportion":
        estimate = ab_proportions(
            _counts(control, "control"),
            _counts(treatment, "treatment"),
            alpha=alpha,
            mde=(SHARE_MDE_POINTS if mde is None else mde) / 100,
            power=power,
        )
        unit = unit or "percentage points"
    elif kind == "mean":
        estimate = ab_means(control, treatment, alpha=alpha, mde=mde, power=power)
        unit = unit or "outcome units"
    else:
        raise ValueError(f"unknown kind {kind!r}: use proportion or mean")
    known = IMPACT_KPIS.get(kpi)
    result = to_result(
        estimate,
        kpi,
        known.unit if known else unit,
        known.definition if known else "given by the caller",
        name=name,
        treated={"arm": arms[1]},
        control={"arm": arms[0]},
    )
    result.detail |= {"alpha": alpha}
    if store is not None:
        record_impact(store, result, created_by=created_by)
    return result


def _counts(value: Any, role: str) -> tuple[int, int]:
    try:
        successes, trials = value
        return int(successes), int(trials)
    except (TypeError, ValueError):
        raise ValueError(f"{role}: a proportion test takes (successes, trials), got {value!r}") from None


def ab_test_frame(
    frame: pd.DataFrame,
    *,
    arm: str = "arm",
    outcome: str = "y",
    control_arm: str | None = None,
    treatment_arm: str | None = None,
    kind: str = "auto",
    **kwargs: Any,
) -> ImpactResult:
    """A/B test from one row per unit: an `arm` column and an `outcome` column (0/1 or numbers).
    With exactly two arms and none named, the first in sorted order is the control ("A" before
    "B", "control" before "treatment"). `kind="auto"` tests a proportion when outcomes are 0/1."""
    for column in (arm, outcome):
        if column not in frame:
            raise ValueError(
                f"no column {column!r} in the frame (columns: {', '.join(map(str, frame.columns))})"
            )
    data = frame[[arm, outcome]].dropna()
    labels = sorted(data[arm].astype(str).unique())
    if control_arm is None or treatment_arm is None:
        if len(labels) != 2:
            raise ValueError(f"name the control and treatment arms: found {len(labels)} arms {labels}")
        control_arm = control_arm or next(a for a in labels if a != treatment_arm)
        treatment_arm = treatment_arm or next(a for a in labels if a != control_arm)
    groups = {a: data.loc[data[arm].astype(str) == a, outcome] for a in (control_arm, treatment_arm)}
    for a, values in groups.items():
        if values.empty:
            raise ValueError(f"arm {a!r} has no rows (arms: {labels})")
    values = pd.to_numeric(data[outcome], errors="coerce")
    if kind == "auto":
        kind = "proportion" if set(values.dropna().unique()) <= {0, 1} else "mean"
    if kind == "proportion":
        a, b = (groups[x].astype(float) for x in (control_arm, treatment_arm))
        return ab_test(
            (int(a.sum()), len(a)),
            (int(b.sum()), len(b)),
            kind=kind,
            arms=(control_arm, treatment_arm),
            **kwargs,
        )
    return ab_test(
        groups[control_arm].astype(float).to_numpy(),
        groups[treatment_arm].astype(float).to_numpy(),
        kind=kind,
        arms=(control_arm, treatment_arm),
        **kwargs,
    )


def ab_test_segments(
    store: Store,
    kpi: str,
    treated: Mapping[str, Any],
    control: Mapping[str, Any],
    *,
    since: Any = None,
    until: Any = None,
    mde: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    name: str | None = None,
    record: bool = True,
    created_by: str = "cli",
    config: MetricsConfig | None = None,
    features: pd.DataFrame | None = None,
) -> ImpactResult:
    """A/B test of a KPI between two ticket segments that were assigned at random (a routing
    experiment, a pilot queue). `mde` in KPI units: percentage points for shares (default 5)."""
    from insightdesk.metrics.request import to_timestamp

    spec = get_impact_kpi(kpi)
    cfg = config or MetricsConfig()
    start, end = to_timestamp(since, "since"), to_timestamp(until, "until")
    frame = features_between(store, start, end, config=cfg, features=features)
    y = spec.value(frame, cfg)
    in_t, in_c = segment_mask(frame, treated, "treated"), segment_mask(frame, control, "control")
    if (in_t & in_c).any():
        raise ValueError(
            f"treated and control segments overlap ({int((in_t & in_c).sum())} tickets are in both)"
        )
    a, b = y[in_c].dropna(), y[in_t].dropna()
    if spec.kind == "proportion":
        estimate = ab_proportions(
            (round(a.sum() / 100), len(a)),
            (round(b.sum() / 100), len(b)),
            alpha=alpha,
            mde=(SHARE_MDE_POINTS if mde is None else mde) / 100,
            power=power,
        )
    else:
        estimate = ab_means(a.to_numpy(), b.to_numpy(), alpha=alpha, mde=mde, power=power)
    result = to_result(
        estimate,
        spec.name,
        spec.unit,
        spec.definition,
        name=name,
        treated=dict(treated),
        control=dict(control),
    )
    result.detail |= {"since": start, "until": end, "alpha": alpha}
    if record:
        record_impact(store, result, created_by=created_by)
    return result
