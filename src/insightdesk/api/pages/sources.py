"""The sources page: each helpdesk connector's last run, last success, rows, errors and sync lag,
within the departments the viewer may see (a team lead: their teams' departments)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state
from insightdesk.api.pages.context import AGG
from insightdesk.api.pages.rendering import render
from insightdesk.connectors import sync_status, visible_departments
from insightdesk.governance.roles import Principal

router = APIRouter(include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, principal: Principal = AGG) -> Response:
    engine = app_state(request).engine
    rows = [asdict(s) for s in sync_status(engine, visible_departments(engine, principal))]
    return render(request, "sources.html", sources=rows, lagging=[r["source"] for r in rows if r["lagging"]])
