"""The dashboard's pages: server-rendered HTML whose charts the browser draws from embedded JSON."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api import dashboard, insights_views
from insightdesk.api.dashboard import Filters
from insightdesk.api.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    app_state,
    client_ip,
    identify,
    require,
)
from insightdesk.api.errors import ApiError
from insightdesk.api.pages_support import render
from insightdesk.api.params import filters, record_where
from insightdesk.api.routers.auth import password_login, set_session_cookie
from insightdesk.governance import audit, records, users
from insightdesk.governance import settings as run_settings
from insightdesk.governance.passwords import PasswordError
from insightdesk.governance.roles import Permission, Principal, Role
from insightdesk.governance.sessions import revoke_session
from insightdesk.web import charts

router = APIRouter(include_in_schema=False)
AGG = Depends(require(Permission.AGGREGATES))
RECORDS = Depends(require(Permission.RECORDS))
Grain = Literal["day", "week", "month", "quarter"]
PAGE = 50
# compare dimension -> ticket-list filter it drills into
DRILL_PARAM = {
    "channel": "channel",
    "team": "team",
    "product": "product",
    "category": "category",
    "priority": "priority",
    "region": "region",
    "language": "language",
    "customer_tier": "tier",
}


def _period_end(start: str, grain: str) -> str:
    d = dt.date.fromisoformat(start[:10])
    if grain == "day":
        end = d + dt.timedelta(days=1)
    elif grain == "week":
        end = d + dt.timedelta(days=7)
    else:
        months = 1 if grain == "month" else 3
        y, m = divmod(d.month - 1 + months, 12)
        end = dt.date(d.year + y, m + 1, 1)
    return end.isoformat()


def _qs(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "", False)})


def _common(request: Request, f: Filters) -> dict[str, Any]:
    state = app_state(request)
    return {"filters": f, "options": dashboard.filter_options(state), "range": dashboard.data_range(state)}


# --- login / logout -------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(require(Permission.PUBLIC))])
def login_page(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    # Double-submit token: a login form posted from another site cannot know the cookie's value.
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.secure_cookies,
        max_age=3600,
        path="/login",
    )
    return response


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(require(Permission.PUBLIC))])
def login_submit(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1024),
    csrf_token: str = Form("", max_length=200),
    next: str = Form("/", max_length=2000),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return render(
            request,
            "login.html",
            status_code=403,
            login_csrf=expected or "",
            next=_safe_next(next),
            error="The form expired: reload the page and sign in again.",
        )
    state = app_state(request)
    try:
        _principal, secret, _csrf = password_login(state, username, password, client_ip(request))
    except ApiError as exc:
        return render(
            request,
            "login.html",
            status_code=exc.status,
            login_csrf=expected,
            next=_safe_next(next),
            error=exc.message,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, state, secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout_submit(
    request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))
) -> Response:
    identity = await identify(request)
    state = app_state(request)
    if identity and identity.session_secret:
        revoke_session(state.engine, identity.session_secret)
        state.auth_cache.clear()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- aggregates -----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> Response:
    state = app_state(request)
    tiles = dashboard.tiles(state, f, grain)
    for t in tiles:
        drill = "/trends?" + _qs(kpi=t["name"], grain=grain, **f.query())
        t["spark"] = charts.sparkline(t["series"], t["unit"], drill) if t["series"] else None
    return render(request, "overview.html", tiles=tiles, grain=grain, **_common(request, f))


@router.get("/trends", response_class=HTMLResponse)
def trends_page(
    request: Request,
    kpi: str = Query("csat", max_length=100),
    grain: Grain = "week",
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    from insightdesk.api.routers.metrics import check_kpi, metrics_errors

    state = app_state(request)
    info = check_kpi(kpi)
    rows = metrics_errors(lambda: dashboard.series(state, kpi, f, grain=None if info["snapshot"] else grain))
    rows = [r for r in rows if r.get("category") is None]
    drill_base = "/feedback" if info["family"] in dashboard.FEEDBACK_FAMILIES else "/tickets"
    can_drill = principal.can(Permission.RECORDS)
    for r in rows:
        if can_drill and r.get("period"):
            params = {**f.query(), "since": r["period"][:10], "until": _period_end(r["period"], grain)}
            r["drill"] = f"{drill_base}?{_qs(**params)}"
    spec = charts.trend(rows, info["title"], info["unit"]) if rows and not info["snapshot"] else None
    return render(
        request,
        "trends.html",
        kpi=info,
        kpis=dashboard.catalog(),
        grain=grain,
        rows=rows,
        spec=spec,
        can_drill=can_drill,
        **_common(request, f),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    kpi: str = Query("csat", max_length=100),
    by: str = Query("channel", max_length=100),
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    from insightdesk.api.routers.metrics import check_by, check_kpi, metrics_errors

    state = app_state(request)
    info = check_kpi(kpi)
    check_by([by])
    rows = metrics_errors(lambda: dashboard.comparison(state, kpi, f, by=(by,), against="rest"))
    rows = [r for r in rows if r.get("category") is None or by == "category"]
    can_drill = principal.can(Permission.RECORDS) and by in DRILL_PARAM
    # Survey KPIs drill into the answers (their channel is the survey's own), others into tickets.
    drill_base = "/feedback" if info["family"] in dashboard.FEEDBACK_FAMILIES else "/tickets"
    for r in rows:
        if can_drill and r.get(by) is not None:
            r["drill"] = f"{drill_base}?" + _qs(**{**f.query(), DRILL_PARAM[by]: r[by]})
    spec = charts.segments(rows, by, info["title"], info["unit"]) if rows else None
    return render(
        request,
        "compare.html",
        kpi=info,
        kpis=dashboard.catalog(),
        by=by,
        dims=dashboard.COMPARE_DIMENSIONS,
        rows=rows,
        spec=spec,
        can_drill=can_drill,
        **_common(request, f),
    )


@router.get("/themes", response_class=HTMLResponse)
def themes_page(request: Request, f: Filters = Depends(filters), principal: Principal = AGG) -> Response:
    state = app_state(request)
    data = dashboard.themes(state, with_quotes=principal.can(Permission.TEXT_REDACTED))
    spec = None
    if data["computed"] and data["trend"]:
        labels = {t["theme_id"]: t["label"] or t["theme_id"] for t in data["themes"][:8]}
        spec = charts.theme_trend(data["trend"], labels)
    pains = dashboard.pain_points(state, f)
    return render(request, "themes.html", data=data, spec=spec, pains=pains, **_common(request, f))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    grain: Grain = "week",
    status: Literal["open", "acknowledged", "closed", "all"] = "open",
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    state = app_state(request)
    data = dashboard.alerts(state, f, grain)
    stored = insights_views.alerts(state, None if status == "all" else status, limit=200)
    evidence = {
        a["alert_id"]: charts.alert_evidence((a.get("evidence") or {}).get("series_tail") or [], a)
        for a in stored["items"][:30]
    }
    return render(
        request,
        "alerts.html",
        data=data,
        grain=grain,
        stored=stored,
        status=status,
        charts=evidence,
        can_manage=principal.can(Permission.INSIGHTS),
        **_common(request, f),
    )


@router.post("/alerts/status", response_class=HTMLResponse)
def alerts_status(
    request: Request,
    alert_id: str = Form(..., max_length=200),
    status: Literal["open", "acknowledged", "closed"] = Form(...),
    principal: Principal = Depends(require(Permission.INSIGHTS)),
) -> Response:
    from insightdesk.insights.alerts import AlertError

    try:
        insights_views.set_alert_status(app_state(request), alert_id, status, principal, client_ip(request))
    except AlertError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return RedirectResponse("/alerts", status_code=303)


# --- insights -------------------------------------------------------------------------------------


@router.get("/painpoints", response_class=HTMLResponse)
def painpoints_page(
    request: Request,
    status: str | None = Query(None, max_length=40),
    kind: Literal["theme", "category", "theme_x_category", ""] | None = None,
    critical: bool = False,
    principal: Principal = AGG,
) -> Response:
    from insightdesk.insights.painpoints import STATUSES

    data = insights_views.painpoints(
        app_state(request), status=status or None, kind=kind or None, critical_only=critical, limit=100
    )
    return render(
        request, "painpoints.html", data=data, statuses=STATUSES, status=status, kind=kind, critical=critical
    )


def _painpoint_page(
    request: Request, key: str, principal: Principal, message: str | None = None, error: str | None = None
) -> Response:
    from insightdesk.insights.painpoints import STATUSES

    try:
        found = insights_views.painpoint(app_state(request), key)
    except insights_views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    weekly = (found.get("metrics") or {}).get("weekly") or []
    return render(
        request,
        "painpoint.html",
        status_code=422 if error else 200,
        p=found,
        spec=charts.weekly_volume(weekly, "tickets per week") if weekly else None,
        statuses=STATUSES,
        can_manage=principal.can(Permission.INSIGHTS),
        message=message,
        error=error,
    )


@router.get("/painpoints/detail", response_class=HTMLResponse)
def painpoint_page(
    request: Request, key: str = Query(..., max_length=1000), principal: Principal = AGG
) -> Response:
    return _painpoint_page(request, key, principal)


@router.post("/painpoints/detail", response_class=HTMLResponse)
def painpoint_update(
    request: Request,
    key: str = Form(..., max_length=1000),
    status: str = Form("", max_length=40),
    owner: str = Form("", max_length=64),
    problem_id: str = Form("", max_length=500),
    note: str = Form("", max_length=4000),
    principal: Principal = Depends(require(Permission.INSIGHTS)),
) -> Response:
    from insightdesk.insights.painpoints import BacklogError

    changes = {"status": status, "owner": owner, "problem_id": problem_id, "note": note}
    try:
        insights_views.painpoint(app_state(request), key)
        insights_views.update_painpoint(app_state(request), key, principal, client_ip(request), changes)
    except insights_views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except BacklogError as exc:
        return _painpoint_page(request, key, principal, error=str(exc))
    return _painpoint_page(request, key, principal, message="backlog updated")


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, principal: Principal = AGG) -> Response:
    state = app_state(request)
    return render(
        request,
        "insights.html",
        drivers=insights_views.drivers(state),
        risk=insights_views.risk(state, principal),
        impact=insights_views.impacts(state),
    )


# --- records --------------------------------------------------------------------------------------


@router.get("/tickets", response_class=HTMLResponse)
def tickets_page(
    request: Request,
    f: Filters = Depends(filters),
    category: str | None = Query(None, max_length=500),
    priority: str | None = Query(None, max_length=50),
    problem_id: str | None = Query(None, max_length=500),
    page: int = Query(1, ge=1, le=100_000),
    principal: Principal = RECORDS,
) -> Response:
    where = record_where(f, category=category, priority=priority, problem_id=problem_id)
    items, total = records.list_tickets(
        app_state(request).engine, principal, where, limit=PAGE, offset=(page - 1) * PAGE
    )
    extra = {"category": category, "priority": priority, "problem_id": problem_id}
    return render(
        request,
        "tickets.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        extra=extra,
        qs=_qs(**f.query(), **extra),
        **_common(request, f),
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    ticket_id: str, request: Request, raw: bool = False, principal: Principal = RECORDS
) -> Response:
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) may not read original text")
    try:
        data = records.get_ticket(
            app_state(request).engine,
            principal,
            ticket_id,
            raw=raw,
            ctx=records.ctx_of(principal, client_ip(request)),
        )
    except records.RecordNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return render(request, "ticket.html", d=data, raw=raw, can_raw=principal.can(Permission.TEXT_RAW))


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(
    request: Request,
    f: Filters = Depends(filters),
    scale: str | None = Query(None, max_length=20),
    category: str | None = Query(None, max_length=500),
    priority: str | None = Query(None, max_length=50),
    with_comment: bool = False,
    raw: bool = False,
    page: int = Query(1, ge=1, le=100_000),
    principal: Principal = RECORDS,
) -> Response:
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) may not read original comments")
    items, total = records.list_feedback(
        app_state(request).engine,
        principal,
        record_where(f, scale=scale, category=category, priority=priority),
        limit=PAGE,
        offset=(page - 1) * PAGE,
        raw=raw,
        with_comment=with_comment,
        ctx=records.ctx_of(principal, client_ip(request)),
    )
    extra = {
        "scale": scale,
        "category": category,
        "priority": priority,
        "with_comment": "true" if with_comment else None,
    }
    return render(
        request,
        "feedback.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        raw=raw,
        can_raw=principal.can(Permission.TEXT_RAW),
        extra=extra,
        qs=_qs(**f.query(), **extra),
        **_common(request, f),
    )


# --- upload and administration --------------------------------------------------------------------


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, principal: Principal = Depends(require(Permission.INGEST))) -> Response:
    from insightdesk.ingest import KINDS, available_profiles

    return render(request, "upload.html", kinds=KINDS, profiles=available_profiles(), result=None, error=None)


@router.post("/upload", response_class=HTMLResponse)
def upload_submit(
    request: Request,
    file: UploadFile = File(...),
    kind: str = Form(..., max_length=50),
    profile: str = Form("generic", max_length=200),
    principal: Principal = Depends(require(Permission.INGEST)),
) -> Response:
    from insightdesk.api.routers.ingest import ingest
    from insightdesk.ingest import KINDS, available_profiles

    error, result = None, None
    try:
        if kind not in KINDS:
            raise ApiError(422, "invalid_kind", f"unknown kind {kind!r}")
        result = ingest(
            request, file=file, kind=kind, profile=profile, source_system=None, principal=principal
        )  # type: ignore[arg-type]
    except ApiError as exc:
        error = exc.message
    return render(
        request,
        "upload.html",
        status_code=201 if result else 422,
        kinds=KINDS,
        profiles=available_profiles(),
        result=result,
        error=error,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: Principal = Depends(require(Permission.USERS))) -> Response:
    return render(
        request,
        "users.html",
        users=users.list_users(app_state(request).engine),
        roles=list(Role),
        message=None,
        error=None,
    )


@router.post("/admin/users", response_class=HTMLResponse)
def users_submit(
    request: Request,
    action: Literal["create", "set_role", "set_password", "disable", "enable"] = Form(...),
    username: str = Form(..., max_length=64),
    role: str = Form("viewer", max_length=30),
    password: str = Form("", max_length=1024),
    teams: str = Form("", max_length=2000),
    agent_id: str = Form("", max_length=500),
    principal: Principal = Depends(require(Permission.USERS)),
) -> Response:
    state = app_state(request)
    actor = users.Actor(principal.username, principal.role.value, client_ip(request))
    team_ids = [t.strip() for t in teams.split(",") if t.strip()] or None
    message, error = None, None
    try:
        if action == "create":
            users.create_user(
                state.engine,
                username,
                password,
                role,
                actor=actor,
                team_ids=team_ids,
                agent_id=agent_id or None,
            )
            message = f"created {username}"
        elif action == "set_role":
            users.set_role(
                state.engine, username, role, actor=actor, team_ids=team_ids, agent_id=agent_id or None
            )
            message = f"{username} is now {role}"
        elif action == "set_password":
            users.set_password(state.engine, username, password, actor=actor)
            message = f"new password set for {username}; their sessions and tokens were revoked"
        else:
            users.set_active(state.engine, username, action == "enable", actor=actor)
            message = f"{username} {action}d"
        state.auth_cache.clear()
    except (users.AccountError, PasswordError, ValueError) as exc:
        error = str(exc)
    return render(
        request,
        "users.html",
        status_code=422 if error else 200,
        users=users.list_users(state.engine),
        roles=list(Role),
        message=message,
        error=error,
    )


def _settings_page(request: Request, *, message: str | None = None, error: str | None = None) -> Response:
    return render(
        request,
        "settings.html",
        status_code=422 if error else 200,
        items=run_settings.all_settings(app_state(request).engine),
        message=message,
        error=error,
    )


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request, principal: Principal = Depends(require(Permission.SETTINGS))) -> Response:
    return _settings_page(request)


@router.post("/admin/settings", response_class=HTMLResponse)
def settings_submit(
    request: Request,
    name: str = Form(..., max_length=100),
    value: str = Form("", max_length=10_000),
    action: Literal["set", "reset"] = Form("set"),
    principal: Principal = Depends(require(Permission.SETTINGS)),
) -> Response:
    state = app_state(request)
    actor = users.Actor(principal.username, principal.role.value, client_ip(request))
    try:
        if action == "reset":
            stored = run_settings.reset_setting(state.engine, name, actor=actor)
        else:
            stored = run_settings.set_setting(
                state.engine, name, run_settings.parse_value(value), actor=actor
            )
    except run_settings.SettingError as exc:
        return _settings_page(request, error=str(exc))
    state.settings_changed()
    return _settings_page(request, message=f"{name} = {json.dumps(stored)}")


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=100),
    page: int = Query(1, ge=1, le=100_000),
    principal: Principal = Depends(require(Permission.AUDIT)),
) -> Response:
    engine = app_state(request).engine
    items, total = audit.query(
        engine, actor=actor or None, action=action or None, limit=PAGE, offset=(page - 1) * PAGE
    )
    return render(
        request,
        "audit.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        verify=audit.verify(engine),
        actor=actor or "",
        action=action or "",
        qs=_qs(actor=actor, action=action),
    )
