"""Aggregate pages: the overview's tiles, a KPI's trend and segment comparisons (themes: pages/themes.py).

Every chart's marks carry a `drill` link to the records behind them for roles that read records.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state
from insightdesk.api.errors import metrics_errors
from insightdesk.api.pages.context import AGG, DRILL_PARAM, filter_bar, period_end, qs
from insightdesk.api.pages.rendering import render
from insightdesk.api.params import check_by, check_kpi, filters
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import COMPARE_DIMENSIONS, FEEDBACK_FAMILIES, catalog, comparison, series
from insightdesk.api.views.movers import movers, records_link
from insightdesk.api.views.overview import tiles
from insightdesk.governance.roles import Permission, Principal
from insightdesk.web import charts

router = APIRouter(include_in_schema=False)
Grain = Literal["day", "week", "month", "quarter"]


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> Response:
    state = app_state(request)
    found = tiles(state, f, grain)
    links = principal.can(Permission.RECORDS)
    for t in found:
        drill = "/trends?" + qs(kpi=t["name"], grain=grain, **f.query())
        t["spark"] = charts.sparkline(t["series"], t["unit"], drill, t["title"]) if t["series"] else None
        # The number's own records: the tickets (or survey answers) of the window it is computed on.
        t["link"] = records_link(t["name"], t["family"], f) if links and not t["no_data"] else None
        if links and t["change"] and t["change"].get("period"):
            start = t["change"]["period"][:10]
            t["change"]["link"] = records_link(
                t["name"], t["family"], f, since=start, until=period_end(start, grain)
            )
    story = movers(state, f, grain, found, links=links)
    return render(request, "overview.html", tiles=found, movers=story, grain=grain, **filter_bar(request, f))


@router.get("/trends", response_class=HTMLResponse)
def trends_page(
    request: Request,
    kpi: str = Query("csat", max_length=100),
    grain: Grain = "week",
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    state = app_state(request)
    info = check_kpi(kpi)
    rows = metrics_errors(lambda: series(state, kpi, f, grain=None if info["snapshot"] else grain))
    # Copies: the cached rows are shared with /api/v1/kpis, which must not carry the page's links.
    rows = [dict(r) for r in rows if r.get("category") is None]
    drill_base = "/feedback" if info["family"] in FEEDBACK_FAMILIES else "/tickets"
    can_drill = principal.can(Permission.RECORDS)
    for r in rows:
        if can_drill and r.get("period"):
            params = {**f.query(), "since": r["period"][:10], "until": period_end(r["period"], grain)}
            r["drill"] = f"{drill_base}?{qs(**params)}"
    spec = charts.trend(rows, info["title"], info["unit"]) if rows and not info["snapshot"] else None
    return render(
        request,
        "trends.html",
        kpi=info,
        kpis=catalog(),
        grain=grain,
        rows=rows,
        spec=spec,
        can_drill=can_drill,
        **filter_bar(request, f),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    kpi: str = Query("csat", max_length=100),
    by: str = Query("channel", max_length=100),
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    state = app_state(request)
    info = check_kpi(kpi)
    check_by([by])
    rows = metrics_errors(lambda: comparison(state, kpi, f, by=(by,), against="rest"))
    rows = [dict(r) for r in rows if r.get("category") is None or by == "category"]  # cached: copy
    can_drill = principal.can(Permission.RECORDS) and by in DRILL_PARAM
    # Survey KPIs drill into the answers (their channel is the survey's own), others into tickets.
    drill_base = "/feedback" if info["family"] in FEEDBACK_FAMILIES else "/tickets"
    for r in rows:
        if can_drill and r.get(by) is not None:
            r["drill"] = f"{drill_base}?" + qs(**{**f.query(), DRILL_PARAM[by]: r[by]})
    spec = charts.segments(rows, by, info["title"], info["unit"]) if rows else None
    return render(
        request,
        "compare.html",
        kpi=info,
        kpis=catalog(),
        by=by,
        dims=COMPARE_DIMENSIONS,
        rows=rows,
        spec=spec,
        can_drill=can_drill,
        **filter_bar(request, f),
    )
