"""Rendering pages: the template environment, the context every page gets, the error page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from insightdesk.governance.roles import Permission
from insightdesk.model import display
from insightdesk.web import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _fmt_value(value: Any, unit: str | None) -> str:
    """A KPI value in its unit's shape (counts whole, durations in h and min, shares in %)."""
    return display.kpi_value(value, unit)


def _fmt_diff(value: Any, unit: str | None) -> str:
    """A difference of a KPI's values: percentage points for shares, else signed in its unit."""
    return display.kpi_difference(value, unit)


def _json_script(value: Any) -> Markup:
    # Safe inside <script type="application/json">: no "</" can close the tag early.
    text = json.dumps(value, default=str).replace("</", "<\\/").replace("<!--", "<\\!--")
    return Markup(text)


# Every number on a page is shaped by `insightdesk.model.display`, as in the CLI and the API.
templates.env.filters["kpi"] = _fmt_value
templates.env.filters["diff"] = _fmt_diff
templates.env.filters["unit"] = display.unit_suffix
templates.env.filters["json_script"] = _json_script
templates.env.filters["pct"] = display.percent
templates.env.filters["pts"] = display.points
templates.env.filters["change"] = display.change
templates.env.filters["count"] = display.count
templates.env.filters["answer"] = display.answer
templates.env.filters["hours"] = display.duration
templates.env.filters["money"] = display.money
templates.env.filters["effect"] = display.effect
templates.env.filters["attribute"] = lambda value, name: display.attribute(name, value)
templates.env.filters["p"] = lambda v: "–" if v is None else (f"{v:.2g}" if v >= 0.001 else "<0.001")
templates.env.filters["dt"] = lambda v: "" if not v else str(v).replace("T", " ")[:16]

NAV = (
    ("/", "Overview", Permission.AGGREGATES),
    ("/trends", "Trends", Permission.AGGREGATES),
    ("/compare", "Compare", Permission.AGGREGATES),
    ("/tickets", "Tickets", Permission.RECORDS),
    ("/feedback", "Feedback", Permission.RECORDS),
    ("/themes", "Themes", Permission.AGGREGATES),
    ("/painpoints", "Pain points", Permission.AGGREGATES),
    ("/insights", "Insights", Permission.AGGREGATES),
    ("/alerts", "Alerts", Permission.AGGREGATES),
    ("/surveys", "Surveys", Permission.AGGREGATES),
    ("/tasks", "Tasks", Permission.RECORDS),
    ("/rules", "Rules", Permission.INSIGHTS),
    ("/notifications", "Notifications", Permission.INSIGHTS),
    ("/packs", "Packs", Permission.AGGREGATES),
    ("/changes", "Changes", Permission.INSIGHTS),
    ("/cases", "Cases", Permission.RECORDS),
    ("/identity", "Identity", Permission.IDENTITY_RESOLVE),
    ("/workforce", "Workforce", Permission.AGGREGATES),
    ("/qa", "Quality", Permission.RECORDS),
    ("/sources", "Sources", Permission.AGGREGATES),
    ("/upload", "Upload", Permission.INGEST),
    ("/admin/users", "Users", Permission.USERS),
    ("/admin/audit", "Audit", Permission.AUDIT),
    ("/admin/settings", "Settings", Permission.SETTINGS),
    ("/privacy", "Privacy", Permission.PRIVACY),
)


def compile_templates() -> None:
    """Compile every page template once (10-20 ms each), so no first visitor of a page pays for it."""
    for path in sorted(TEMPLATES_DIR.glob("*.html")):
        templates.env.get_template(path.name)


def _currency(request: Request) -> str:
    state = getattr(request.app.state, "insightdesk", None)
    return str(state.setting("display.currency")) if state is not None else display.DEFAULT_CURRENCY


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    identity = getattr(request.state, "identity", None)
    principal = identity.principal if identity else None
    nav = [(href, label) for href, label, perm in NAV if principal and principal.can(perm)]
    base = {
        "request": request,
        "principal": principal,
        "csrf": identity.csrf_token if identity else None,
        "nav": nav,
        "path": request.url.path,
        "Permission": Permission,
        # Money on any page carries the currency an admin set (display.currency).
        "currency": _currency(request),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 429: "Too many attempts", 422: "Invalid request"}
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=titles.get(status, "Error"),
        message=message,
    )
