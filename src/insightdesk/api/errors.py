"""One error shape for every failure: {"error": {"status", "code", "message", "detail"}}."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
T = TypeVar("T")


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    detail: Any = None


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer of the API has this shape."""

    error: ErrorBody


class ApiError(Exception):
    """An error a route raises on purpose: status, a stable code and a message saying what to do."""

    def __init__(
        self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.headers = (
            status,
            code,
            message,
            detail,
            headers,
        )


_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


def metrics_errors(fn: Callable[[], T]) -> T:
    """`fn()`, with a metrics request the engine refuses answered as a 422 that says why."""
    from insightdesk.metrics import MetricsError

    try:
        return fn()
    except MetricsError as exc:
        raise ApiError(422, "invalid_metric_request", str(exc)) from exc


def error_json(
    status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"status": status, "code": code, "message": message, "detail": detail}}
    return JSONResponse(body, status_code=status, headers=headers)


def wants_html(request: Request) -> bool:
    """Page requests (not /api/, browser Accept) get HTML errors and login redirects."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if wants_html(request):
            from insightdesk.api.pages.rendering import error_page

            if exc.status == 401:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            return error_page(request, exc.status, exc.message)
        return error_json(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if wants_html(request):
            from insightdesk.api.pages.rendering import error_page

            return error_page(request, exc.status_code, message)
        return error_json(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg"),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        if wants_html(request):
            from insightdesk.api.pages.rendering import error_page

            return error_page(request, 422, "; ".join(f"{d['field']}: {d['message']}" for d in detail))
        return error_json(422, "invalid_request", "the request does not match the API: see detail", detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_json(
            500, "internal_error", f"unexpected {exc.__class__.__name__}; the server log has the trace"
        )
