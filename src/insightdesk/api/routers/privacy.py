"""Privacy: subject access and erasure requests with four eyes, and the consent ledger.

Every route needs privacy.manage; every step is audited without personal data. An erasure on a
DuckDB store leaves the erased rows in the file's free blocks until the file is rewritten, which
the server does as it stops (governance/privacy/compaction.py says why not sooner): the answer
says so (`compaction_pending`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.privacy import (
    ConsentIn,
    ConsentState,
    PrivacyOutcome,
    PrivacyRequestIn,
    PrivacyRequestList,
    PrivacyRequestOut,
    RefusalIn,
)
from insightdesk.governance import audit
from insightdesk.governance.audit import Actor
from insightdesk.governance.privacy import ConsentError, ConsentPurpose, has_consent, record_consent, service
from insightdesk.governance.privacy.consent import consent_history
from insightdesk.governance.privacy.erasure import ErasureRefused
from insightdesk.governance.privacy.export import NoRecords
from insightdesk.governance.privacy.requests import RequestError, RequestRow, get_request, list_requests
from insightdesk.governance.privacy.subject import SubjectError
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/privacy",
    tags=["privacy"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
PRIVACY = Depends(require(Permission.PRIVACY))
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}}


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor(principal.username, principal.role.value, client_ip(request))


def _out(row: RequestRow) -> dict[str, Any]:
    fields = {k: getattr(row, k) for k in PrivacyRequestOut.model_fields if k != "overdue"}
    return {**fields, "kind": row.kind.value, "state": row.state.value, "overdue": row.overdue}


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, RequestError) and str(exc).startswith("no privacy request"):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, NoRecords):
        return ApiError(404, "no_records", str(exc))
    if isinstance(exc, ErasureRefused | RequestError):
        return ApiError(409, "refused", str(exc))
    return ApiError(422, "invalid_request", str(exc))


_ERRORS = (RequestError, ErasureRefused, NoRecords, SubjectError, ConsentError)


@router.get("/requests", response_model=PrivacyRequestList)
def requests_list(request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """Every request, newest first, with its state, due date and whether it is overdue."""
    with app_state(request).engine.begin() as conn:
        return {"items": [_out(r) for r in list_requests(conn)]}


@router.post("/requests", response_model=PrivacyRequestOut, status_code=201)
def request_file(body: PrivacyRequestIn, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """File a request (state received, due in 30 days)."""
    state = app_state(request)
    try:
        with state.write_lock:
            request_id = service.file(
                state.engine,
                body.kind,
                _actor(principal, request),
                customer_id=body.customer_id,
                email=body.email,
            )
            with state.engine.begin() as conn:
                return _out(get_request(conn, request_id))
    except _ERRORS as exc:
        raise _refused(exc) from None


@router.post("/requests/{request_id}/run", response_model=PrivacyOutcome, responses=NOT_FOUND)
def request_run(request_id: str, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """Carry out a ready request: an export answers with its content, an erasure with its counts."""
    state = app_state(request)
    try:
        with state.write_lock:
            outcome = service.carry_out(state.engine, request_id, _actor(principal, request))
    except _ERRORS as exc:
        raise _refused(exc) from None
    export = outcome.export
    return {
        "request": _out(outcome.request),
        "counts": outcome.counts,
        "compaction_pending": outcome.compaction_pending,
        "export": {"manifest": export.manifest, "tables": export.tables} if export else None,
    }


def _step(
    request: Request, principal: Principal, request_id: str, step: str, reason: str = ""
) -> dict[str, Any]:
    state = app_state(request)
    try:
        with state.write_lock:
            row = service.transition(state.engine, request_id, step, _actor(principal, request), reason)
    except _ERRORS as exc:
        raise _refused(exc) from None
    return _out(row)


@router.post("/requests/{request_id}/verify", response_model=PrivacyRequestOut, responses=NOT_FOUND)
def request_verify(request_id: str, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """Record that the requester's identity was checked."""
    return _step(request, principal, request_id, "verify")


@router.post("/requests/{request_id}/approve", response_model=PrivacyRequestOut, responses=NOT_FOUND)
def request_approve(request_id: str, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """The second pair of eyes: approve a verified request someone else filed."""
    return _step(request, principal, request_id, "approve")


@router.post("/requests/{request_id}/refuse", response_model=PrivacyRequestOut, responses=NOT_FOUND)
def request_refuse(
    request_id: str, body: RefusalIn, request: Request, principal: Principal = PRIVACY
) -> dict[str, Any]:
    """Refuse an open request, with the reason."""
    return _step(request, principal, request_id, "refuse", body.reason)


@router.post("/consent", response_model=ConsentState, status_code=201)
def consent_record(body: ConsentIn, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """Record a consent decision (source `api`), audited."""
    state = app_state(request)
    actor = _actor(principal, request)
    try:
        with state.write_lock:
            with state.engine.begin() as conn:
                event = record_consent(
                    conn,
                    body.customer_id,
                    body.purpose,
                    body.granted,
                    "api",
                    actor.name,
                    provenance=body.provenance,
                )
            audit.append_by(
                state.engine, actor, "privacy.consent", "consent_events", [event], {"purpose": body.purpose}
            )
    except _ERRORS as exc:
        raise _refused(exc) from None
    return _consent(state.engine, body.customer_id)


@router.get("/consent/{customer_id}", response_model=ConsentState)
def consent_show(customer_id: str, request: Request, principal: Principal = PRIVACY) -> dict[str, Any]:
    """A person's consent per purpose now (unknown means no) and how many decisions are on file."""
    return _consent(app_state(request).engine, customer_id)


def _consent(engine: Any, customer_id: str) -> dict[str, Any]:
    with engine.begin() as conn:
        purposes = {p.value: has_consent(conn, customer_id, p) for p in ConsentPurpose}
        events = len(consent_history(conn, customer_id))
    return {"customer_id": customer_id, "purposes": purposes, "events": events}
