"""Login, logout, the caller's own profile and API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from insightdesk.api.deps import SESSION_COOKIE, app_state, client_ip, identify, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas import LoginRequest, Me, TokenCreated, TokenList, TokenRequest
from insightdesk.api.state import AppState
from insightdesk.governance import tokens
from insightdesk.governance.roles import MATRIX, Permission, Principal
from insightdesk.governance.sessions import create_session, revoke_session
from insightdesk.governance.users import AccountError, Actor, LoginFailed, LoginLocked, authenticate

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses={401: {"model": ErrorResponse}})


def me_of(principal: Principal, csrf: str | None) -> Me:
    return Me(
        username=principal.username,
        role=principal.role.value,
        scope=principal.scope.value,
        team_ids=list(principal.team_ids),
        agent_id=principal.agent_id,
        permissions=sorted(p.value for p in MATRIX[principal.role]),
        via=principal.via,
        csrf_token=csrf,
    )


def set_session_cookie(response: Response, state: AppState, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(state.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
        path="/",
    )


def password_login(
    state: AppState, username: str, password: str, ip: str | None
) -> tuple[Principal, str, str]:
    """Authenticate, then open a session: (principal, cookie secret, csrf). Raises ApiError."""
    import datetime as dt

    try:
        principal = authenticate(state.engine, username, password, ip=ip, policy=state.settings.login_policy)
    except LoginLocked as exc:
        raise ApiError(429, "locked", str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    except LoginFailed as exc:
        raise ApiError(401, "login_failed", "wrong user name or password") from exc
    secret, csrf = create_session(
        state.engine, principal.username, ip=ip, ttl=dt.timedelta(hours=state.settings.session_hours)
    )
    return principal, secret, csrf


@router.post(
    "/auth/login",
    response_model=Me,
    dependencies=[Depends(require(Permission.PUBLIC))],
    responses={429: {"model": ErrorResponse}},
)
def login(body: LoginRequest, request: Request, response: Response) -> Me:
    """Password login: sets the HttpOnly session cookie and returns the CSRF token for writes."""
    state = app_state(request)
    principal, secret, csrf = password_login(state, body.username, body.password, client_ip(request))
    set_session_cookie(response, state, secret)
    return me_of(principal, csrf)


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))
) -> Response:
    """End the session (its cookie stops working at once)."""
    identity = await identify(request)
    state = app_state(request)
    if identity and identity.session_secret:
        revoke_session(state.engine, identity.session_secret)
        state.auth_cache.clear()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
async def me(request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))) -> Me:
    identity = await identify(request)
    return me_of(principal, identity.csrf_token if identity else None)


@router.get("/tokens", response_model=TokenList)
def list_my_tokens(
    request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))
) -> dict[str, Any]:
    """Your API tokens (admins: everyone's), without secrets."""
    owner = None if principal.can(Permission.USERS) else principal.username
    return {"items": tokens.list_tokens(app_state(request).engine, owner)}


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_my_token(
    body: TokenRequest, request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))
) -> TokenCreated:
    """A new API token acting as you; the secret is in this response only."""
    actor = Actor(principal.username, principal.role.value, client_ip(request))
    try:
        row = tokens.create_token(
            app_state(request).engine, principal.username, actor=actor, name=body.name, days=body.days
        )
    except AccountError as exc:
        raise ApiError(422, "invalid_token_request", str(exc)) from exc
    return TokenCreated(**row)


@router.delete("/tokens/{token_id}", status_code=204, responses={404: {"model": ErrorResponse}})
def revoke_my_token(
    token_id: str, request: Request, principal: Principal = Depends(require(Permission.AUTHENTICATED))
) -> Response:
    state = app_state(request)
    owner = None if principal.can(Permission.USERS) else principal.username
    actor = Actor(principal.username, principal.role.value, client_ip(request))
    if not tokens.revoke_token(state.engine, token_id, actor=actor, owner=owner):
        raise ApiError(404, "not_found", f"no live token {token_id!r} of yours")
    state.auth_cache.clear()
    return Response(status_code=204)
