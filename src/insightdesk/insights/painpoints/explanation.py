"""The figures and sentences behind a pain point's score: metrics, explanation, critical reasons (no I/O).

`metrics_of` gathers every figure of one pain point (its KPIs against the rest with intervals,
trend, customers, value at risk, component scores); `explain` lists the components that raised its
score, largest contribution first, each with a sentence from `describe_component`;
`critical_reasons` says which critical rule it meets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from insightdesk.insights.common.runs import finite
from insightdesk.insights.painpoints.comparisons import Comparison
from insightdesk.insights.painpoints.config import COMPONENTS, FACTORS, PainpointConfig
from insightdesk.model import display

if TYPE_CHECKING:
    from insightdesk.insights.painpoints.scoring import Scored


def metrics_of(
    i: int,
    r: Mapping[str, Any],
    desk: Mapping[str, float],
    comp: Mapping[str, Comparison],
    trend: Mapping[str, np.ndarray],
    var: Mapping[str, np.ndarray],
    scored: Mapping[str, Scored],
    factors: Mapping[str, np.ndarray],
    cfg: PainpointConfig,
) -> dict[str, Any]:
    """Every figure behind pain point `i`'s score, JSON-ready (its `metrics` column)."""
    kpis = {name: c.row(i, cfg.min_n) for name, c in comp.items()}
    res = kpis["resolution_time"]
    res_n = float(r["res_n"])
    rest_mean = res["rest"]["value"]
    excess = None if res["gap"] is None or rest_mean is None else res["gap"] * res_n
    return {
        "tickets": int(r["tickets"]),
        "window_tickets": int(desk.get("tickets", 0)),
        "volume_share": finite(scored["volume"].magnitude[i]),
        "kpis": kpis,
        "trend": {
            "earlier": int(trend["earlier"][i]),
            "recent": int(trend["recent"][i]),
            "window_earlier": int(desk.get("tickets", 0) - desk.get("tickets_recent", 0)),
            "window_recent": int(desk.get("tickets_recent", 0)),
            "change": finite(trend["change"][i]),
            "share_ratio": finite(trend["ratio"][i]),
            "ci_low": finite(trend["ci_low"][i]),
            "ci_high": finite(trend["ci_high"][i]),
            "p_value": finite(trend["p_value"][i]),
            "method": "exact binomial (Clopper-Pearson) on the recent half's share, against the window's",
        },
        "customers": {
            "n": int(r["customers"]),
            "share": finite(scored["customers"].magnitude[i]),
            "window_customers": int(desk.get("customers", 0)),
        },
        "value": {
            "lifetime_value": finite(r["ltv_sum"]),
            "customers_with_value": int(r["ltv_known"]),
            "value_at_risk": finite(var["value"][i]),
            "ci_low": finite(var["ci_low"][i]),
            "ci_high": finite(var["ci_high"][i]),
            "share_of_window_value": finite(var["value"][i] / desk["ltv_sum"])
            if desk.get("ltv_sum")
            else None,
            "dissatisfaction_rate": finite(var["rate"][i]),
            "answers": int(var["answers"][i]),
            "formula": "sum over affected customers of lifetime_value x the customer's share of unsatisfied "
            "CSAT + NPS detractor answers; customers without answers get the pain point's pooled share",
        },
        "time_cost": {
            "resolved_tickets": int(res_n),
            "resolution_hours_total": finite(r["res_sum"]),
            "resolution_hours_mean": res["value"],
            "excess_hours": finite(excess) if excess is not None else None,
        },
        "components": {
            name: {
                "factor": COMPONENTS[name].factor,
                "unit": COMPONENTS[name].unit,
                "magnitude": finite(s.magnitude[i]),
                "score": float(s.score[i]),
                "weight": cfg.weights[name],
                "low_n": bool(s.low_n[i]),
                "available": s.available,
            }
            for name, s in scored.items()
        },
        "factors": {f: float(factors[f][i]) for f in FACTORS},
    }


_SHARES = {
    "csat": ("CSAT", "below", "above"),
    "fcr": ("FCR", "below", "above"),
    "repeat_contact": ("repeat contacts", "above", "below"),
    "escalation": ("escalations", "above", "below"),
}
"""Share components: their name in a sentence, and the side of the rest a worse (and better) one is on."""


def _pts(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}"


def trend_text(trend: Mapping[str, Any] | None, change: float | None = None) -> str:
    """A pain point's trend in words, the same in the CLI, the API and the pages: the change of its
    tickets from the earlier to the recent half of the window (the `trend` column), then the change
    of its share of all tickets, which discounts the desk's own growth: "+117% tickets (133 -> 289),
    share of all tickets -7%". With only the column known: "+117% tickets"."""
    if not trend:
        return "trend unknown" if change is None else f"{display.change(change)} tickets"
    head = f"{display.change(trend.get('change'))} tickets ({trend['earlier']:,} -> {trend['recent']:,})"
    ratio = trend.get("share_ratio")
    return head if ratio is None else f"{head}, share of all tickets {display.change(ratio - 1)}"


def _f(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def describe_component(name: str, metrics: Mapping[str, Any]) -> str:
    """One sentence with the figures behind a component (its value, the rest's, interval, n)."""
    k = metrics["kpis"].get(name)
    if name in _SHARES:
        # A positive gap is the worse side: below the rest for CSAT and FCR, above it for the rates.
        title, worse, better = _SHARES[name]
        word = worse if (k["gap"] or 0) >= 0 else better
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
        cur = v.get("currency") or display.DEFAULT_CURRENCY
        money = [display.money(v[k], cur, missing="-") for k in ("value_at_risk", "ci_low", "ci_high")]
        return (
            f"value at risk {money[0]} (95% CI {money[1]}..{money[2]}; "
            f"lifetime value x dissatisfaction share {_pts(v['dissatisfaction_rate'])}%, n={v['answers']:,} "
            f"answers), {'-' if share is None else f'{100 * share:.1f}'}% of the window's customer value"
        )
    raise KeyError(name)


def explain(
    i: int,
    score: float,
    lifted: Mapping[str, np.ndarray],
    scored: Mapping[str, Scored],
    comp: Mapping[str, Comparison],
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
    entries: list[dict[str, Any]] = []
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
                    "magnitude": finite(scored[name].magnitude[i]),
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


def critical_reasons(
    i: int,
    score: float,
    scored: Mapping[str, Scored],
    comp: Mapping[str, Comparison],
    metrics: Mapping[str, Any],
    cfg: PainpointConfig,
) -> list[str]:
    """Why pain point `i` is critical (empty: it is not): the score rule, or a component's magnitude."""
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
