"""Upload and administration pages: file upload, accounts, run-time settings and the audit log."""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.context import PAGE, page_count, qs
from insightdesk.api.pages.rendering import render
from insightdesk.governance import audit, users
from insightdesk.governance import settings as run_settings
from insightdesk.governance.passwords import PasswordError
from insightdesk.governance.roles import Permission, Principal, Role

router = APIRouter(include_in_schema=False)


def _upload_page(request: Request, **context: Any) -> Response:
    from insightdesk.api.routers.ingest import AUTO_KIND
    from insightdesk.api.upload_progress import UPLOAD_ID
    from insightdesk.ingest import KINDS, available_profiles

    # A fresh name per page view: the page's script follows this upload's phases under it.
    return render(
        request,
        "upload.html",
        auto_kind=AUTO_KIND,
        kinds=KINDS,
        profiles=available_profiles(),
        upload_id=secrets.token_urlsafe(12),
        upload_id_pattern=UPLOAD_ID.pattern,
        **context,
    )


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, principal: Principal = Depends(require(Permission.INGEST))) -> Response:
    return _upload_page(request, result=None, error=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload_submit(
    request: Request, principal: Principal = Depends(require(Permission.INGEST, streamed=True))
) -> Response:
    from insightdesk.api.routers.ingest import receive_and_ingest

    # The page posts to the same streamed ingestion as the API (limits, CSRF before the file).
    error, result, status = None, None, 201
    try:
        result = await receive_and_ingest(request, principal)
    except ApiError as exc:
        error, status = exc.message, exc.status
    return _upload_page(request, status_code=status, result=result, error=error)


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
        pages=page_count(total),
        verify=audit.verify(engine),
        actor=actor or "",
        action=action or "",
        qs=qs(actor=actor, action=action),
    )
