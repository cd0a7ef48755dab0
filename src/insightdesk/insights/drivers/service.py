"""Key drivers of dissatisfaction and repeat contact, stored with their run.

`key_drivers(store)` reads the per-ticket feature frame, estimates adjusted effects and segment
disparities (statistics in `insights.drivers_stats`), writes them to `driver_effects` with an
`insight_runs` row (kind "drivers") and returns a `DriversReport`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.features import CATEGORICAL, NUMERIC, OUTCOMES, ticket_features
from insightdesk.insights.common.runs import latest_run_id, recorded_run
from insightdesk.insights.drivers.stats import SEGMENTS, fit_drivers, segment_disparities
from insightdesk.store.tables.insights import driver_effects

if TYPE_CHECKING:
    from insightdesk.metrics.config import MetricsConfig
    from insightdesk.store import Store

SMALL_SAMPLE = 500  # below this many answered tickets, intervals are wide: say so


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
        return _ranked(frame).head(k)

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


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_sig=~frame["significant"], _abs=-frame["effect"].abs())
    return order.sort_values(["_sig", "_abs"], kind="mergesort").drop(columns=["_sig", "_abs"])


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
    if features is None:
        frame = ticket_features(store, since=since, until=until, config=config)
    else:
        frame = _between(features, since, until)
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
    if min(positives, fit.n - positives) < 50:
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
            rows = _rows(report.frame(), outcome, run.run_id)
            if rows:
                run.conn.execute(driver_effects.insert(), rows)
            run.summary.update(report.summary())
        report.run_id = run.run_id
    return report


def _between(frame: pd.DataFrame, since: Any, until: Any) -> pd.DataFrame:
    from insightdesk.metrics.compute import _timestamp

    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= frame["created_at"] >= pd.Timestamp(_timestamp(since, "since"))
    if until is not None:
        keep &= frame["created_at"] < pd.Timestamp(_timestamp(until, "until"))
    return frame[keep]


def _rows(frame: pd.DataFrame, outcome: str, run_id: str) -> list[dict[str, Any]]:
    def num(value: Any) -> float | None:
        return None if value is None or not np.isfinite(value) else float(value)

    return [
        {
            "run_id": run_id,
            "outcome": outcome,
            "kind": r["kind"],
            "feature": r["feature"],
            "level": r["level"],
            "effect": num(r["effect"]),
            "ci_low": num(r["ci_low"]),
            "ci_high": num(r["ci_high"]),
            "p_value": num(r["p_value"]),
            "p_adjusted": num(r["p_adjusted"]),
            "significant": bool(r["significant"]),
            "n": int(r["n"]),
            "method": r["method"] if r["kind"] == "disparity" else f"{r['method']}; {r['contrast']}",
        }
        for r in frame.to_dict("records")
    ]


def load_drivers(store: Store, run_id: str | None = None) -> pd.DataFrame:
    """The stored effects of a drivers run (default: the latest), largest significant effects first."""
    run_id = run_id or latest_run_id(store, "drivers")
    if run_id is None:
        return pd.DataFrame(columns=[c.name for c in driver_effects.columns])
    with store.engine.connect() as conn:
        result = conn.execute(sa.select(driver_effects).where(driver_effects.c.run_id == run_id))
        frame = pd.DataFrame(result.mappings().all(), columns=[c.name for c in driver_effects.columns])
    return _ranked(frame).reset_index(drop=True)
