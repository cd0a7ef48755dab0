"""KPI alerts computed on the fly: significant period-over-period moves of the main KPIs.

(Stored anomaly and threshold alerts of the insight engine are in `views.insights`.)
"""

from __future__ import annotations

import logging
from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import comparison, kpi_info, prefetch_cells

log = logging.getLogger(__name__)

ALERT_KPIS = ("csat", "nps", "ces_mean", "fcr", "frt_median", "ttr_median", "reopen_rate", "escalation_rate")


def alerts(state: AppState, f: Filters, grain: str = "week") -> dict[str, Any]:
    """Significant period-over-period moves of the main KPIs (Holm-adjusted), worst first."""
    from insightdesk.metrics import MetricsError, get_kpi

    # One roll-up query for every KPI's periods instead of one per KPI (a new filter's first visit).
    prefetch_cells(state, tuple(k for k in ALERT_KPIS if not get_kpi(k).snapshot), f, grain)
    found = []
    for name in ALERT_KPIS:
        info = kpi_info(name)
        try:
            cmp = comparison(state, name, f, by=(), against="previous", grain=grain)
        except MetricsError:
            continue
        except Exception:  # one broken KPI definition must not take the alerts page down
            log.warning("alerts: %s could not be computed", name, exc_info=True)
            continue
        for r in cmp:
            # A partial period (the data's window ends inside it) is no evidence of a move yet.
            if not r.get("significant") or r.get("difference") is None or r.get("partial"):
                continue
            worse = info["higher_is_better"] is not None and (r["difference"] > 0) != bool(
                info["higher_is_better"]
            )
            found.append(
                {
                    "kpi": name,
                    "title": info["title"],
                    "unit": info["unit"],
                    "period": r.get("period"),
                    "value": r["value"],
                    "reference": r["reference"],
                    "difference": r["difference"],
                    "p_adjusted": r["p_adjusted"],
                    "test": r.get("test"),
                    "severity": "worse" if worse else "better",
                }
            )
    # Worse first, then the newest period first (sorts are stable, so the last one decides first).
    found.sort(key=lambda a: (a["severity"] != "worse", str(a["period"] or "")), reverse=False)
    found.sort(key=lambda a: str(a["period"] or ""), reverse=True)
    found.sort(key=lambda a: a["severity"] != "worse")
    return {
        "grain": grain,
        "rule": f"{grain}-over-{grain} change with Holm-adjusted p < 0.05",
        "alerts": found,
    }
