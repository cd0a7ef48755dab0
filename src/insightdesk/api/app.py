"""The FastAPI app factory: routers, the error shape, static assets, security headers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from insightdesk import __version__
from insightdesk.api import errors, pages
from insightdesk.api.deps import require
from insightdesk.api.guards import RequestGuard
from insightdesk.api.pages.rendering import compile_templates
from insightdesk.api.routers import actions as action_routes
from insightdesk.api.routers import admin, auth, ingest, insights, metrics, records, surveys, themes
from insightdesk.api.routers import cases as case_routes
from insightdesk.api.routers import changes as change_routes
from insightdesk.api.routers import holds as hold_routes
from insightdesk.api.routers import identity as identity_routes
from insightdesk.api.routers import notifications as notification_routes
from insightdesk.api.routers import packs as pack_routes
from insightdesk.api.routers import privacy as privacy_routes
from insightdesk.api.routers import quality as quality_routes
from insightdesk.api.routers import text_labels as text_label_routes
from insightdesk.api.routers import webhooks as webhook_routes
from insightdesk.api.routers import workforce as workforce_routes
from insightdesk.api.schemas import Health
from insightdesk.api.state import AppState, ServerSettings
from insightdesk.api.views.warm_up import warm
from insightdesk.config import get_settings
from insightdesk.governance import audit
from insightdesk.governance.privacy.compaction import finish_pending_compaction
from insightdesk.governance.roles import Permission
from insightdesk.store import Store, open_store
from insightdesk.web import STATIC_DIR

# Routes outside the role matrix on purpose: documentation and static files, nothing else.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/static"})

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    # Vega compiles its expression language with Function(): 'unsafe-eval', but no inline script.
    "script-src 'self' 'unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def create_app(store: Store | str | None = None, settings: ServerSettings | None = None) -> FastAPI:
    """The app over `store` (an open Store, a DuckDB path or a PostgreSQL URL; opened once)."""
    settings = settings or ServerSettings()
    owned = not isinstance(store, Store)
    if not isinstance(store, Store):  # erasures of a server killed before it rewrote its file
        finish_pending_compaction(store if store is not None else get_settings().db)
    opened = store if isinstance(store, Store) else open_store(store)
    state = AppState(opened, settings)
    from insightdesk.metrics import list_kpis

    # Load the KPI registry now, in one thread: its lazy first load is not safe under concurrent requests.
    list_kpis()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_up:
            threading.Thread(
                target=warm, args=(state, compile_templates), name="insightdesk-warm-up", daemon=True
            ).start()
        scheduler = start_sync_scheduler(app, state)
        packs_stop = start_pack_schedule(state)
        yield
        packs_stop.set()
        if scheduler is not None:
            scheduler.stop()
        # A signed checkpoint of the audit head, so entries cut from the log's end while the
        # server was down are caught by the next `audit verify`.
        audit.checkpoint_on_shutdown(state.engine)
        if owned:
            state.close()
            finish_pending_compaction(opened.target)  # erasures made while serving

    app = FastAPI(
        title="InsightDesk",
        version=__version__,
        description="Customer insight from service-desk tickets, surveys and conversations. "
        "Authenticate with the session cookie (POST /api/v1/auth/login) or `Authorization: Bearer <token>`. "
        'Every error has the shape {"error": {"status", "code", "message", "detail"}}.',
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.insightdesk = state
    errors.install(app)
    routers = (auth, metrics, themes, records, ingest, admin, insights, surveys, privacy_routes)
    for router in (
        *routers,
        text_label_routes,
        identity_routes,
        action_routes,
        pack_routes,
        change_routes,
        notification_routes,
        case_routes,
        hold_routes,
        webhook_routes,
        workforce_routes,
        quality_routes,
    ):
        app.include_router(router.router)
    for page_router in pages.ROUTERS:
        app.include_router(page_router)

    @app.get(
        "/api/v1/health",
        tags=["service"],
        response_model=Health,
        dependencies=[Depends(require(Permission.PUBLIC))],
    )
    def health() -> dict[str, Any]:
        """Liveness: the store answers; `warm_up` says whether the start-up warm-up has finished."""
        return {
            "status": "ok",
            "version": __version__,
            "store": state.store.dialect,
            "warm_up": state.warm_state,
        }

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(require(Permission.PUBLIC))])
    def docs() -> HTMLResponse:
        # Swagger UI 5 (reads OpenAPI 3.1), vendored by scripts/vendor_npm.py: no CDN, and no
        # online validator badge (it would call validator.swagger.io).
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="InsightDesk API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui-favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    # Inside the headers middleware, so its refusals carry the security headers too.
    app.add_middleware(RequestGuard, router=app.router)
    app.add_middleware(HeadersMiddleware)
    return app


def start_sync_scheduler(app: FastAPI, state: AppState) -> Any:
    """The connectors' pull loop, when INSIGHTDESK_SYNC_SCHEDULER is on (webhooks wake it)."""
    from insightdesk.config import get_settings
    from insightdesk.connectors import SyncScheduler

    if not get_settings().sync_scheduler:
        return None
    from insightdesk.actions.sync_lag import check_sync_lag  # raises/clears the sync-lag alerts

    scheduler = SyncScheduler(state.store, lock=state.write_lock, after_pulls=check_sync_lag)
    app.state.sync_scheduler = scheduler
    scheduler.start()
    return scheduler


def start_pack_schedule(state: AppState, every_s: float = 300.0) -> threading.Event:
    """Scheduled review packs (the `packs.schedule` setting): checked every `every_s`, under the
    write lock and the metrics lock (a pack computes KPIs on the store's shared connection, as a
    request does); setting the returned event stops the loop. An empty schedule costs one read a tick."""
    from insightdesk.actions.packs_schedule import pack_loop_tick

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            with state.write_lock, state.metrics_lock:
                pack_loop_tick(state.store)

    threading.Thread(target=loop, name="insightdesk-packs", daemon=True).start()
    return stop


class HeadersMiddleware:
    """Security headers, no-store on pages and API answers, and the server time (Server-Timing).

    Plain ASGI rather than @app.middleware: no per-request task and body re-streaming.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
                headers.append("X-Content-Type-Options", "nosniff")
                headers.append("X-Frame-Options", "DENY")
                headers.append("Referrer-Policy", "same-origin")
                if not path.startswith("/docs"):
                    headers.append("Content-Security-Policy", CSP)
                if path.startswith("/api/") or "text/html" in headers.get("content-type", ""):
                    headers.append("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_rules(app: FastAPI) -> tuple[list[tuple[str, str, Permission | None]], list[str]]:
    """Every (method, path, declared permission) of the app, and the paths of non-API routes."""
    from fastapi.routing import APIRoute

    from insightdesk.api.deps import rule_of

    api: list[tuple[str, str, Permission | None]] = []
    other: list[str] = []
    for route in app.routes:
        # FastAPI >= 0.16x keeps included routers whole; older versions flatten them into APIRoutes.
        contexts = (
            list(route.effective_route_contexts()) if hasattr(route, "effective_route_contexts") else [route]
        )
        for ctx in contexts:
            if isinstance(ctx, APIRoute) or hasattr(ctx, "dependant"):
                path: str = getattr(ctx, "path", "")
                methods: set[str] = set(getattr(ctx, "methods", None) or ())
                api += [(m, path, rule_of(ctx)) for m in sorted(methods - {"HEAD"})]
            else:
                other.append(getattr(ctx, "path", repr(ctx)))
    return api, other
