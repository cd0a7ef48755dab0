"""Identity resolution: status (aggregates), the review queue with records side by side, decisions
and unmerge (identity.resolve; every read of the queue and every decision is audited). Runs start
from the CLI (`insightdesk identity run`): training a model is not a request's work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ErrorResponse
from insightdesk.api.schemas.identity import (
    DecisionResult,
    IdentityStatus,
    ReviewDecision,
    ReviewQueue,
    UnmergeRequest,
    UnmergeResult,
)
from insightdesk.api.service_calls import ServiceErrors, run_service
from insightdesk.api.state import AppState
from insightdesk.governance.audit import Actor
from insightdesk.governance.roles import Permission, Principal
from insightdesk.identity import IdentityError, IdentityNotFound, decide, review_queue, status, unmerge

router = APIRouter(
    prefix="/api/v1/identity",
    tags=["identity"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
RESOLVE = Depends(require(Permission.IDENTITY_RESOLVE))


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor(principal.username, principal.role.value, client_ip(request))


SERVICE_ERRORS = ServiceErrors(
    not_found=IdentityNotFound, invalid=IdentityError, invalid_code="invalid_identity_request"
)


def _read(state: AppState, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return run_service(state, fn, SERVICE_ERRORS)


def _write(state: AppState, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # Cached reads are stale afterwards (persons moved): run_service clears them.
    return run_service(state, fn, SERVICE_ERRORS, write=True)


@router.get("/status", response_model=IdentityStatus)
def get_status(request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """Counts of records, persons, link methods, review pairs, constraints and threads; the last run."""
    state = app_state(request)
    return _read(state, lambda: status(state.store))


@router.get("/review", response_model=ReviewQueue)
def get_review(
    request: Request,
    status_filter: str = Query("pending", alias="status", pattern="^(pending|accepted|rejected)$"),
    limit: int = Query(20, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
    principal: Principal = RESOLVE,
) -> dict[str, Any]:
    """Pairs to review with both records side by side, key conflicts first (audited read)."""
    state = app_state(request)
    page = _read(
        state,
        lambda: (
            review_queue(
                state.store,
                status=status_filter,
                limit=limit,
                offset=offset,
                actor=_actor(principal, request),
            ).__dict__
        ),
    )
    return {**page, "limit": limit, "offset": offset}


@router.post("/review/{pair_id}", response_model=DecisionResult, responses={404: {"model": ErrorResponse}})
def post_decision(
    pair_id: str, body: ReviewDecision, request: Request, principal: Principal = RESOLVE
) -> dict[str, Any]:
    """Accept (merge now, must-link for every later run) or reject (cannot-link); audited."""
    state = app_state(request)
    return _write(state, lambda: decide(state.store, pair_id, body.decision, _actor(principal, request)))


@router.post(
    "/persons/{person_id}/unmerge", response_model=UnmergeResult, responses={404: {"model": ErrorResponse}}
)
def post_unmerge(
    person_id: str, body: UnmergeRequest, request: Request, principal: Principal = RESOLVE
) -> dict[str, Any]:
    """Split a person (the named records together, or every record apart); cannot-links keep it split."""
    state = app_state(request)
    actor = _actor(principal, request)
    return _write(state, lambda: unmerge(state.store, person_id, actor, body.record_ids or None))
