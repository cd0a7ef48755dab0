"""The one authorisation dependency: who is asking, and may their role use this route.

Every route declares its rule as `Depends(require(Permission.X))`; `require` looks the role up
in the matrix (insightdesk.governance.roles), checks the CSRF token on cookie-authenticated
writes, and hands the route a Principal. Row scope (team, own) is then applied by the record
queries from that Principal. tests/api/test_api_roles.py walks every route against the matrix.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from insightdesk.api.errors import ApiError
from insightdesk.api.state import AppState, Identity
from insightdesk.governance.clock import sha256
from insightdesk.governance.roles import Permission, Principal
from insightdesk.governance.sessions import load_session
from insightdesk.governance.tokens import load_token

SESSION_COOKIE = "insightdesk_session"
LOGIN_CSRF_COOKIE = "insightdesk_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def app_state(request: Request) -> AppState:
    return request.app.state.insightdesk


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _key(kind: str, secret: str) -> str:
    return kind + ":" + sha256(secret)


def _lookup(state: AppState, kind: str, secret: str) -> Identity | None:
    key = _key(kind, secret)
    # One lookup at a time: a burst of requests with the same expired cache entry queries once.
    with state.auth_lock:
        hit, value = state.auth_cache.get(key)
        if hit:
            return value
        return _query(state, kind, secret, key)


def _query(state: AppState, kind: str, secret: str, key: str) -> Identity | None:
    if kind == "token":
        principal = load_token(state.engine, secret)
        value = Identity(principal, None) if principal else None
    else:
        session = load_session(state.engine, secret)
        value = Identity(session.principal, session.csrf_token, secret) if session else None
    state.auth_cache.put(key, value)
    return value


async def _resolve(state: AppState, kind: str, secret: str) -> Identity | None:
    # A recent answer is served from memory in the event loop; a miss queries the store in a thread.
    hit, value = state.auth_cache.get(_key(kind, secret))
    if hit:
        return value
    return await run_in_threadpool(_lookup, state, kind, secret)


async def identify(request: Request) -> Identity | None:
    """The caller: a bearer token (scripts) or the session cookie (browser); None when neither."""
    if hasattr(request.state, "identity"):
        return request.state.identity
    state = app_state(request)
    auth = request.headers.get("authorization", "")
    identity = None
    if auth.lower().startswith("bearer "):
        identity = await _resolve(state, "token", auth[7:].strip())
        if identity is None:
            raise ApiError(
                401, "invalid_token", "the API token is unknown, expired or revoked; create a new one"
            )
    elif cookie := request.cookies.get(SESSION_COOKIE):
        identity = await _resolve(state, "session", cookie)
    request.state.identity = identity
    return identity


async def _check_csrf(request: Request, identity: Identity, streamed: bool) -> None:
    if identity.csrf_token is None or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
    if not sent and streamed and request.headers.get("content-type", "").startswith(form_types):
        # An upload's body is not read here: the stream reader checks the form's token before the file.
        request.state.csrf_expected = identity.csrf_token
        return
    if not sent and request.headers.get("content-type", "").startswith(form_types):
        form = await request.form()  # Starlette keeps the parsed form for the route's own Form fields
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, identity.csrf_token):
        raise ApiError(403, "csrf_failed", "missing or wrong CSRF token: reload the page and submit again")


def require(
    permission: Permission, *, streamed: bool = False
) -> Callable[[Request], Awaitable[Principal | None]]:
    """The dependency a route declares: `Depends(require(Permission.RECORDS))`.

    `streamed=True` for a route that reads its own body as a stream (uploads): the check then
    never reads the body, so nothing of it is stored before the caller is known.
    """

    async def dependency(request: Request) -> Principal | None:
        if permission is Permission.PUBLIC:
            return None
        identity = await identify(request)
        if identity is None:
            raise ApiError(
                401, "unauthenticated", "sign in (session cookie) or send `Authorization: Bearer <token>`"
            )
        principal = identity.principal
        if not principal.can(permission):
            raise ApiError(
                403,
                "forbidden",
                f"your role ({principal.role.value}) does not grant {permission.value}: ask an admin",
                {"role": principal.role.value, "needs": permission.value},
            )
        await _check_csrf(request, identity, streamed)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the route-matrix test
    dependency.__name__ = f"require_{permission.name.lower()}"
    return dependency


def rule_of(route: object) -> Permission | None:
    """The permission a route declared through `require` (None when it declared none)."""
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant else []
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "permission", None)
        if perm is not None:
            return perm
        stack.extend(dep.dependencies)
    return None
