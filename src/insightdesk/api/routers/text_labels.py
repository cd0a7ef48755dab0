"""People correct the machine: labels on texts, the user-trainable intent classifier, the review queue.

Every route needs insights.manage (the roles that curate themes); texts outside the caller's row
scope cannot be labelled or seen in the queue. Label writes and trainings are audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.text_labels import (
    ClassifierList,
    ReviewQueue,
    TextLabelCreate,
    TextLabelList,
    TextLabelPublic,
    TrainResult,
)
from insightdesk.api.service_calls import ServiceErrors, run_service
from insightdesk.governance import audit
from insightdesk.governance.records_scope import text_scope
from insightdesk.governance.roles import Permission, Principal
from insightdesk.text import intent_store, labels
from insightdesk.text.intents import TrainingError

router = APIRouter(
    prefix="/api/v1/text",
    tags=["text labels"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
CURATE = Depends(require(Permission.INSIGHTS))
T = TypeVar("T")
NO_MAPPING = ServiceErrors()


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _write(request: Request, fn: Callable[[], T]) -> T:
    # One writer; cached dashboard reads are stale afterwards (api/service_calls.py). The routes map
    # their own errors, which differ per route, so none is mapped here.
    return run_service(app_state(request), fn, NO_MAPPING, write=True)


def _read(request: Request, fn: Callable[[], T]) -> T:
    return run_service(app_state(request), fn, NO_MAPPING)


@router.post("/labels", response_model=TextLabelPublic)
def create_label(body: TextLabelCreate, request: Request, principal: Principal = CURATE) -> dict[str, Any]:
    """Correct a text's theme, sentiment, intent or risk: stored with who and when; sentiment and
    theme corrections show at once and survive re-analysis. Audited."""
    state = app_state(request)
    key = labels.TextKey(body.entity, body.record_id, body.field)
    try:
        row = _write(
            request,
            lambda: labels.record_label(
                state.store, key, body.kind, body.value, labelled_by=principal.username, note=body.note,
                scope=text_scope(principal),
            ),
        )  # fmt: skip
    except labels.LabelError as exc:
        raise ApiError(422, "invalid_label", str(exc)) from exc
    actor = audit.Actor(principal.username, principal.role.value, client_ip(request))
    audit.append_by(
        state.engine, actor, "text.label", body.entity, [body.record_id],
        {"field": body.field, "kind": body.kind, "from": row["machine_value"], "to": row["value"]},
    )  # fmt: skip
    return _plain(row)


@router.get("/labels", response_model=TextLabelList)
def list_labels(
    request: Request,
    kind: str | None = Query(None, pattern="^(theme|sentiment|intent|risk)$"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    principal: Principal = CURATE,
) -> dict[str, Any]:
    """Corrections on texts the caller reaches, newest first."""
    store = app_state(request).store
    df = _read(
        request,
        lambda: labels.list_labels(store, kind=kind, limit=limit, offset=offset, scope=text_scope(principal)),
    )
    rows = [_plain(r) for r in df.astype(object).where(df.notna(), None).to_dict("records")]
    return {"total_shown": len(rows), "labels": rows}


@router.post("/classifier/train", response_model=TrainResult)
def train(request: Request, principal: Principal = CURATE) -> dict[str, Any]:
    """Train the intent classifier on the intent labels; the new model becomes active only if it
    beats the active one on held-out labels (recorded either way). Audited."""
    state = app_state(request)
    try:
        report = _write(
            request, lambda: intent_store.train_classifier(state.store, trained_by=principal.username)
        )
    except TrainingError as exc:
        raise ApiError(422, "cannot_train", str(exc)) from exc
    actor = audit.Actor(principal.username, principal.role.value, client_ip(request))
    audit.append_by(
        state.engine, actor, "text.classifier.train", "text_classifiers", [report.classifier_id],
        {"activated": report.activated, "decision": report.decision},
    )  # fmt: skip
    return vars(report)


@router.get("/classifier", response_model=ClassifierList)
def classifiers(request: Request, principal: Principal = CURATE) -> dict[str, Any]:
    """Every trained intent model, newest first, with its held-out score and the activation decision."""
    store = app_state(request).store
    df = _read(request, lambda: intent_store.classifier_history(store))
    rows = [_plain(r) for r in df.astype(object).where(df.notna(), None).to_dict("records")]
    for r in rows:
        r["classes"] = json.loads(r["classes"])
    return {"models": rows}


@router.get("/review-queue", response_model=ReviewQueue)
def review_queue(
    request: Request,
    below: float = Query(0.5, ge=0.0, le=1.0, description="Confidence under which a prediction waits."),
    limit: int = Query(25, ge=1, le=500),
    principal: Principal = CURATE,
) -> dict[str, Any]:
    """Least confident intent predictions nobody has labelled yet, in the caller's scope (redacted text)."""
    store = app_state(request).store
    df = _read(
        request,
        lambda: intent_store.review_queue(store, below=below, limit=limit, scope=text_scope(principal)),
    )
    items = df.astype(object).where(df.notna(), None).to_dict("records")
    return {"below": below, "items": items}
