"""The pain-point scoring model: a pure function of per-pain-point sums, no I/O.

score = product over the factors F of (floor + (1 - floor) * F) ** factor_weight, where each factor
(severity, frequency, business impact) is the weighted mean of its components' scores, and a
component's score is min(1, magnitude / full_at). A magnitude is deliberately conservative: the end
of the 95% interval nearest to "no problem" (a CSAT gap of 18 points with interval 12..24 counts
as 12), so a small pain point with a wide interval cannot outrank a well-measured one by chance.
Settings: painpoint_config.PainpointConfig; the model in words: docs/insights.md, "Pain points".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from insightdesk.insights.painpoints.config import COMPONENTS, FACTORS, PainpointConfig
from insightdesk.insights.painpoints.data import CUSTOMER_SUMS, SUMS
from insightdesk.metrics import stats


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def newcombe_interval(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval of p1 - p2 from the two Wilson intervals (Newcombe 1998, method 10)."""
    p1, p2 = _div(k1, n1), _div(k2, n2)
    l1, u1 = stats.wilson(k1, n1, confidence)
    l2, u2 = stats.wilson(k2, n2, confidence)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _mean_sd(total: np.ndarray, squares: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = _div(total, n)
    with np.errstate(invalid="ignore"):
        var = _div(squares - n * mean**2, n - 1)
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
class _Comparison:
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
            "value": _num(self.value[i] * s),
            "ci_low": _num(self.ci_low[i] * s),
            "ci_high": _num(self.ci_high[i] * s),
            "n": int(self.n[i]),
            "rest": {
                "value": _num(self.rest[i] * s),
                "ci_low": _num(self.rest_low[i] * s),
                "ci_high": _num(self.rest_high[i] * s),
                "n": int(self.rest_n[i]),
            },
            "gap": _num(self.gap[i] * s),
            "gap_ci_low": _num(self.gap_low[i] * s),
            "gap_ci_high": _num(self.gap_high[i] * s),
            "p_value": _num(self.p_value[i]),
            "low_n": bool(self.n[i] < min_n or self.rest_n[i] < min_n),
            "unit": self.unit,
            "better": self.better,
        }


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


Pair = tuple[np.ndarray, np.ndarray]
"""(pain point, rest) values of one sum, as arrays over pain points."""


def _proportion(k: Pair, n: Pair, conf: float, higher_is_better: bool) -> _Comparison:
    (k1, k2), (n1, n2) = k, n
    l1, u1 = stats.wilson(k1, n1, conf)
    l2, u2 = stats.wilson(k2, n2, conf)
    lo, hi = newcombe_interval(k1, n1, k2, n2, conf)
    d = _div(k1, n1) - _div(k2, n2)
    sign = -1.0 if higher_is_better else 1.0
    g_lo, g_hi = (-hi, -lo) if higher_is_better else (lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = stats.two_proportion_test(k1, n1, k2, n2)
    better = "higher" if higher_is_better else "lower"
    return _Comparison(
        _div(k1, n1), l1, u1, n1, _div(k2, n2), l2, u2, n2, sign * d, g_lo, g_hi, p, "share", better
    )


def _mean(total: Pair, squares: Pair, n: Pair, conf: float, higher_is_better: bool, unit: str) -> _Comparison:
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
    return _Comparison(m1, l1, u1, n1, m2, l2, u2, n2, sign * (m1 - m2), g_lo, g_hi, p, unit, better)


def _nps(promoters: Pair, detractors: Pair, n: Pair, conf: float) -> _Comparison:
    """NPS on the -1..1 scale (shown x100): adjusted-Wald intervals, Wald interval of the difference."""
    (p1, p2), (d1, d2), (n1, n2) = promoters, detractors, n
    l1, u1 = stats.nps_interval(p1, d1, n1, conf)
    l2, u2 = stats.nps_interval(p2, d2, n2, conf)
    a_p, a_d, b_p, b_d = _div(p1, n1), _div(d1, n1), _div(p2, n2), _div(d2, n2)
    v1, v2 = a_p - a_d, b_p - b_d
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (a_p + a_d - v1**2) / n1 + (b_p + b_d - v2**2) / n2
    half = stats._z(conf) * np.sqrt(var)
    d = v1 - v2
    p = stats.nps_difference_test(p1, d1, n1, p2, d2, n2)
    return _Comparison(
        v1, l1, u1, n1, v2, l2, u2, n2, -d, -d - half, -d + half, p, "NPS points", "higher", 100.0
    )


@dataclass
class _Scored:
    """Per component: magnitude (conservative, in the component's unit), score 0-1, flags."""

    magnitude: np.ndarray
    score: np.ndarray
    low_n: np.ndarray
    available: bool


def _sums(groups: pd.DataFrame, desk: Mapping[str, float], name: str) -> Pair:
    """(pain point, rest) values of one additive sum."""
    pp = groups[name].to_numpy(dtype=float)
    return pp, float(desk.get(name, 0.0)) - pp


def _comparisons(groups: pd.DataFrame, desk: Mapping[str, float], conf: float) -> dict[str, _Comparison]:
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


def _trend(groups: pd.DataFrame, desk: Mapping[str, float], conf: float) -> dict[str, np.ndarray]:
    """Volume share of the recent half vs the earlier half, against the desk's own change.

    With N1, N2 the window's tickets in each half, a pain point's recent count n2 out of its n1 + n2 is
    binomial with p0 = N2 / (N1 + N2) when its share did not move. The share ratio
    (n2 / N2) / (n1 / N1) is that proportion's odds over p0's odds, so the exact (Clopper-Pearson)
    interval of the proportion gives the ratio's interval; the p-value is the exact two-sided test
    (twice the smaller tail). Vectorised: thousands of pain points cost milliseconds.
    """
    n = groups["tickets"].to_numpy(dtype=float)
    n2 = groups["tickets_recent"].to_numpy(dtype=float)
    n1 = n - n2
    big_n2 = float(desk.get("tickets_recent", 0.0))
    big_n1 = float(desk.get("tickets", 0.0)) - big_n2
    out = {k: np.full(len(n), np.nan) for k in ("ratio", "ci_low", "ci_high", "p_value", "change")}
    out["earlier"], out["recent"] = n1, n2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change"] = np.where(n1 > 0, n2 / n1 - 1, np.nan)
    if big_n1 <= 0 or big_n2 <= 0:
        return out
    p0 = big_n2 / (big_n1 + big_n2)
    odds0 = p0 / (1 - p0)
    low, high = clopper_pearson(n2, n, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(n > 0, (n2 / n1) / odds0, np.nan)  # inf when nothing came before
        out["ci_low"] = np.where(n > 0, low / (1 - low) / odds0, np.nan)
        out["ci_high"] = np.where(n > 0, high / (1 - high) / odds0, np.nan)
        tails = np.minimum(st.binom.cdf(n2, n, p0), st.binom.sf(n2 - 1, n, p0))
    out["p_value"] = np.where(n > 0, np.minimum(1.0, 2 * tails), np.nan)
    return out


def _value_at_risk(groups: pd.DataFrame, desk: Mapping[str, float], conf: float) -> dict[str, np.ndarray]:
    """Lifetime value at risk: sum over affected customers of LTV x that customer's dissatisfaction share.

    A customer's dissatisfaction share is (unsatisfied CSAT answers + NPS detractor answers) / (CSAT +
    NPS answers) over their tickets in the pain point (and their relationship NPS answers in the
    window). Customers who answered nothing get the pain point's pooled share (the desk's when the
    pain point has no answers), whose Wilson interval gives the interval of the total.
    """
    dis = groups["dis_n"].to_numpy(dtype=float)
    ans = groups["ans_n"].to_numpy(dtype=float)
    desk_rate = float(desk["dis_n"]) / float(desk["ans_n"]) if desk.get("ans_n", 0) > 0 else np.nan
    rate = np.where(ans > 0, _div(dis, ans), desk_rate)
    low, high = stats.wilson(dis, ans, conf)
    low = np.where(ans > 0, low, desk_rate)
    high = np.where(ans > 0, high, desk_rate)
    answered = groups["var_answered"].to_numpy(dtype=float)
    unanswered = groups["ltv_unanswered"].to_numpy(dtype=float)
    return {
        "rate": rate,
        "value": answered + rate * unanswered,
        "ci_low": answered + low * unanswered,
        "ci_high": answered + high * unanswered,
        "answers": ans,
    }


def _scale(magnitude: np.ndarray, full: float) -> np.ndarray:
    return np.clip(np.nan_to_num(magnitude, nan=0.0) / full, 0.0, 1.0)


def score_painpoints(
    groups: pd.DataFrame, desk: Mapping[str, float], config: PainpointConfig | None = None
) -> pd.DataFrame:
    """Rank pain points from their sums (pure: no I/O). One row per pain point with >= min_tickets tickets.

    `groups` has one row per pain point (painpoint_key, kind, theme_id, category, label and every
    column of painpoint_data.SUMS and CUSTOMER_SUMS); `desk` has the same sums over the whole window.
    Returns rank, score, the three factors, critical, headline figures, `metrics` (dict: every KPI of
    the pain point and of the rest with intervals, trend, customers, value at risk, component scores)
    and `explanation` (list of the factors that put it there, largest contribution first).
    """
    cfg = config or PainpointConfig()
    g, redundant = _drop_redundant_crosses(groups)
    g = g[g["tickets"] >= cfg.min_tickets].reset_index(drop=True)
    for c in (*SUMS, *CUSTOMER_SUMS):
        if c not in g:
            g[c] = 0.0
    desk = {k: float(v) for k, v in desk.items()}
    if g.empty:
        empty = pd.DataFrame(columns=[*_OUTPUT_COLUMNS])
        empty.attrs["redundant_crosses"] = redundant
        return empty
    conf = cfg.confidence
    comp = _comparisons(g, desk, conf)
    trend = _trend(g, desk, conf)
    var = _value_at_risk(g, desk, conf)
    m = len(g)
    tickets = g["tickets"].to_numpy(dtype=float)

    scored: dict[str, _Scored] = {}
    for name, c in comp.items():
        low_n = (c.n < cfg.min_n) | (c.rest_n < cfg.min_n)
        magnitude = np.maximum(c.gap_low, 0.0) * c.scale
        if name == "resolution_time":
            magnitude = _div(np.maximum(c.gap_low, 0.0), c.rest)  # relative to the rest's mean
        magnitude = np.where(low_n, np.nan, magnitude)
        available = bool(np.nansum(c.n + c.rest_n) > 0)
        scored[name] = _Scored(magnitude, _scale(magnitude, cfg.full_at[name]), low_n, available)
    volume = tickets / desk["tickets"] if desk.get("tickets", 0) > 0 else np.full(m, np.nan)
    scored["volume"] = _Scored(volume, _scale(volume, cfg.full_at["volume"]), np.zeros(m, bool), True)
    rise = np.where(tickets < cfg.min_n, np.nan, np.maximum(trend["ci_low"] - 1.0, 0.0))
    scored["trend"] = _Scored(
        rise, _scale(rise, cfg.full_at["trend"]), tickets < cfg.min_n, bool(np.isfinite(trend["ratio"]).any())
    )
    cust = g["customers"].to_numpy(dtype=float)
    cust_share = cust / desk["customers"] if desk.get("customers", 0) > 0 else np.full(m, np.nan)
    scored["customers"] = _Scored(
        cust_share,
        _scale(cust_share, cfg.full_at["customers"]),
        np.zeros(m, bool),
        desk.get("customers", 0) > 0,
    )
    ltv_total = desk.get("ltv_sum", 0.0)
    var_share = var["ci_low"] / ltv_total if ltv_total > 0 else np.full(m, np.nan)
    scored["value_at_risk"] = _Scored(
        var_share,
        _scale(var_share, cfg.full_at["value_at_risk"]),
        var["answers"] < cfg.min_n,
        bool(ltv_total > 0 and np.isfinite(var["rate"]).any()),
    )

    factors: dict[str, np.ndarray] = {}
    for factor in FACTORS:
        names = [n for n, c in COMPONENTS.items() if c.factor == factor and scored[n].available]
        total_w = sum(cfg.weights[n] for n in names)
        if total_w > 0:
            factors[factor] = sum(cfg.weights[n] * scored[n].score for n in names) / total_w
        else:
            factors[factor] = np.zeros(m)
    floor = cfg.factor_floor
    lifted = {f: floor + (1 - floor) * factors[f] for f in FACTORS}
    score = np.ones(m)
    for f in FACTORS:
        score = score * lifted[f] ** cfg.factor_weights[f]

    rows = []
    records = g.to_dict("records")  # row access by position is slow on a data frame
    for i in range(m):
        metrics = _metrics(i, records[i], desk, comp, trend, var, scored, factors, cfg)
        explanation = _explain(i, score[i], lifted, scored, comp, metrics, cfg)
        reasons = _critical_reasons(i, score[i], scored, comp, metrics, cfg)
        metrics["critical_reasons"] = reasons
        r = records[i]
        csat = comp["csat"].row(i, cfg.min_n)
        rows.append(
            {
                "painpoint_key": r["painpoint_key"],
                "kind": r["kind"],
                "theme_id": r["theme_id"] if isinstance(r["theme_id"], str) else None,
                "category": r["category"] if isinstance(r["category"], str) else None,
                "label": r.get("label") or r["painpoint_key"],
                "score": float(score[i]),
                "severity": float(factors["severity"][i]),
                "frequency": float(factors["frequency"][i]),
                "business_impact": float(factors["business_impact"][i]),
                "critical": bool(reasons),
                "tickets": int(tickets[i]),
                "customers": int(cust[i]),
                "trend": _num(trend["change"][i]),
                "csat_gap_pts": None if csat["gap"] is None else 100 * csat["gap"],
                "value_at_risk": _num(var["value"][i]),
                "metrics": metrics,
                "explanation": explanation,
            }
        )
    out = pd.DataFrame(rows)
    out = out.sort_values(
        ["score", "tickets", "painpoint_key"], ascending=[False, False, True], kind="mergesort"
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.reset_index(drop=True)[list(_OUTPUT_COLUMNS)]
    out.attrs["redundant_crosses"] = redundant
    return out


def _drop_redundant_crosses(groups: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Leave out a theme-within-category whose tickets are exactly its theme's or its category's.

    A cross is a subset of both, so equal ticket counts mean equal ticket sets: it would only repeat
    a pain point already ranked.
    """
    cross = groups["kind"] == "theme_x_category"
    if not cross.any():
        return groups, 0
    themes = groups[groups["kind"] == "theme"].set_index("theme_id")["tickets"]
    categories = groups[groups["kind"] == "category"].set_index("category")["tickets"]
    same = cross & (
        (groups["theme_id"].map(themes) == groups["tickets"])
        | (groups["category"].map(categories) == groups["tickets"])
    )
    return groups[~same], int(same.sum())


_OUTPUT_COLUMNS = (
    "rank",
    "painpoint_key",
    "kind",
    "theme_id",
    "category",
    "label",
    "score",
    "severity",
    "frequency",
    "business_impact",
    "critical",
    "tickets",
    "customers",
    "trend",
    "csat_gap_pts",
    "value_at_risk",
    "metrics",
    "explanation",
)


def _metrics(
    i: int,
    r: Mapping[str, Any],
    desk: Mapping[str, float],
    comp: Mapping[str, _Comparison],
    trend: Mapping[str, np.ndarray],
    var: Mapping[str, np.ndarray],
    scored: Mapping[str, _Scored],
    factors: Mapping[str, np.ndarray],
    cfg: PainpointConfig,
) -> dict[str, Any]:
    kpis = {name: c.row(i, cfg.min_n) for name, c in comp.items()}
    res = kpis["resolution_time"]
    res_n = float(r["res_n"])
    rest_mean = res["rest"]["value"]
    excess = None if res["gap"] is None or rest_mean is None else res["gap"] * res_n
    return {
        "tickets": int(r["tickets"]),
        "window_tickets": int(desk.get("tickets", 0)),
        "volume_share": _num(scored["volume"].magnitude[i]),
        "kpis": kpis,
        "trend": {
            "earlier": int(trend["earlier"][i]),
            "recent": int(trend["recent"][i]),
            "window_earlier": int(desk.get("tickets", 0) - desk.get("tickets_recent", 0)),
            "window_recent": int(desk.get("tickets_recent", 0)),
            "change": _num(trend["change"][i]),
            "share_ratio": _num(trend["ratio"][i]),
            "ci_low": _num(trend["ci_low"][i]),
            "ci_high": _num(trend["ci_high"][i]),
            "p_value": _num(trend["p_value"][i]),
            "method": "exact binomial (Clopper-Pearson) on the recent half's share, against the window's",
        },
        "customers": {
            "n": int(r["customers"]),
            "share": _num(scored["customers"].magnitude[i]),
            "window_customers": int(desk.get("customers", 0)),
        },
        "value": {
            "lifetime_value": _num(r["ltv_sum"]),
            "customers_with_value": int(r["ltv_known"]),
            "value_at_risk": _num(var["value"][i]),
            "ci_low": _num(var["ci_low"][i]),
            "ci_high": _num(var["ci_high"][i]),
            "share_of_window_value": _num(var["value"][i] / desk["ltv_sum"]) if desk.get("ltv_sum") else None,
            "dissatisfaction_rate": _num(var["rate"][i]),
            "answers": int(var["answers"][i]),
            "formula": "sum over affected customers of lifetime_value x the customer's share of unsatisfied "
            "CSAT + NPS detractor answers; customers without answers get the pain point's pooled share",
        },
        "time_cost": {
            "resolved_tickets": int(res_n),
            "resolution_hours_total": _num(r["res_sum"]),
            "resolution_hours_mean": res["value"],
            "excess_hours": _num(excess) if excess is not None else None,
        },
        "components": {
            name: {
                "factor": COMPONENTS[name].factor,
                "unit": COMPONENTS[name].unit,
                "magnitude": _num(s.magnitude[i]),
                "score": float(s.score[i]),
                "weight": cfg.weights[name],
                "low_n": bool(s.low_n[i]),
                "available": s.available,
            }
            for name, s in scored.items()
        },
        "factors": {f: float(factors[f][i]) for f in FACTORS},
    }


def _pts(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}"


def _money(x: float | None) -> str:
    if x is None:
        return "-"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.1f}{suffix}"
    return f"{x:.0f}"


def _f(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def describe_component(name: str, metrics: Mapping[str, Any]) -> str:
    """One sentence with the figures behind a component (its value, the rest's, interval, n)."""
    k = metrics["kpis"].get(name)
    if name in ("csat", "fcr"):
        title = {"csat": "CSAT", "fcr": "FCR"}[name]
        word = "below" if (k["gap"] or 0) >= 0 else "above"
        return (
            f"{title} {abs(100 * (k['gap'] or 0)):.0f} pts {word} the rest (95% CI {_pts(k['gap_ci_low'])}.."
            f"{_pts(k['gap_ci_high'])}): {_pts(k['value'])}% vs {_pts(k['rest']['value'])}%, "
            f"n={k['n']:,} vs {k['rest']['n']:,}"
        )
    if name in ("repeat_contact", "escalation"):
        title = {"repeat_contact": "repeat contacts", "escalation": "escalations"}[name]
        word = "above" if (k["gap"] or 0) >= 0 else "below"
        return (
            f"{title} {abs(100 * (k['gap'] or 0)):.0f} pts {word} the rest (95% CI {_pts(k['gap_ci_low'])}.."
            f"{_pts(k['gap_ci_high'])}): {_pts(k['value'])}% vs {_pts(k['rest']['value'])}%, "
            f"n={k['n']:,} vs {k['rest']['n']:,}"
        )
    if name == "nps":
        return (
            f"NPS {abs(k['gap'] or 0):.0f} points {'below' if (k['gap'] or 0) >= 0 else 'above'} the rest "
            f"(95% CI {_f(k['gap_ci_low'], 0)}..{_f(k['gap_ci_high'], 0)}): {_f(k['value'], 0)} vs "
            f"{_f(k['rest']['value'], 0)}, n={k['n']:,} vs {k['rest']['n']:,}"
        )
    if name in ("ces", "sentiment"):
        title = {"ces": "CES (1-7)", "sentiment": "customer sentiment (-1..1)"}[name]
        return (
            f"{title} {abs(k['gap'] or 0):.2f} {'below' if (k['gap'] or 0) >= 0 else 'above'} the rest "
            f"(95% CI {_f(k['gap_ci_low'])}..{_f(k['gap_ci_high'])}): {_f(k['value'])} vs "
            f"{_f(k['rest']['value'])}, n={k['n']:,} vs {k['rest']['n']:,}"
        )
    if name == "resolution_time":
        rest = k["rest"]["value"]
        rel = "" if not rest or k["gap"] is None else f" (+{100 * k['gap'] / rest:.0f}%)"
        return (
            f"resolution {abs(k['gap'] or 0):.1f} h {'longer' if (k['gap'] or 0) >= 0 else 'shorter'} than "
            f"the rest{rel} (95% CI {_f(k['gap_ci_low'], 1)}..{_f(k['gap_ci_high'], 1)} h): "
            f"{_f(k['value'], 1)} h vs {_f(rest, 1)} h, n={k['n']:,} resolved vs {k['rest']['n']:,}"
        )
    if name == "volume":
        return (
            f"{metrics['tickets']:,} tickets, {_pts(metrics['volume_share'])}% of the window's "
            f"{metrics['window_tickets']:,}"
        )
    if name == "trend":
        t = metrics["trend"]
        ratio = t["share_ratio"]
        if ratio is None:
            return (
                f"trend unknown: {t['earlier']:,} tickets in the earlier half, {t['recent']:,} in the recent"
            )
        hi = "inf" if t["ci_high"] is None else f"{100 * (t['ci_high'] - 1):+.0f}%"
        return (
            f"volume share {100 * (ratio - 1):+.0f}% in the recent half vs the earlier half "
            f"(95% CI {100 * (t['ci_low'] - 1):+.0f}%..{hi}): {t['recent']:,} vs {t['earlier']:,} tickets"
        )
    if name == "customers":
        c = metrics["customers"]
        return f"{c['n']:,} customers affected, {_pts(c['share'])}% of the window's {c['window_customers']:,}"
    if name == "value_at_risk":
        v = metrics["value"]
        share = v["share_of_window_value"]
        return (
            f"value at risk {_money(v['value_at_risk'])} (95% CI {_money(v['ci_low'])}..{_money(v['ci_high'])}; "
            f"lifetime value x dissatisfaction share {_pts(v['dissatisfaction_rate'])}%, n={v['answers']:,} "
            f"answers), {'-' if share is None else f'{100 * share:.1f}'}% of the window's customer value"
        )
    raise KeyError(name)


def _explain(
    i: int,
    score: float,
    lifted: Mapping[str, np.ndarray],
    scored: Mapping[str, _Scored],
    comp: Mapping[str, _Comparison],
    metrics: Mapping[str, Any],
    cfg: PainpointConfig,
) -> list[dict[str, Any]]:
    """Components that raised the score, largest contribution first, then the gaps too small to compare.

    In log space the score is the floor's product plus each factor's lift, factor_weight x
    ln((floor + (1 - floor) F) / floor); a factor's lift is shared among its components in proportion
    to weight x component score. `contribution` is a component's share of the total lift (sums to 1).
    """
    floor = cfg.factor_floor
    lifts = {f: cfg.factor_weights[f] * math.log(float(lifted[f][i]) / floor) for f in FACTORS}
    total = sum(lifts.values())
    entries = []
    for factor in FACTORS:
        names = [n for n, c in COMPONENTS.items() if c.factor == factor and scored[n].available]
        parts = {n: cfg.weights[n] * float(scored[n].score[i]) for n in names}
        mass = sum(parts.values())
        for name, part in parts.items():
            if part <= 0 or mass <= 0 or total <= 0:
                continue
            entries.append(
                {
                    "component": name,
                    "factor": factor,
                    "contribution": lifts[factor] * part / mass / total,
                    "score": float(scored[name].score[i]),
                    "magnitude": _num(scored[name].magnitude[i]),
                    "text": describe_component(name, metrics),
                }
            )
    entries.sort(key=lambda e: -e["contribution"])
    for name, c in comp.items():
        if scored[name].available and bool(scored[name].low_n[i]):
            n, rest_n = int(c.n[i]), int(c.rest_n[i])
            entries.append(
                {
                    "component": name,
                    "factor": "severity",
                    "contribution": 0.0,
                    "low_n": True,
                    "text": f"{name}: not compared, n={n:,} vs {rest_n:,} (fewer than min_n={cfg.min_n})",
                }
            )
    return entries


def _critical_reasons(
    i: int,
    score: float,
    scored: Mapping[str, _Scored],
    comp: Mapping[str, _Comparison],
    metrics: Mapping[str, Any],
    cfg: PainpointConfig,
) -> list[str]:
    reasons = []
    for rule, threshold in cfg.critical.items():
        if rule == "score":
            if score >= threshold:
                reasons.append(f"score {score:.3f} >= {threshold:g}")
            continue
        s = scored[rule]
        magnitude = s.magnitude[i]
        if s.available and not bool(s.low_n[i]) and np.isfinite(magnitude) and magnitude >= threshold:
            reasons.append(
                f"{rule}: conservative magnitude {magnitude:.3g} {COMPONENTS[rule].unit} >= {threshold:g} "
                f"({describe_component(rule, metrics)})"
            )
    return reasons
