"""The pain-point scoring model: a pure function of per-pain-point sums, no I/O.

score = product over the factors F of (floor + (1 - floor) * F) ** factor_weight, where each factor
(severity, frequency, business impact) is the weighted mean of its components' scores, and a
component's score is min(1, magnitude / full_at). A magnitude is deliberately conservative: the end
of the 95% interval nearest to "no problem" (a CSAT gap of 18 points with interval 12..24 counts
as 12), so a small pain point with a wide interval cannot outrank a well-measured one by chance.
The comparisons with the rest are in `comparisons`, the figures and sentences behind a score in
`explanation`. Settings: config.PainpointConfig; the model in words: docs/insights.md, "Pain points".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from insightdesk.insights.common.runs import finite
from insightdesk.insights.painpoints.comparisons import clopper_pearson, comparisons, div
from insightdesk.insights.painpoints.config import COMPONENTS, FACTORS, PainpointConfig
from insightdesk.insights.painpoints.explanation import critical_reasons, explain, metrics_of
from insightdesk.insights.painpoints.facts import CUSTOMER_SUMS, SUMS
from insightdesk.metrics import stats
from insightdesk.model.display import DEFAULT_CURRENCY


@dataclass
class Scored:
    """Per component: magnitude (conservative, in the component's unit), score 0-1, flags."""

    magnitude: np.ndarray
    score: np.ndarray
    low_n: np.ndarray
    available: bool


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
    rate = np.where(ans > 0, div(dis, ans), desk_rate)
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
    groups: pd.DataFrame,
    desk: Mapping[str, float],
    config: PainpointConfig | None = None,
    *,
    currency: str = DEFAULT_CURRENCY,
) -> pd.DataFrame:
    """Rank pain points from their sums (pure: no I/O). One row per pain point with >= min_tickets tickets.

    `groups` has one row per pain point (painpoint_key, kind, theme_id, category, label and every
    column of facts.SUMS and CUSTOMER_SUMS); `desk` has the same sums over the whole window.
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
    comp = comparisons(g, desk, conf)
    trend = _trend(g, desk, conf)
    var = _value_at_risk(g, desk, conf)
    m = len(g)
    tickets = g["tickets"].to_numpy(dtype=float)

    scored: dict[str, Scored] = {}
    for name, kpi in comp.items():
        low_n = (kpi.n < cfg.min_n) | (kpi.rest_n < cfg.min_n)
        magnitude = np.maximum(kpi.gap_low, 0.0) * kpi.scale
        if name == "resolution_time":
            magnitude = div(np.maximum(kpi.gap_low, 0.0), kpi.rest)  # relative to the rest's mean
        magnitude = np.where(low_n, np.nan, magnitude)
        available = bool(np.nansum(kpi.n + kpi.rest_n) > 0)
        scored[name] = Scored(magnitude, _scale(magnitude, cfg.full_at[name]), low_n, available)
    volume = tickets / desk["tickets"] if desk.get("tickets", 0) > 0 else np.full(m, np.nan)
    scored["volume"] = Scored(volume, _scale(volume, cfg.full_at["volume"]), np.zeros(m, bool), True)
    rise = np.where(tickets < cfg.min_n, np.nan, np.maximum(trend["ci_low"] - 1.0, 0.0))
    scored["trend"] = Scored(
        rise, _scale(rise, cfg.full_at["trend"]), tickets < cfg.min_n, bool(np.isfinite(trend["ratio"]).any())
    )
    cust = g["customers"].to_numpy(dtype=float)
    cust_share = cust / desk["customers"] if desk.get("customers", 0) > 0 else np.full(m, np.nan)
    scored["customers"] = Scored(
        cust_share,
        _scale(cust_share, cfg.full_at["customers"]),
        np.zeros(m, bool),
        desk.get("customers", 0) > 0,
    )
    ltv_total = desk.get("ltv_sum", 0.0)
    var_share = var["ci_low"] / ltv_total if ltv_total > 0 else np.full(m, np.nan)
    scored["value_at_risk"] = Scored(
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
            weighted = sum((cfg.weights[n] * scored[n].score for n in names), np.zeros(m))
            factors[factor] = weighted / total_w
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
        metrics = metrics_of(i, records[i], desk, comp, trend, var, scored, factors, cfg)
        metrics["value"]["currency"] = currency  # the sentences name the amounts' currency
        explanation = explain(i, score[i], lifted, scored, comp, metrics, cfg)
        reasons = critical_reasons(i, score[i], scored, comp, metrics, cfg)
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
                "trend": finite(trend["change"][i]),
                "csat_gap_pts": None if csat["gap"] is None else 100 * csat["gap"],
                "value_at_risk": finite(var["value"][i]),
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
