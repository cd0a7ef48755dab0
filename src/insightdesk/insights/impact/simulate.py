"""Coverage simulations of the impact estimators: inject a known effect, estimate, count how often
the 95% interval holds the truth. Shared by the test suite (few runs) and
`benchmarks/impact_coverage.py` (many runs).

Each design's data has the nuisances the estimator must survive: customers with several tickets
and their own satisfaction (clustering), weekly shocks common to both segments, a trend, segments
that differ before the change, skewed resolution times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insightdesk.insights.common.threads import one_thread
from insightdesk.insights.impact.abtests import ab_means, ab_proportions
from insightdesk.insights.impact.did import did_estimate
from insightdesk.insights.impact.estimate import ImpactEstimate
from insightdesk.insights.impact.prepost import prepost_trend_estimate

PERIODS = np.arange(-8, 8)  # 8 weeks before the change, 8 after


def _did_frame(rng: np.random.Generator, effect: float, hours: bool) -> pd.DataFrame:
    shock = rng.normal(0, 1, len(PERIODS))  # weeks that moved both segments alike
    customers = 400
    parts = []
    for treated in (0, 1):
        mood = rng.normal(0, 1, customers)  # each customer's own level, shared by their tickets
        week = np.repeat(np.arange(len(PERIODS)), rng.poisson(120, len(PERIODS)))
        k = PERIODS[week]
        who = rng.integers(0, customers, len(week))
        lift = np.where((k >= 0) & (treated == 1), effect, 0.0)
        if hours:
            # Skewed (log-normal) resolution hours around additive segment, week and customer levels.
            level = 20 + 4 * treated + 0.1 * k + 2 * shock[week] + 3 * mood[who]
            noise = rng.lognormal(2.0, 0.8, len(week)) - np.exp(2.0 + 0.32)
            y = np.maximum(level + noise, 0.1) + lift
        else:
            base = 0.55 if treated else 0.62
            p = np.clip(base + 0.002 * k + 0.03 * shock[week] + 0.08 * mood[who] + lift / 100, 0.01, 0.99)
            y = 100.0 * (rng.random(len(week)) < p)
        parts.append(
            pd.DataFrame(
                {
                    "y": y,
                    "treated": treated,
                    "post": (k >= 0).astype(int),
                    "period": k,
                    "customer": treated * 10_000 + who,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _did(rng: np.random.Generator) -> tuple[ImpactEstimate, float]:
    effect = 5.0  # percentage points of satisfied answers
    return did_estimate(_did_frame(rng, effect, hours=False), cluster="customer"), effect


def _did_hours(rng: np.random.Generator) -> tuple[ImpactEstimate, float]:
    effect = -4.0  # hours of resolution time
    return did_estimate(_did_frame(rng, effect, hours=True), cluster="customer"), effect


def _prepost(rng: np.random.Generator) -> tuple[ImpactEstimate, float]:
    effect = 5.0
    rows = []
    for k in PERIODS:
        n = rng.poisson(150)
        p = 0.6 + 0.004 * k + rng.normal(0, 0.01) + (effect / 100 if k >= 0 else 0.0)
        rows.append(pd.DataFrame({"y": 100.0 * (rng.random(n) < p), "period": k}))
    return prepost_trend_estimate(pd.concat(rows, ignore_index=True)), effect


def _ab_share(rng: np.random.Generator) -> tuple[ImpactEstimate, float]:
    p0, p1, n = 0.30, 0.35, 800
    estimate = ab_proportions((int(rng.binomial(n, p0)), n), (int(rng.binomial(n, p1)), n))
    return estimate, 100 * (p1 - p0)


def _ab_mean(rng: np.random.Generator) -> tuple[ImpactEstimate, float]:
    mu, sigma, n = 3.0, 0.8, 500
    mean = np.exp(mu + sigma**2 / 2)
    control = rng.lognormal(mu, sigma, n)
    treatment = 0.9 * rng.lognormal(mu, sigma, n)
    return ab_means(control, treatment), -0.1 * mean


DESIGNS: dict[str, Callable[[np.random.Generator], tuple[ImpactEstimate, float]]] = {
    "did": _did,
    "did_hours": _did_hours,
    "pre_post_trend": _prepost,
    "ab_share": _ab_share,
    "ab_mean": _ab_mean,
}
DESCRIPTIONS = {
    "did": "difference-in-differences, satisfied share, +5 pp; 2 segments x 16 weeks x ~120 tickets, "
    "400 customers per segment with their own level, weekly shocks, a trend",
    "did_hours": "difference-in-differences, resolution hours (log-normal noise), -4 h; same layout",
    "pre_post_trend": "pre/post with trend, one segment, +5 pp level change; 16 weeks x ~150 tickets",
    "ab_share": "A/B test of a share, 30% vs 35%, 800 per arm",
    "ab_mean": "A/B test of a mean (log-normal hours), -10%, 500 per arm",
}


@dataclass(frozen=True)
class Coverage:
    """How often the 95% interval of one design held the injected effect."""

    design: str
    runs: int
    covered: int
    ci_low: float  # Clopper-Pearson 95% interval of the coverage itself
    ci_high: float
    true_effect: float
    mean_estimate: float
    mean_width: float
    detected: float  # share of runs with a significant effect (the power at this effect)
    seconds: float

    @property
    def coverage(self) -> float:
        return self.covered / self.runs


def coverage(design: str, runs: int = 200, seed: int = 0) -> Coverage:
    """Run `design` (a key of DESIGNS) `runs` times with independent seeded streams."""
    from statsmodels.stats.proportion import proportion_confint

    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}: use one of {', '.join(DESIGNS)}")
    began = time.perf_counter()
    streams = np.random.SeedSequence([seed, list(DESIGNS).index(design)]).spawn(runs)
    covered = detected = 0
    estimates, widths = [], []
    truth = float("nan")
    # One thread limit around all runs: setting it up looks up every BLAS and OpenMP library the
    # process has loaded, 3-10 ms each time (9 s of a test's 1,000 runs), as long as a run of some designs.
    with one_thread():
        results = [DESIGNS[design](np.random.default_rng(stream)) for stream in streams]
    for estimate, truth in results:
        covered += estimate.ci_low <= truth <= estimate.ci_high
        detected += estimate.significant
        estimates.append(estimate.effect)
        widths.append(estimate.ci_high - estimate.ci_low)
    low, high = proportion_confint(covered, runs, alpha=0.05, method="beta")
    return Coverage(
        design=design,
        runs=runs,
        covered=int(covered),
        ci_low=float(low),
        ci_high=float(high),
        true_effect=truth,
        mean_estimate=float(np.mean(estimates)),
        mean_width=float(np.mean(widths)),
        detected=detected / runs,
        seconds=time.perf_counter() - began,
    )
