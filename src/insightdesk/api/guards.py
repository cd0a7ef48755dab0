"""Checks every request passes before any route runs: no control characters in its path or query
string, and no body larger than the route reads.

A NUL byte in a filter used to reach PostgreSQL (which refuses it in text) and come back as a 500;
now any control character (Unicode category Cc: NUL, the other C0 codes, DEL, C1) in a query
parameter or a path segment is a 422 naming the parameter, on every route at once, and so is a NUL
in a JSON member or form field of a body (a NUL user name at the login answered 500 on PostgreSQL).
A JSON or form body is read whole before authentication, so it is capped at `MAX_BODY_BYTES` (413);
the upload routes read their own bodies as streams within the upload limits and are left to them.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from insightdesk.api.errors import error_json, wants_html

MAX_BODY_BYTES = 1024 * 1024
STREAMED_PATHS = frozenset({"/api/v1/ingest", "/upload"})
# Webhooks are verified over their exact bytes and only signal a source: left as the vendor sent them.
SIGNED_PREFIX = "/api/v1/webhooks/"


def control_character(value: str) -> str | None:
    """The first control character of `value` as U+XXXX, or None."""
    for char in value:
        if unicodedata.category(char) == "Cc":
            return f"U+{ord(char):04X}"
    return None


def nul_field(scope: Scope, body: bytes) -> str | None:
    """The JSON member or form field whose text holds a NUL (PostgreSQL refuses NUL in text and
    JSON; none belongs in a request), or None. Newlines and tabs stay allowed: notes hold them."""
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return next((name for name, value in pairs if "\x00" in name + value), None)
    if not kind.endswith("json") or b"\\u0000" not in body.lower():
        return None
    try:
        return _nul_member(json.loads(body), "body")
    except (ValueError, RecursionError):  # not JSON, or nested too deep: the route answers that
        return None


def _nul_member(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        inner = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
        if isinstance(key, str) and "\x00" in key:
            return inner
        found = _nul_member(item, inner)
        if found:
            return found
    return None


class RequestGuard:
    """Plain ASGI middleware (see the module docstring); `router` names a path's parameters."""

    def __init__(self, app: ASGIApp, router: Router, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.router = router
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._bad_text(scope)
        if problem is not None:
            name, where, char = problem
            await _refuse_character(scope, receive, send, f"{where} {name!r}", name, where.split()[0], char)
            return
        if scope["path"] in STREAMED_PATHS:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        await self._buffered(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Read whole (a body without a Content-Length, chunked, is counted as it arrives), then
        # checked for NUL before the route sees it, then replayed to the route.
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        field = None if scope["path"].startswith(SIGNED_PREFIX) else nul_field(scope, body)
        if field is not None:
            await _refuse_character(scope, receive, send, f"body field {field!r}", field, "body", "U+0000")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # a streaming answer waits here for the disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _refuse(
            scope,
            receive,
            send,
            413,
            "too_large",
            f"the request body is over {self.max_body // 1024} KB; files go to POST /api/v1/ingest",
            {"limit_bytes": self.max_body},
        )

    def _bad_text(self, scope: Scope) -> tuple[str, str, str] | None:
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            char = control_character(name) or control_character(value)
            if char:
                return name, "query parameter", char
        char = control_character(scope["path"])
        if char:
            name = self._path_parameter(scope)
            return (name, "path parameter", char) if name else (scope["path"], "path", char)
        return None

    def _path_parameter(self, scope: Scope) -> str | None:
        """The route's name for the path parameter holding a control character (None: no route)."""
        path: str = scope["path"]
        for route in self.router.routes:
            # FastAPI keeps included routers whole: their routes are reached through their contexts.
            contexts = (
                route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
            )
            for ctx in contexts:
                regex = getattr(ctx, "path_regex", None)
                found = regex.match(path) if regex is not None else None
                if found is None:
                    continue
                for name, value in found.groupdict().items():
                    if control_character(value):
                        return name
        return None


async def _refuse_character(
    scope: Scope, receive: Receive, send: Send, what: str, name: str, where: str, char: str
) -> None:
    """422 naming the parameter or body field and the control character it carries."""
    detail = {"parameter": name, "in": where, "character": char}
    message = f"{what} contains the control character {char}: remove it"
    await _refuse(scope, receive, send, 422, "invalid_character", message, detail)


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str, detail: Any
) -> None:
    request = Request(scope, receive)
    response: Response
    if wants_html(request):
        from insightdesk.api.pages.rendering import error_page

        response = error_page(request, status, message)
    else:
        response = error_json(status, code, message, detail)
    await response(scope, receive, send)
