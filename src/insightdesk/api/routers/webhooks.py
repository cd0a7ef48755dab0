"""Helpdesk webhooks (public: the signature or shared secret is the credential) and sync status.

A webhook only signals a source; the next pull (the scheduler's, woken at once when it runs, or
`insightdesk sync`) fetches the truth. The status route is an aggregate, scoped by department for
team-scoped roles (a team lead sees the sources of their teams' departments).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request

from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.connectors import SourceSyncStatusList, WebhookReceipt
from insightdesk.connectors import (
    SourceConfig,
    SourceConfigError,
    WebhookRejected,
    load_sources,
    record_event,
    sync_status,
    verify_servicenow,
    verify_zendesk,
    visible_departments,
    webhook_secret,
)
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["connectors"],
    responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)
VERIFY = {"zendesk": verify_zendesk, "servicenow": verify_servicenow}


def _source(vendor: str, name: str) -> SourceConfig:
    try:
        source = load_sources().get(name)
    except SourceConfigError:
        source = None
    if source is None or source.vendor != vendor:
        raise ApiError(404, "unknown_source", f"no {vendor} source named {name!r} is configured")
    return source


async def _receive(vendor: str, name: str, request: Request) -> dict[str, Any]:
    source = _source(vendor, name)
    try:
        secret = webhook_secret(source)
    except SourceConfigError as exc:
        raise ApiError(503, "webhook_not_configured", str(exc)) from None
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        event = VERIFY[vendor](secret, headers, body)
    except WebhookRejected as exc:
        raise ApiError(exc.status, "webhook_rejected", str(exc)) from None
    state = app_state(request)
    fresh = record_event(state.engine, source.name, event)
    scheduler = getattr(request.app.state, "sync_scheduler", None)
    if fresh and scheduler is not None:
        scheduler.wake()
    return {"source": source.name, "event_id": event.event_id, "duplicate": not fresh}


@router.post(
    "/webhooks/zendesk/{source}",
    response_model=WebhookReceipt,
    status_code=202,
    dependencies=[Depends(require(Permission.PUBLIC))],
)
async def zendesk_webhook(source: str, request: Request) -> dict[str, Any]:
    """A Zendesk webhook, verified by its HMAC-SHA256 signature and timestamp."""
    return await _receive("zendesk", source, request)


@router.post(
    "/webhooks/servicenow/{source}",
    response_model=WebhookReceipt,
    status_code=202,
    dependencies=[Depends(require(Permission.PUBLIC))],
)
async def servicenow_webhook(source: str, request: Request) -> dict[str, Any]:
    """A ServiceNow outbound REST message, verified by its shared secret."""
    return await _receive("servicenow", source, request)


@router.get("/sources", response_model=SourceSyncStatusList)
def sources(
    request: Request, principal: Principal = Depends(require(Permission.AGGREGATES))
) -> dict[str, Any]:
    """Sync status per source (last success, rows, errors, lag), within the caller's departments."""
    state = app_state(request)
    departments = visible_departments(state.engine, principal) if principal else set()
    rows = [asdict(r) for r in sync_status(state.engine, departments)]
    return {"sources": rows, "lagging": [r["source"] for r in rows if r["lagging"]]}
