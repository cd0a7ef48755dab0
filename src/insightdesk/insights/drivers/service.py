"""Key drivers of dissatisfaction and repeat contact, stored with their run.

`key_drivers(store)` reads the per-ticket feature frame, estimates adjusted effects (`effects`) and
segment disparities (`disparities`), writes them to `driver_effects` with an `insight_runs` row
(kind "drivers", through `persistence`) and returns a `DriversReport`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.common.features import CATEGORICAL, NUMERIC, OUTCOMES, features_between
from insightdesk.insights.common.runs import recorded_run
from insightdesk.insights.drivers.config import RARE_CLASS, SEGMENTS, SMALL_SAMPLE
from insightdesk.insights.drivers.disparities import segment_disparities
from insightdesk.insights.drivers.effects import fit_drivers, ranked
from insightdesk.insights.drivers.persistence import write_effects

if TYPE_CHECKING:
    from insightdesk.metrics.config import MetricsConfig
    from insightdesk.store import Store


@dataclass
class DriversReport:
    """Adjusted drivers and raw segment disparities of one outcome (effects in percentage points)."""

    outcome: str
    n: int
    base_rate: float
    auc: float
    drivers: pd.DataFrame
    disparities: pd.DataFrame
    method: str
    bootstrap: int
    bootstrap_rows: int
    seconds: float  # reading the features, fitting, bootstrapping and testing
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    run_id: str | None = None

    def top(self, k: int = 15, *, significant_only: bool = False) -> pd.DataFrame:
        """The `k` largest effects, significant ones first."""
        frame = self.drivers[self.drivers["significant"]] if significant_only else self.drivers
        return ranked(frame).head(k)

    def frame(self) -> pd.DataFrame:
        """Drivers and disparities in one frame (the rows of `driver_effects`)."""
        return pd.concat([self.drivers, self.disparities], ignore_index=True)

    def summary(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "n": self.n,
            "base_rate": self.base_rate,
            "auc_in_sample": self.auc,
            "significant_drivers": int(self.drivers["significant"].sum()),
            "significant_disparities": int(self.disparities["significant"].sum()),
            "seconds": round(self.seconds, 2),
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


def key_drivers(
    store: Store,
    outcome: str = "low_csat",
    since: Any = None,
    until: Any = None,
    *,
    categorical: Sequence[str] = CATEGORICAL,
    numeric: Sequence[str] = NUMERIC,
    segments: Sequence[str] = SEGMENTS,
    min_level_n: int = 30,
    bootstrap: int = 200,
    bootstrap_rows: int = 20_000,
    alpha: float = 0.05,
    adjust: str = "bh",
    disparity_adjust: str = "holm",
    seed: int = 0,
    min_rows: int = 100,
    record: bool = True,
    started_by: str = "cli",
    config: MetricsConfig | None = None,
    features: pd.DataFrame | None = None,
) -> DriversReport:
    """Which attributes drive `outcome` (low_csat, detractor or repeat_contact) for tickets created in
    [since, until): adjusted effects with bootstrap intervals, and segment disparities flagged only
    when significant after the multiple-comparison adjustment. Stored as a "drivers" run unless
    `record=False`. `features` may pass a ticket feature frame already read (it is filtered by date).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    if bootstrap < 20:
        raise ValueError(f"bootstrap must be at least 20 resamples for an interval, got {bootstrap}")
    began = time.perf_counter()
    frame = features_between(store, since, until, config=config, features=features)
    known = int(frame[outcome].notna().sum())
    if known < min_rows:
        raise ValueError(
            f"{outcome}: only {known} tickets with a known outcome in the window; key drivers need at "
            f"least {min_rows} (widen --since/--until or load more feedback)"
        )
    fit = fit_drivers(
        frame,
        outcome,
        categorical=categorical,
        numeric=numeric,
        min_level_n=min_level_n,
        bootstrap=bootstrap,
        bootstrap_rows=bootstrap_rows,
        alpha=alpha,
        adjust=adjust,
        seed=seed,
    )
    disparities = segment_disparities(
        frame, outcome, segments=segments, min_n=min_level_n, alpha=alpha, adjust=disparity_adjust
    )
    warnings = []
    if fit.n < SMALL_SAMPLE:
        warnings.append(f"small sample: {fit.n} tickets with a known {outcome}; intervals are wide")
    positives = round(fit.base_rate * fit.n)
    if min(positives, fit.n - positives) < RARE_CLASS:
        warnings.append(f"only {min(positives, fit.n - positives)} tickets in the rarer outcome class")
    report = DriversReport(
        outcome=outcome,
        n=fit.n,
        base_rate=fit.base_rate,
        auc=fit.auc,
        drivers=fit.effects,
        disparities=disparities,
        method=fit.method,
        bootstrap=fit.bootstrap,
        bootstrap_rows=fit.bootstrap_rows,
        seconds=time.perf_counter() - began,
        skipped=fit.skipped,
        warnings=warnings,
    )
    if record:
        params = {
            "outcome": outcome,
            "since": since,
            "until": until,
            "min_level_n": min_level_n,
            "bootstrap": bootstrap,
            "bootstrap_rows": bootstrap_rows,
            "alpha": alpha,
            "adjust": adjust,
            "disparity_adjust": disparity_adjust,
            "seed": seed,
        }
        with recorded_run(store, "drivers", params, started_by=started_by) as run:
            write_effects(run.conn, report.frame(), outcome, run.run_id)
            run.summary.update(report.summary())
        report.run_id = run.run_id
    return report
