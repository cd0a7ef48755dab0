"""Accounts and the audit log: admins only."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.params import MAX_LIMIT, next_link
from insightdesk.api.schemas import (
    AuditPage,
    AuditVerify,
    SettingList,
    SettingUpdate,
    SettingValue,
    UserCreate,
    UserList,
    UserPublic,
    UserUpdate,
)
from insightdesk.governance import audit, users
from insightdesk.governance import settings as run_settings
from insightdesk.governance.passwords import PasswordError
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1", tags=["admin"], responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}}
)
USERS = Depends(require(Permission.USERS))
AUDIT = Depends(require(Permission.AUDIT))
SETTINGS = Depends(require(Permission.SETTINGS))


def _actor(principal: Principal, request: Request) -> users.Actor:
    return users.Actor(principal.username, principal.role.value, client_ip(request))


@router.get("/users", response_model=UserList)
def list_users(request: Request, principal: Principal = USERS) -> dict[str, Any]:
    return {"items": users.list_users(app_state(request).engine)}


@router.post(
    "/users",
    response_model=UserPublic,
    status_code=201,
    responses={409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def create_user(body: UserCreate, request: Request, principal: Principal = USERS) -> UserPublic:
    state = app_state(request)
    try:
        row = users.create_user(
            state.engine,
            body.username,
            body.password,
            body.role,
            actor=_actor(principal, request),
            display_name=body.display_name,
            team_ids=body.team_ids,
            agent_id=body.agent_id,
        )
    except (users.AccountError, PasswordError, ValueError) as exc:
        code = 409 if "already exists" in str(exc) else 422
        raise ApiError(code, "invalid_user", str(exc)) from exc
    return UserPublic(**row)


@router.patch(
    "/users/{username}",
    response_model=UserPublic,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def update_user(
    username: str, body: UserUpdate, request: Request, principal: Principal = USERS
) -> UserPublic:
    """Change role and scope, or disable / re-enable (disabling revokes sessions and tokens)."""
    state = app_state(request)
    if users.get_user(state.engine, username) is None:
        raise ApiError(404, "not_found", f"no user {username!r}")
    try:
        if body.role is not None:
            users.set_role(
                state.engine,
                username,
                body.role,
                actor=_actor(principal, request),
                team_ids=body.team_ids,
                agent_id=body.agent_id,
            )
        if body.password is not None:
            users.set_password(state.engine, username, body.password, actor=_actor(principal, request))
        if body.active is not None:
            users.set_active(state.engine, username, body.active, actor=_actor(principal, request))
    except (users.AccountError, PasswordError, ValueError) as exc:
        raise ApiError(422, "invalid_user", str(exc)) from exc
    state.auth_cache.clear()
    row = users.get_user(state.engine, username)
    assert row is not None
    return UserPublic(**row)


@router.get("/settings", response_model=SettingList)
def list_settings(request: Request, principal: Principal = SETTINGS) -> dict[str, Any]:
    """Every run-time setting with its value, default and last change."""
    return {"items": run_settings.all_settings(app_state(request).engine)}


@router.put(
    "/settings/{name}",
    response_model=SettingValue,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def change_setting(
    name: str, body: SettingUpdate, request: Request, principal: Principal = SETTINGS
) -> dict[str, Any]:
    """Change one setting (checked; audited as settings.change with the old and new value)."""
    state = app_state(request)
    if name not in run_settings.SETTINGS:
        raise ApiError(404, "not_found", f"no setting {name!r}; known: {', '.join(run_settings.SETTINGS)}")
    try:
        value = run_settings.set_setting(state.engine, name, body.value, actor=_actor(principal, request))
    except run_settings.SettingError as exc:
        raise ApiError(422, "invalid_setting", str(exc)) from exc
    state.settings_changed()
    return {"name": name, "value": value}


@router.delete("/settings/{name}", response_model=SettingValue, responses={404: {"model": ErrorResponse}})
def reset_setting(name: str, request: Request, principal: Principal = SETTINGS) -> dict[str, Any]:
    """Back to the default (audited)."""
    state = app_state(request)
    if name not in run_settings.SETTINGS:
        raise ApiError(404, "not_found", f"no setting {name!r}")
    value = run_settings.reset_setting(state.engine, name, actor=_actor(principal, request))
    state.settings_changed()
    return {"name": name, "value": value}


@router.get("/audit", response_model=AuditPage)
def audit_entries(
    request: Request,
    actor: str | None = Query(None, max_length=200),
    action: str | None = Query(
        None, max_length=100, description="Exact, or a family with a trailing * (user.*)."
    ),
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = AUDIT,
) -> AuditPage:
    """Audit entries, newest first."""
    items, total = audit.query(
        app_state(request).engine,
        actor=actor,
        action=action,
        since=dt.datetime.combine(since, dt.time()) if since else None,
        until=dt.datetime.combine(until, dt.time()) if until else None,
        limit=limit,
        offset=offset,
    )
    return AuditPage.model_validate(
        {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next": next_link(request, limit, offset, total),
        }
    )


@router.get("/audit/verify", response_model=AuditVerify)
def audit_verify(request: Request, principal: Principal = AUDIT) -> AuditVerify:
    """Recompute the hash chain: ok, or the first entry that was changed, inserted or removed."""
    return AuditVerify(**audit.verify(app_state(request).engine).as_dict())


@router.get(
    "/audit/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def audit_export(
    request: Request, format: Literal["csv", "jsonl"] = "csv", principal: Principal = AUDIT
) -> Response:
    """The whole log (the export itself is logged first, so it appears in what it exports)."""
    state = app_state(request)
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=client_ip(request),
        action="export",
        target="audit_log",
        detail={"format": format},
    )
    rows, _ = audit.query(state.engine, limit=None)
    rows.reverse()
    if format == "jsonl":
        return Response(
            audit.to_jsonl(rows),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
        )
    return Response(
        audit.to_csv(rows),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
