"""Coaching follow-up: did the metric a plan targets move after the plan started?

The metric is the agent's QA total, or one criterion (its points as a share of the maximum, 0-100),
over the evaluations before the plan (baseline) and after it (follow-up), each a sampling-weighted mean
with its interval (`sampling.weighted_mean`). The change is after - before with a 95% interval from
the two standard errors; the goal is met when the follow-up mean reaches the target.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from insightdesk.quality.sampling import weighted_mean

METRIC_PREFIX = "criterion:"


def metric_values(evaluations: pd.DataFrame, metric: str, points: dict[str, int]) -> pd.Series:
    """The metric of each evaluation (NaN where it does not apply)."""
    if metric == "qa_score":
        return evaluations["score"].astype(float)
    if not metric.startswith(METRIC_PREFIX):
        raise ValueError(f"metric {metric!r} must be qa_score or criterion:<id>")
    criterion = metric.removeprefix(METRIC_PREFIX)
    if criterion not in points:
        raise ValueError(f"metric {metric!r}: the rubric has no criterion {criterion!r}")

    def value(answers: Any) -> float:
        got = (answers or {}).get(criterion)
        return math.nan if got is None else 100.0 * float(got) / points[criterion]

    return evaluations["answers"].map(value).astype(float)


def follow_up(
    evaluations: pd.DataFrame, metric: str, points: dict[str, int], started: dt.datetime, target: float
) -> dict[str, Any]:
    """Before/after figures of one plan from the agent's evaluations (created_at, score, answers, weight)."""
    values = metric_values(evaluations, metric, points)
    before = evaluations["created_at"] < started
    pre = weighted_mean(values[before], evaluations["weight"][before])
    post = weighted_mean(values[~before], evaluations["weight"][~before])
    change = post[0] - pre[0]
    half = math.nan
    if pre[3] >= 2 and post[3] >= 2:
        se_pre, se_post = (pre[2] - pre[0]) / 1.96, (post[2] - post[0]) / 1.96
        half = 1.96 * math.sqrt(se_pre**2 + se_post**2)
    return {
        "before": {"mean": pre[0], "low": pre[1], "high": pre[2], "n": pre[3]},
        "after": {"mean": post[0], "low": post[1], "high": post[2], "n": post[3]},
        "change": change,
        "change_low": change - half,
        "change_high": change + half,
        "target": target,
        "met": bool(post[3] > 0 and post[0] >= target),
    }
