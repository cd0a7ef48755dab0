"""Did a fix work? A pain point measured before and after its fix shipped, with tests (reads the store).

Improved means the pain point's share of the desk's tickets fell, or its CSAT rose, significantly
(two-proportion z-test at 1 - confidence); the measurement is what `verified` records.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from insightdesk.insights.common.runs import utcnow
from insightdesk.insights.painpoints.comparisons import newcombe_interval
from insightdesk.insights.painpoints.config import PainpointConfig
from insightdesk.insights.painpoints.data import aggregate_painpoints
from insightdesk.insights.painpoints.errors import BacklogError
from insightdesk.insights.painpoints.window import Window, resolve_window
from insightdesk.metrics import stats

if TYPE_CHECKING:
    from insightdesk.store import Store

VERIFY_DAYS = 30
"""Days before and after the fix a verification compares, by default."""


def naive_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp in UTC without a zone (the store's convention)."""
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def verify_fix(
    store: Store,
    key: str,
    shipped_at: dt.datetime,
    *,
    days: int = VERIFY_DAYS,
    config: PainpointConfig | None = None,
) -> dict[str, Any]:
    """The pain point over `days` before vs after `shipped_at`: share of tickets and CSAT, with tests.

    Improved means the pain point's share of the desk's tickets fell, or its CSAT rose, significantly
    (two-proportion z-test at 1 - confidence). The after period ends at the newest data when that is
    sooner; with no tickets after the fix there is nothing to measure yet.
    """
    cfg = config or PainpointConfig()
    shipped = naive_utc(shipped_at)
    data_end = resolve_window(store.ibis(), days=1).until
    before = Window(shipped - dt.timedelta(days=days), shipped)
    after_end = min(shipped + dt.timedelta(days=days), data_end)
    if after_end <= shipped:
        raise BacklogError(
            f"{key}: no data after the fix shipped ({shipped:%Y-%m-%d}; newest data before {data_end:%Y-%m-%d}): "
            "ingest newer tickets before verifying"
        )
    after = Window(shipped, after_end)
    kind = "theme_x_category" if "|" in key else key.split(":", 1)[0]
    periods: dict[str, dict[str, Any]] = {}
    for name, window in (("before", before), ("after", after)):
        data = aggregate_painpoints(
            store, window, kinds=(kind,), entities=cfg.theme_entities, config=cfg.metrics, keys=[key]
        )
        row = data.groups[data.groups.painpoint_key == key]
        periods[name] = {
            "since": window.since.isoformat(),
            "until": window.until.isoformat(),
            "tickets": float(row.tickets.sum()),
            "window_tickets": data.desk.get("tickets", 0.0),
            "csat_sat": float(row.csat_sat.sum()),
            "csat_n": float(row.csat_n.sum()),
        }
    b, a = periods["before"], periods["after"]
    if a["window_tickets"] <= 0:
        raise BacklogError(f"{key}: no tickets at all after {shipped:%Y-%m-%d}: nothing to measure yet")

    def compare(k1: float, n1: float, k0: float, n0: float) -> dict[str, Any]:
        lo, hi = newcombe_interval(
            np.array([k1]), np.array([n1]), np.array([k0]), np.array([n0]), cfg.confidence
        )
        p = stats.two_proportion_test(k1, n1, k0, n0)
        value = (k1 / n1 if n1 else np.nan) - (k0 / n0 if n0 else np.nan)
        return {
            "after": k1 / n1 if n1 else None,
            "before": k0 / n0 if n0 else None,
            "difference": None if np.isnan(value) else float(value),
            "ci_low": None if np.isnan(lo[0]) else float(lo[0]),
            "ci_high": None if np.isnan(hi[0]) else float(hi[0]),
            "p_value": None if np.isnan(p) else float(p),
            "n_after": int(n1),
            "n_before": int(n0),
            "low_n": bool(n1 < cfg.min_n or n0 < cfg.min_n),
        }

    alpha = 1 - cfg.confidence
    share = compare(a["tickets"], a["window_tickets"], b["tickets"], b["window_tickets"])
    csat = compare(a["csat_sat"], a["csat_n"], b["csat_sat"], b["csat_n"])

    def significant(c: dict[str, Any], sign: int) -> bool:
        d, p = c["difference"], c["p_value"]
        return d is not None and p is not None and not c["low_n"] and sign * d > 0 and p < alpha

    share_fell, csat_rose = significant(share, -1), significant(csat, +1)
    parts = []
    for title, c, unit in (("share of tickets", share, "pts"), ("CSAT", csat, "pts")):
        if c["difference"] is None:
            parts.append(f"{title}: no data")
            continue
        ci = "-" if c["ci_low"] is None else f"{100 * c['ci_low']:+.1f}..{100 * c['ci_high']:+.1f}"
        p = "-" if c["p_value"] is None else f"{c['p_value']:.3f}"
        parts.append(
            f"{title} {100 * c['before']:.1f}% -> {100 * c['after']:.1f}% ({100 * c['difference']:+.1f} {unit}, "
            f"95% CI {ci}, p={p}, n={c['n_before']:,} -> {c['n_after']:,})"
        )
    improved = share_fell or csat_rose
    verdict = ("improved: " if improved else "no significant improvement: ") + "; ".join(parts)
    return {
        "shipped_at": shipped.isoformat(),
        "days": days,
        "before": b,
        "after": a,
        "volume_share": share,
        "csat": csat,
        "share_fell": share_fell,
        "csat_rose": csat_rose,
        "improved": improved,
        "verdict": verdict,
        "measured_at": utcnow().isoformat(),
    }
