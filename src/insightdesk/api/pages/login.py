"""Signing in and out of the dashboard: the login form (double-submit CSRF) and logout."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, app_state, client_ip, identify, require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.rendering import render
from insightdesk.api.routers.auth import password_login, set_session_cookie
from insightdesk.governance.roles import Permission, Principal
from insightdesk.governance.sessions import revoke_session

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    # Only a path on this site: an absolute or protocol-relative URL would be an open redirect.
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
