"""Pain points: which themes and categories hurt customers most, and why.

    ranking = rank_painpoints(store)                 # aggregates in the backend, scores, stores a run
    ranking.frame[["rank", "label", "score"]]        # 1 = most urgent
    ranking.frame.explanation[0]                     # the factors that put it first, largest first

The scoring model (docs/insights.md, "Pain points") is a pure function, `score_painpoints`, of the
per-pain-point sums `painpoint_data.aggregate_painpoints` gets from the backend: it can be tested
with hand-made numbers, and re-run with other weights without touching the database.

score = product over the factors F of (floor + (1 - floor) * F) ** factor_weight, where each factor
(severity, frequency, business impact) is the weighted mean of its components' scores, and a
component's score is min(1, magnitude / full_at). A magnitude is deliberately conservative: the end
of the 95% interval nearest to "no problem" (a CSAT gap of 18 points with interval 12..24 counts
as 12), so a small pain point with a wide interval cannot outrank a well-measured one by chance.
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as st

from insightdesk.insights.painpoint_data import (
    CUSTOMER_SUMS,
    KINDS,
    SUMS,
    PainpointData,
    Window,
    aggregate_painpoints,
    resolve_window,
)
from insightdesk.metrics import stats
from insightdesk.metrics.config import MetricsConfig

if TYPE_CHECKING:
    from insightdesk.store import Store

FACTORS = ("severity", "frequency", "business_impact")


@dataclass(frozen=True)
class Component:
    """One measured ingredient of a factor; `magnitude` is in `unit`, so are full_at and critical."""

    name: str
    factor: str
    unit: str
    meaning: str


COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        Component("csat", "severity", "share", "CSAT (satisfied share of answers) below the rest"),
        Component("nps", "severity", "NPS points", "NPS below the rest (ticket and relationship surveys)"),
        Component("ces", "severity", "points on 1-7", "mean Customer Effort Score below the rest"),
        Component("fcr", "severity", "share", "first-contact resolution below the rest (resolved tickets)"),
        Component("repeat_contact", "severity", "share", "repeat-contact rate above the rest"),
        Component("escalation", "severity", "share", "escalation rate above the rest (resolved tickets)"),
        Component("sentiment", "severity", "score on -1..1", "customer text sentiment below the rest"),
        Component("resolution_time", "severity", "relative", "mean resolution time above the rest"),
        Component("volume", "frequency", "share", "share of the window's tickets"),
        Component("trend", "frequency", "relative", "rise of the volume share, recent half vs earlier half"),
        Component("customers", "business_impact", "share", "share of the window's customers affected"),
        Component(
            "value_at_risk", "business_impact", "share", "lifetime value at risk, share of the window's"
        ),
    )
}


def _default_weights() -> dict[str, float]:
    # Satisfaction and loyalty gaps weigh most: they are what the customer says; the operational
    # gaps (FCR, repeat, escalation, time) explain it. Value at risk outweighs the head count.
    return {
        "csat": 3.0,
        "nps": 2.0,
        "ces": 1.0,
        "fcr": 1.0,
        "repeat_contact": 1.0,
        "escalation": 1.0,
        "sentiment": 1.0,
        "resolution_time": 1.0,
        "volume": 2.0,
        "trend": 1.0,
        "customers": 1.0,
        "value_at_risk": 2.0,
    }


def _default_full_at() -> dict[str, float]:
    # The magnitude at which a component is as bad as it gets (score 1), in the component's unit.
    return {
        "csat": 0.20,
        "nps": 30.0,
        "ces": 1.0,
        "fcr": 0.20,
        "repeat_contact": 0.10,
        "escalation": 0.10,
        "sentiment": 0.30,
        "resolution_time": 1.0,
        "volume": 0.05,
        "trend": 1.0,
        "customers": 0.10,
        "value_at_risk": 0.10,
    }


def _default_critical() -> dict[str, float]:
    # A pain point is critical when any rule holds: its score, or one conservative magnitude alone.
    # Only gaps and growth, not size: a big category would otherwise be critical for being big.
    return {"score": 0.35, "csat": 0.15, "nps": 25.0, "trend": 1.5}


def _default_factor_weights() -> dict[str, float]:
    return {"severity": 1.0, "frequency": 1.0, "business_impact": 1.0}


@dataclass(frozen=True)
class PainpointConfig:
    """Window, kinds, sample-size floors, weights and critical thresholds of the pain-point ranking."""

    window_days: int = 90
    """Default window: the last N days of data (until = midnight after the newest ticket)."""
    kinds: tuple[str, ...] = KINDS
    """Pain-point kinds ranked: theme, category, theme_x_category."""
    theme_entities: tuple[str, ...] = ("tickets", "interactions")
    """Texts whose themes make a ticket part of a theme. Survey comments are left out by default:
    an unhappy answer's comment would put its ticket in a theme *because* it scored low."""
    min_tickets: int = 20
    """Pain points with fewer tickets in the window are not ranked."""
    min_n: int = 30
    """Fewest answers (or tickets) on each side for a KPI gap to count; fewer is flagged low n."""
    confidence: float = 0.95
    """Confidence level of every interval; magnitudes use the interval's conservative end."""
    factor_weights: dict[str, float] = field(default_factory=_default_factor_weights)
    """Exponents of severity, frequency and business impact in the product."""
    factor_floor: float = 0.05
    """Each factor enters as floor + (1 - floor) * factor, so one empty factor cannot zero a score."""
    weights: dict[str, float] = field(default_factory=_default_weights)
    """Weight of each component within its factor (weighted mean)."""
    full_at: dict[str, float] = field(default_factory=_default_full_at)
    """Magnitude at which a component scores 1 (its unit: see COMPONENTS)."""
    critical: dict[str, float] = field(default_factory=_default_critical)
    """Critical thresholds: `score`, or a component name and its conservative magnitude."""
    backlog_top: int = 50
    """The top N of a ranking (and every critical one) enter the backlog as `new`; 0 = all."""
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    """KPI conventions (satisfied CSAT scores, NPS bands, repeat window) shared with the metrics engine."""

    def __post_init__(self) -> None:
        problems = []
        for name, values, allowed in (
            ("weights", self.weights, COMPONENTS),
            ("full_at", self.full_at, COMPONENTS),
            ("critical", self.critical, (*COMPONENTS, "score")),
            ("factor_weights", self.factor_weights, FACTORS),
        ):
            unknown = sorted(set(values) - set(allowed))
            if unknown:
                problems.append(f"{name}: unknown {unknown}; allowed: {', '.join(allowed)}")
            negative = sorted(k for k, v in values.items() if not (isinstance(v, int | float) and v >= 0))
            if negative:
                problems.append(f"{name}: {negative} must be numbers >= 0")
        missing_full = sorted(k for k in COMPONENTS if self.full_at.get(k, 0) <= 0)
        if missing_full:
            problems.append(f"full_at: {missing_full} must be > 0")
        bad_kinds = sorted(set(self.kinds) - set(KINDS))
        if bad_kinds:
            problems.append(f"kinds: unknown {bad_kinds}; allowed: {', '.join(KINDS)}")
        if not 0 < self.factor_floor < 1:
            problems.append(f"factor_floor must be between 0 and 1 (exclusive), got {self.factor_floor}")
        if not 0.5 < self.confidence < 1:
            problems.append(f"confidence must be between 0.5 and 1, got {self.confidence}")
        if self.min_n < 2 or self.min_tickets < 1 or self.window_days < 1 or self.backlog_top < 0:
            problems.append(
                "min_n >= 2, min_tickets >= 1, window_days >= 1 and backlog_top >= 0 are required"
            )
        if problems:
            raise ValueError("invalid pain-point config: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PainpointConfig:
        """A config from plain values (a TOML table); weights, full_at and critical merge onto the defaults."""
        known = {f.name for f in fields(cls)} - {"metrics"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"invalid pain-point config: unknown setting(s) {unknown}; known: {sorted(known)}"
            )
        base = cls()
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("weights", "full_at", "critical", "factor_weights"):
                if not isinstance(value, Mapping):
                    raise ValueError(f"invalid pain-point config: {key} must be a table of name = number")
                merged = dict(getattr(base, key))
                if key == "critical":
                    merged = {}  # critical rules are replaced as a whole: leaving one out turns it off
                merged.update({str(k): float(v) for k, v in value.items()})
                changes[key] = merged
            elif key in ("kinds", "theme_entities"):
                changes[key] = tuple(value)
            else:
                changes[key] = value
        return replace(base, **changes)

    def with_(self, **changes: Any) -> PainpointConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (recorded with every run)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "metrics"}
        out.update({k: dict(out[k]) for k in ("weights", "full_at", "critical", "factor_weights")})
        out["kinds"], out["theme_entities"] = list(self.kinds), list(self.theme_entities)
        out["metrics"] = {
            "csat_satisfied": {str(k): list(v) for k, v in self.metrics.csat_satisfied.items()},
            "nps_promoter_min": self.metrics.nps_promoter_min,
            "nps_detractor_max": self.metrics.nps_detractor_max,
            "repeat_days": self.metrics.repeat_days,
            "repeat_key": self.metrics.repeat_key,
        }
        return out


def load_config(path: str | Path) -> PainpointConfig:
    """A config from a TOML file: its `[painpoints]` table, or the whole file when it has none."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"pain-point config file {p} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"pain-point config file {p} is not valid TOML: {exc}") from None
    return PainpointConfig.from_mapping(data.get("painpoints", data))


# ---- comparisons of a pain point with the rest ------------------------------------------------------


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


def _trend(groups: pd.DataFrame, desk: Mapping[str, float], conf: float) -> dict[str, np.ndarray]:
    """Volume share of the recent half vs the earlier half, against the desk's own change.

    With N1, N2 the window's tickets in each half, a pain point's recent count n2 out of its n1 + n2 is
    binomial with p0 = N2 / (N1 + N2) when its share did not move. The share ratio
    (n2 / N2) / (n1 / N1) is that proportion's odds over p0's odds, so the exact (Clopper-Pearson)
    interval of the proportion gives the ratio's interval.
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

    def odds(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p)

    for i, (a, b) in enumerate(zip(n1, n2, strict=True)):
        if a + b <= 0:
            continue
        test = st.binomtest(int(b), int(a + b), p0)
        ci = test.proportion_ci(confidence_level=conf, method="exact")
        out["ratio"][i] = odds(b / (a + b)) / odds0
        out["ci_low"][i] = odds(ci.low) / odds0
        out["ci_high"][i] = odds(ci.high) / odds0
        out["p_value"][i] = test.pvalue
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
    for i in range(m):
        metrics = _metrics(i, g, desk, comp, trend, var, scored, factors, cfg)
        explanation = _explain(i, score[i], lifted, scored, comp, metrics, cfg)
        reasons = _critical_reasons(i, score[i], scored, comp, metrics, cfg)
        metrics["critical_reasons"] = reasons
        r = g.iloc[i]
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
    g: pd.DataFrame,
    desk: Mapping[str, float],
    comp: Mapping[str, _Comparison],
    trend: Mapping[str, np.ndarray],
    var: Mapping[str, np.ndarray],
    scored: Mapping[str, _Scored],
    factors: Mapping[str, np.ndarray],
    cfg: PainpointConfig,
) -> dict[str, Any]:
    r = g.iloc[i]
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


# ---- running and storing a ranking ----------------------------------------------------------------------


@dataclass
class PainpointRanking:
    """A stored ranking run: its id, window, settings and the ranked frame (see score_painpoints)."""

    run_id: str
    window: Window
    config: PainpointConfig
    frame: pd.DataFrame
    window_tickets: int
    added_to_backlog: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _attach_series(frame: pd.DataFrame, data: PainpointData) -> None:
    """Weekly ticket counts and the tier mix of affected customers, into each pain point's metrics."""
    weekly: dict[str, list[list[Any]]] = {}
    if len(data.weekly):
        for key, part in data.weekly.sort_values("week").groupby("painpoint_key", sort=False):
            weekly[key] = [
                [w.date().isoformat(), int(n)] for w, n in zip(part.week, part.tickets, strict=True)
            ]
    tiers: dict[str, dict[str, int]] = {}
    for r in data.tiers.itertuples(index=False):
        tiers.setdefault(r.painpoint_key, {})[str(r.tier) if r.tier is not None else "unknown"] = int(r.n)
    for key, metrics in zip(frame.painpoint_key, frame.metrics, strict=True):
        metrics["weekly"] = weekly.get(key, [])
        metrics["customers"]["tiers"] = tiers.get(key, {})
        metrics["customers"]["window_tiers"] = data.desk_tiers
        metrics["window"] = data.window.to_dict()


def rank_painpoints(
    store: Store,
    config: PainpointConfig | None = None,
    *,
    since: Any = None,
    until: Any = None,
    started_by: str = "cli",
) -> PainpointRanking:
    """Aggregate in the backend, score, and store a ranking run (painpoints rows, backlog entries).

    New pain points among the top `backlog_top` (and every critical one) enter the backlog as `new`.
    """
    from insightdesk.insights.backlog import add_new_painpoints
    from insightdesk.insights.runs import recorded_run, to_json, utcnow
    from insightdesk.insights.tables import painpoints as painpoints_table

    cfg = config or PainpointConfig()
    began = time.perf_counter()
    window = resolve_window(store.ibis(), since=since, until=until, days=cfg.window_days)
    data = aggregate_painpoints(
        store, window, kinds=cfg.kinds, entities=cfg.theme_entities, config=cfg.metrics
    )
    frame = score_painpoints(data.groups, data.desk, cfg)
    _attach_series(frame, data)
    params = {"window": window.to_dict(), "config": cfg.to_dict()}
    with recorded_run(store, "painpoints", params, started_by=started_by) as run:
        now = utcnow()
        rows = [
            {
                "run_id": run.run_id,
                "painpoint_key": r.painpoint_key,
                "kind": r.kind,
                "theme_id": r.theme_id,
                "category": r.category,
                "label": r.label,
                "rank": int(r.rank),
                "score": float(r.score),
                "severity": float(r.severity),
                "frequency": float(r.frequency),
                "business_impact": float(r.business_impact),
                "critical": bool(r.critical),
                "tickets": int(r.tickets),
                "customers": int(r.customers),
                "trend": r.trend,
                "metrics": to_json(r.metrics),
                "explanation": to_json(r.explanation),
                "computed_at": now,
            }
            for r in frame.itertuples(index=False)
        ]
        if rows:
            run.conn.execute(painpoints_table.insert(), rows)
        top = frame if cfg.backlog_top == 0 else frame[(frame["rank"] <= cfg.backlog_top) | frame["critical"]]
        added = add_new_painpoints(run.conn, list(top.painpoint_key), actor=started_by, now=now)
        run.summary.update(
            painpoints=len(frame),
            redundant_crosses_left_out=int(frame.attrs.get("redundant_crosses", 0)),
            critical=int(frame["critical"].sum()) if len(frame) else 0,
            window_tickets=int(data.desk.get("tickets", 0)),
            added_to_backlog=len(added),
            top=[
                {"painpoint_key": k, "label": lbl, "score": round(float(s), 4)}
                for k, lbl, s in zip(frame.painpoint_key[:5], frame.label[:5], frame.score[:5], strict=True)
            ],
        )
    return PainpointRanking(
        run_id=run.run_id,
        window=window,
        config=cfg,
        frame=frame,
        window_tickets=int(data.desk.get("tickets", 0)),
        added_to_backlog=added,
        seconds=time.perf_counter() - began,
    )


# ---- reading stored rankings ----------------------------------------------------------------------------


class PainpointNotFound(LookupError):
    """No such ranking run or pain point; the message says what exists."""


def _run_or_latest(store: Store, run_id: str | None) -> str:
    from insightdesk.insights.runs import latest_run_id

    if run_id is None:
        latest = latest_run_id(store, "painpoints")
        if latest is None:
            raise PainpointNotFound("no pain-point ranking yet: run `insightdesk painpoints rank` first")
        return latest
    found = store.scalar(
        "SELECT count(*) FROM insight_runs WHERE run_id = :r AND kind = 'painpoints'", {"r": run_id}
    )
    if not found:
        raise PainpointNotFound(f"no pain-point ranking run {run_id!r} (see `insightdesk painpoints runs`)")
    return run_id


def list_runs(store: Store, limit: int = 20) -> pd.DataFrame:
    """Recent ranking runs, newest first, with their window and headline summary."""
    from insightdesk.insights.runs import from_json

    frame = store.query_df(
        "SELECT run_id, started_by, started_at, finished_at, params, summary FROM insight_runs "
        "WHERE kind = 'painpoints' ORDER BY started_at DESC, run_id DESC LIMIT :n",
        {"n": int(limit)},
    )
    frame["params"] = frame["params"].map(from_json)
    frame["summary"] = frame["summary"].map(from_json)
    return frame


def list_painpoints(
    store: Store,
    *,
    run_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    critical_only: bool = False,
    limit: int | None = None,
) -> pd.DataFrame:
    """The ranked pain points of a run (default: the latest) with their backlog status and owner."""
    from insightdesk.insights.runs import from_json

    run = _run_or_latest(store, run_id)
    sql = (
        "SELECT p.run_id, p.rank, p.painpoint_key, p.kind, p.theme_id, p.category, p.label, p.score, "
        "p.severity, p.frequency, p.business_impact, p.critical, p.tickets, p.customers, p.trend, "
        "p.metrics, p.explanation, p.computed_at, b.status, b.owner, b.problem_id "
        "FROM painpoints p LEFT JOIN painpoint_backlog b ON b.painpoint_key = p.painpoint_key "
        "WHERE p.run_id = :run"
    )
    params: dict[str, Any] = {"run": run}
    if kind:
        if kind not in KINDS:
            raise ValueError(f"unknown pain-point kind {kind!r}; choose from {', '.join(KINDS)}")
        sql += " AND p.kind = :kind"
        params["kind"] = kind
    if status:
        sql += " AND b.status = :status"
        params["status"] = status
    if critical_only:
        sql += " AND p.critical"
    sql += " ORDER BY p.rank"
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    frame = store.query_df(sql, params)
    frame["metrics"] = frame["metrics"].map(from_json)
    frame["explanation"] = frame["explanation"].map(from_json)
    frame["critical"] = frame["critical"].astype(bool)
    return frame


def get_painpoint(store: Store, key: str, *, run_id: str | None = None) -> dict[str, Any]:
    """One pain point of a run (default: the latest): figures, explanation, backlog state and history."""
    from insightdesk.insights.backlog import backlog_entry, backlog_history

    frame = list_painpoints(store, run_id=run_id)
    hit = frame[frame.painpoint_key == key]
    if hit.empty:
        run = frame.run_id.iloc[0] if len(frame) else run_id
        near = [k for k in frame.painpoint_key if key.lower() in str(k).lower()][:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise PainpointNotFound(f"pain point {key!r} is not in ranking run {run}{hint}")
    row = hit.iloc[0].to_dict()
    row["backlog"] = backlog_entry(store, key)
    row["history"] = backlog_history(store, key).to_dict("records")
    return row


def window_for(store: Store, *, since: Any = None, until: Any = None, days: int = 90) -> Window:
    """The window a ranking would use (see painpoint_data.resolve_window)."""
    return resolve_window(store.ibis(), since=since, until=until, days=days)


__all__ = [
    "COMPONENTS",
    "FACTORS",
    "PainpointConfig",
    "PainpointNotFound",
    "PainpointRanking",
    "describe_component",
    "get_painpoint",
    "list_painpoints",
    "list_runs",
    "load_config",
    "newcombe_interval",
    "rank_painpoints",
    "score_painpoints",
]
