"""The workforce page: a forecast's bands over the actuals, its backtest per model, the staffing curve
and weekly FTE of its latest plans (the base and each scenario) side by side, and where tickets
escalate by category (resolution level and the extra hours an escalation takes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state
from insightdesk.api.pages.context import AGG
from insightdesk.api.pages.rendering import render
from insightdesk.governance.roles import Principal
from insightdesk.web import workforce_charts
from insightdesk.workforce import escalation_summary, forecast_detail, staffing_detail, tier_paths
from insightdesk.workforce.records import plain

router = APIRouter(include_in_schema=False)


@router.get("/workforce", response_class=HTMLResponse)
def workforce_page(
    request: Request,
    forecast: str | None = Query(None, max_length=200),
    series: str | None = Query(None, max_length=500),
    principal: Principal = AGG,
) -> Response:
    store = app_state(request).store
    tiers = escalation_summary(tier_paths(store, topic="category")).head(15)
    tier_names = sorted(c.removeprefix("resolved_") for c in tiers.columns if c.startswith("resolved_"))
    context: dict[str, Any] = {"tiers": plain(tiers.to_dict("records")), "tier_names": tier_names}
    try:
        detail = forecast_detail(store, forecast)
    except KeyError as exc:
        return render(request, "workforce.html", forecast=None, missing=str(exc.args[0]), **context)
    points = plain(detail["points"].to_dict("records"))
    names = sorted({p["series"] for p in points})
    chosen = series if series in names else (names[0] if names else None)
    staffing = staffing_detail(store, detail["run"]["forecast_id"])
    intervals = plain(staffing["intervals"].to_dict("records"))
    weekly = [
        {"scenario": p["scenario"], "description": p["description"], **w}
        for p in plain(staffing["plans"].to_dict("records"))
        for w in p["weekly"] or []
    ]
    backtests = plain(detail["backtests"].to_dict("records"))
    return render(
        request,
        "workforce.html",
        **context,
        forecast=plain(detail["run"]),
        series_names=names,
        series=chosen,
        backtests=[b for b in backtests if b["series"] == chosen],
        band_spec=workforce_charts.forecast_bands(points, chosen) if chosen else None,
        staffing_spec=workforce_charts.staffing_curve(intervals, chosen) if chosen and intervals else None,
        weekly=[w for w in weekly if w["series"] == chosen],
        plans=plain(staffing["plans"][["scenario", "description", "params"]].to_dict("records"))
        if len(staffing["plans"])
        else [],
    )
