"""Agreement between reviewers who scored the same tickets (a calibration round).

- Krippendorff's alpha per criterion (ordinal: points are ordered) and overall (interval, on the
  totals), with a percentile bootstrap interval that resamples tickets (the `krippendorff` package);
  alpha tolerates missing and not-applicable answers. Criteria below 0.67 (Krippendorff's lowest
  level for tentative conclusions) are flagged.
- ICC(2,1) of the totals: two-way random effects, absolute agreement, one rater (Shrout and Fleiss,
  1979), on the tickets every reviewer scored.
- Drift: each reviewer's mean difference from the consensus (the median of the reviewers' totals per
  ticket), with a t interval: a reviewer consistently above or below the room.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

AGREEMENT_FLOOR = 0.67
Level = Literal["ordinal", "interval"]
BOOTSTRAP_ROUNDS = 1000


def _alpha(matrix: np.ndarray, level: Level) -> float:
    import krippendorff

    if np.count_nonzero(~np.isnan(matrix)) < 2 or len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        # Every rating the same: no disagreement, but alpha is undefined (no variance to explain).
        return math.nan
    try:
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    except (ValueError, ZeroDivisionError):
        return math.nan


def alpha_with_interval(
    matrix: np.ndarray, level: Level, seed: int = 0, rounds: int = BOOTSTRAP_ROUNDS
) -> dict[str, Any]:
    """Alpha of a reviewers x tickets matrix (NaN = missing) and its bootstrap 95% interval."""
    estimate = _alpha(matrix, level)
    rng = np.random.default_rng(seed)
    units = matrix.shape[1]
    draws = []
    for _ in range(rounds if units >= 2 else 0):
        value = _alpha(matrix[:, rng.integers(0, units, size=units)], level)
        if math.isfinite(value):
            draws.append(value)
    low, high = (
        (float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5)))
        if draws
        else (math.nan, math.nan)
    )
    return {
        "alpha": estimate,
        "low": low,
        "high": high,
        "tickets": units,
        "ratings": int(np.count_nonzero(~np.isnan(matrix))),
    }


def icc_2_1(matrix: np.ndarray) -> dict[str, Any]:
    """ICC(2,1) of a tickets x reviewers matrix with no gaps (tickets with a gap are left out)."""
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n, k = complete.shape if complete.size else (0, matrix.shape[1])
    if n < 2 or k < 2:
        return {"icc": math.nan, "tickets": int(n), "reviewers": int(k)}
    grand = complete.mean()
    ms_rows = k * ((complete.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    ms_cols = n * ((complete.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    residual = complete - complete.mean(axis=1, keepdims=True) - complete.mean(axis=0, keepdims=True) + grand
    ms_error = (residual**2).sum() / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    icc = (ms_rows - ms_error) / denominator if denominator > 0 else math.nan
    return {"icc": float(icc), "tickets": int(n), "reviewers": int(k)}


def reviewer_drift(totals: pd.DataFrame) -> list[dict[str, Any]]:
    """Per reviewer: mean (total - consensus) over the tickets it scored, with a 95% t interval."""
    consensus = totals.median(axis=1)
    rows = []
    for reviewer in totals.columns:
        diff = (totals[reviewer] - consensus).dropna()
        n = len(diff)
        mean = float(diff.mean()) if n else math.nan
        half = float(stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n)) if n >= 2 else math.nan
        rows.append(
            {"reviewer": reviewer, "bias": mean, "low": mean - half, "high": mean + half, "tickets": n}
        )
    return rows


def analyse_round(
    evaluations: pd.DataFrame, criteria: list[str], rounds: int = BOOTSTRAP_ROUNDS
) -> dict[str, Any]:
    """`evaluations`: one row per reviewer and ticket, with `score` (total) and `answers` (a dict per
    criterion, None = not applicable). Returns agreement per criterion and overall, ICC, drift, flags."""
    if evaluations["reviewer"].nunique() < 2:
        raise ValueError("a calibration round needs at least two reviewers who scored its tickets")
    reviewers = sorted(evaluations["reviewer"].unique())
    tickets = sorted(evaluations["ticket_id"].unique())
    latest = evaluations.drop_duplicates(["reviewer", "ticket_id"], keep="last")
    per_criterion = {}
    for criterion in criteria:
        values = latest.assign(value=latest["answers"].map(lambda a, c=criterion: (a or {}).get(c)))
        wide = values.pivot(index="reviewer", columns="ticket_id", values="value").reindex(
            index=reviewers, columns=tickets
        )
        result = alpha_with_interval(wide.to_numpy(dtype=float), "ordinal", rounds=rounds)
        result["flagged"] = not (math.isfinite(result["alpha"]) and result["alpha"] >= AGREEMENT_FLOOR)
        per_criterion[criterion] = result
    totals = latest.pivot(index="ticket_id", columns="reviewer", values="score").reindex(
        index=tickets, columns=reviewers
    )
    overall = alpha_with_interval(totals.T.to_numpy(dtype=float), "interval", rounds=rounds)
    return {
        "reviewers": reviewers,
        "tickets": len(tickets),
        "criteria": per_criterion,
        "overall": overall,
        "icc": icc_2_1(totals.to_numpy(dtype=float)),
        "drift": reviewer_drift(totals.astype(float)),
        "flagged": [c for c, r in per_criterion.items() if r["flagged"]],
        "floor": AGREEMENT_FLOOR,
    }
