"""A pain point against the rest of its window: every KPI with intervals and tests (no I/O).

The rest of a pain point is the window minus the pain point (its sums subtracted from the window's),
so each comparison is two independent samples. Shares: Wilson intervals, Newcombe's hybrid
interval of the difference, a two-proportion test. Means: t intervals, Welch's interval and test.
NPS: adjusted-Wald intervals, a Wald interval of the difference. All vectorised over pain points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from insightdesk.insights.common.runs import finite
from insightdesk.insights.painpoints.facts import SUMS
from insightdesk.metrics import stats


def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def newcombe_interval(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval of p1 - p2 from the two Wilson intervals (Newcombe 1998, method 10)."""
    p1, p2 = div(k1, n1), div(k2, n2)
    l1, u1 = stats.wilson(k1, n1, confidence)
    l2, u2 = stats.wilson(k2, n2, confidence)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _mean_sd(total: np.ndarray, squares: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = div(total, n)
    with np.errstate(invalid="ignore"):
        var = div(squares - n * mean**2, n - 1)
    return mean, np.sqrt(np.clip(var, 0, None))


def _welch_interval(
    m1: np.ndarray,
    s1: np.ndarray,
    n1: np.ndarray,
    m2: np.ndarray,
    s2: np.ndarray,
    n2: np.ndarray,
    conf: float,
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        df = np.where(np.isfinite(df), df, np.minimum(n1, n2) - 1)
        half = st.t.ppf(0.5 + conf / 2, np.maximum(df, 1)) * np.sqrt(v1 + v2)
    d = m1 - m2
    return d - half, d + half


@dataclass
class Comparison:
    """A KPI of the pain point vs the rest, as arrays over pain points; gap > 0 means the pain point is worse."""

    value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    rest: np.ndarray
    rest_low: np.ndarray
    rest_high: np.ndarray
    rest_n: np.ndarray
    gap: np.ndarray
    gap_low: np.ndarray
    gap_high: np.ndarray
    p_value: np.ndarray
    unit: str
    better: str
    scale: float = 1.0

    def row(self, i: int, min_n: int) -> dict[str, Any]:
        s = self.scale
        return {
            "value": finite(self.value[i] * s),
            "ci_low": finite(self.ci_low[i] * s),
            "ci_high": finite(self.ci_high[i] * s),
            "n": int(self.n[i]),
            "rest": {
                "value": finite(self.rest[i] * s),
                "ci_low": finite(self.rest_low[i] * s),
                "ci_high": finite(self.rest_high[i] * s),
                "n": int(self.rest_n[i]),
            },
            "gap": finite(self.gap[i] * s),
            "gap_ci_low": finite(self.gap_low[i] * s),
            "gap_ci_high": finite(self.gap_high[i] * s),
            "p_value": finite(self.p_value[i]),
            "low_n": bool(self.n[i] < min_n or self.rest_n[i] < min_n),
            "unit": self.unit,
            "better": self.better,
        }


Pair = tuple[np.ndarray, np.ndarray]
"""(pain point, rest) values of one sum, as arrays over pain points."""


def _proportion(k: Pair, n: Pair, conf: float, higher_is_better: bool) -> Comparison:
    (k1, k2), (n1, n2) = k, n
    l1, u1 = stats.wilson(k1, n1, conf)
    l2, u2 = stats.wilson(k2, n2, conf)
    lo, hi = newcombe_interval(k1, n1, k2, n2, conf)
    d = div(k1, n1) - div(k2, n2)
    sign = -1.0 if higher_is_better else 1.0
    g_lo, g_hi = (-hi, -lo) if higher_is_better else (lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = stats.two_proportion_test(k1, n1, k2, n2)
    better = "higher" if higher_is_better else "lower"
    return Comparison(
        div(k1, n1), l1, u1, n1, div(k2, n2), l2, u2, n2, sign * d, g_lo, g_hi, p, "share", better
    )


def _mean(total: Pair, squares: Pair, n: Pair, conf: float, higher_is_better: bool, unit: str) -> Comparison:
    (n1, n2) = n
    m1, s1 = _mean_sd(total[0], squares[0], n1)
    m2, s2 = _mean_sd(total[1], squares[1], n2)
    l1, u1 = stats.t_interval(m1, s1, n1, conf)
    l2, u2 = stats.t_interval(m2, s2, n2, conf)
    lo, hi = _welch_interval(m1, s1, n1, m2, s2, n2, conf)
    p = stats.welch_test(m1, s1, n1, m2, s2, n2)
    sign = -1.0 if higher_is_better else 1.0
    g_lo, g_hi = (-hi, -lo) if higher_is_better else (lo, hi)
    better = "higher" if higher_is_better else "lower"
    return Comparison(m1, l1, u1, n1, m2, l2, u2, n2, sign * (m1 - m2), g_lo, g_hi, p, unit, better)


def _nps(promoters: Pair, detractors: Pair, n: Pair, conf: float) -> Comparison:
    """NPS on the -1..1 scale (shown x100): adjusted-Wald intervals, Wald interval of the difference."""
    (p1, p2), (d1, d2), (n1, n2) = promoters, detractors, n
    l1, u1 = stats.nps_interval(p1, d1, n1, conf)
    l2, u2 = stats.nps_interval(p2, d2, n2, conf)
    a_p, a_d, b_p, b_d = div(p1, n1), div(d1, n1), div(p2, n2), div(d2, n2)
    v1, v2 = a_p - a_d, b_p - b_d
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (a_p + a_d - v1**2) / n1 + (b_p + b_d - v2**2) / n2
    half = stats._z(conf) * np.sqrt(var)
    d = v1 - v2
    p = stats.nps_difference_test(p1, d1, n1, p2, d2, n2)
    return Comparison(
        v1, l1, u1, n1, v2, l2, u2, n2, -d, -d - half, -d + half, p, "NPS points", "higher", 100.0
    )


def _sums(groups: pd.DataFrame, desk: Mapping[str, float], name: str) -> Pair:
    """(pain point, rest) values of one additive sum."""
    pp = groups[name].to_numpy(dtype=float)
    return pp, float(desk.get(name, 0.0)) - pp


def comparisons(groups: pd.DataFrame, desk: Mapping[str, float], conf: float) -> dict[str, Comparison]:
    """Every KPI of each pain point against the rest of the window, as arrays over pain points."""
    g = {c: _sums(groups, desk, c) for c in (*SUMS, "cnps_n", "cnps_prom", "cnps_det")}

    def plus(a: str, b: str) -> Pair:
        return g[a][0] + g[b][0], g[a][1] + g[b][1]

    return {
        "csat": _proportion(g["csat_sat"], g["csat_n"], conf, True),
        # Answers about the pain point's tickets, plus its customers' relationship answers in the window.
        "nps": _nps(
            plus("nps_prom", "cnps_prom"), plus("nps_det", "cnps_det"), plus("nps_n", "cnps_n"), conf
        ),
        "ces": _mean(g["ces_sum"], g["ces_sq"], g["ces_n"], conf, True, "points on 1-7"),
        "fcr": _proportion(g["fcr_hit"], g["resolved"], conf, True),
        "repeat_contact": _proportion(g["repeat_hit"], g["repeat_n"], conf, False),
        "escalation": _proportion(g["esc_hit"], g["resolved"], conf, False),
        "sentiment": _mean(g["sent_sum"], g["sent_sq"], g["sent_n"], conf, True, "score on -1..1"),
        "resolution_time": _mean(g["res_sum"], g["res_sq"], g["res_n"], conf, False, "hours"),
    }


def clopper_pearson(k: np.ndarray, n: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval of k/n from beta quantiles, vectorised; NaN where n == 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, st.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, st.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)
