"""Surveys: definitions and versions, ticket events for the triggers, programme health, in-app answers.

Managing surveys needs surveys.manage; the funnel is an aggregate. The in-app routes under
`/api/v1/s/{token}` are public: the signed link is the credential (one response per invitation),
so an app can embed the survey as its own form.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.surveys import (
    InAppAnswers,
    InAppPage,
    PlanOutcome,
    SurveyDefinitionIn,
    SurveyHealth,
    SurveyList,
    SurveySaved,
    SurveyVersionDetail,
    TicketEventIn,
)
from insightdesk.governance.roles import Permission, Principal
from insightdesk.surveys import (
    DefinitionError,
    SurveyNotFound,
    SurveyPage,
    TriggerError,
    get_version,
    link_signer,
    list_versions,
    open_page,
    publish,
    save_definition,
    submit_page,
    submit_ticket_event,
)
from insightdesk.surveys.answers import FIELD_PREFIX
from insightdesk.surveys.comment_analysis import comment_queue
from insightdesk.surveys.health import funnel, nonresponse_bias

router = APIRouter(
    prefix="/api/v1",
    tags=["surveys"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
MANAGE = Depends(require(Permission.SURVEYS))
PUBLIC = Depends(require(Permission.PUBLIC))
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}


def _definition_error(exc: DefinitionError) -> ApiError:
    return ApiError(422, "invalid_survey", str(exc), {"survey": exc.survey, "problems": exc.problems})


@router.get("/surveys", response_model=SurveyList)
def list_surveys(request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """Every version of every survey, newest first within a survey."""
    return {"versions": list_versions(app_state(request).engine)}


@router.post("/surveys", response_model=SurveySaved, status_code=201)
def save_survey(body: SurveyDefinitionIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Save a definition (YAML) as a draft; a version that has been sent is never changed."""
    state = app_state(request)
    try:
        with state.write_lock:
            saved = save_definition(
                state.engine, body.definition, actor=principal.username, name="definition"
            )
    except DefinitionError as exc:
        raise _definition_error(exc) from None
    return saved.__dict__


@router.get("/surveys/health", response_model=SurveyHealth)
def survey_health(
    request: Request,
    survey: str | None = Query(
        None, max_length=60, description="Also test non-response bias for this survey."
    ),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Funnel per survey and channel with the response rate and its 95% interval."""
    engine = app_state(request).engine
    return {"funnel": funnel(engine), "nonresponse": nonresponse_bias(engine, survey) if survey else None}


@router.get("/surveys/{survey_id}", response_model=SurveyVersionDetail, responses=NOT_FOUND)
def get_survey(
    survey_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=1_000_000),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """One version (the latest by default) with its definition."""
    try:
        stored = get_version(app_state(request).engine, survey_id, version)
    except SurveyNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return {
        "survey_id": stored.survey_id,
        "version": stored.version,
        "status": stored.status,
        "immutable": stored.immutable,
        "definition": json.loads(stored.definition.canonical_json()),
    }


@router.post("/surveys/{survey_id}/publish", response_model=SurveyVersionDetail, responses=NOT_FOUND)
def publish_survey(
    survey_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=1_000_000),
    principal: Principal = MANAGE,
) -> dict[str, Any]:
    """Put a version in force (refused while a question is untranslated)."""
    state = app_state(request)
    try:
        with state.write_lock:
            publish(state.engine, survey_id, version, actor=principal.username)
    except SurveyNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except DefinitionError as exc:
        raise _definition_error(exc) from None
    return get_survey(survey_id, request, version, principal)


@router.post("/surveys/events", response_model=PlanOutcome)
def ticket_event(body: TicketEventIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """A ticket event from a helpdesk webhook or a script: invitations planned (or suppressed) at once."""
    state = app_state(request)
    try:
        with state.write_lock:
            result = submit_ticket_event(state.engine, body.ticket_id, body.event, body.occurred_at)
    except TriggerError as exc:
        raise ApiError(422, "invalid_event", str(exc)) from None
    return {"planned": result.planned, "suppressed": result.suppressed}


def _in_app(page: SurveyPage) -> dict[str, Any]:
    language = page.language
    definition = page.definition

    def text(texts: dict[str, str]) -> str:
        fallback = definition.fallback_language if definition else "en"
        return texts.get(language) or texts.get(fallback) or ""

    return {
        "state": page.state,
        "language": language,
        "cursor": page.cursor,
        "problems": page.problems,
        "questions": [
            {
                "id": q.id,
                "type": q.type,
                "text": text(q.text),
                "required": q.required,
                "scale": list(q.scale) if q.scale else None,
                "options": [{"id": o.id, "text": text(o.text)} for o in q.options],
            }
            for q in page.questions
        ],
    }


@router.get("/s/{token}", response_model=InAppPage, tags=["survey links"])
def in_app_page(token: str, request: Request, principal: None = PUBLIC) -> dict[str, Any]:
    """The current page of a survey link, for an app's own form (no account: the link is the key)."""
    state = app_state(request)
    with state.write_lock:
        return _in_app(open_page(state.engine, link_signer(state.engine), token[:500]))


@router.post("/s/{token}", response_model=InAppPage, tags=["survey links"])
def in_app_answer(
    token: str,
    body: InAppAnswers,
    request: Request,
    background: BackgroundTasks,
    principal: None = PUBLIC,
) -> dict[str, Any]:
    """Answer the current page: the next page, the same page with problems, or `done`."""
    state = app_state(request)
    form = {
        FIELD_PREFIX + key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for key, value in body.answers.items()
    }
    with state.write_lock:
        page = submit_page(state.engine, link_signer(state.engine), token[:500], body.cursor, form)
    if page.comment_ids:  # text analysis after the answer has gone back (surveys.comment_analysis)
        queue = comment_queue(state)
        queue.add(page.comment_ids)
        background.add_task(queue.drain, state.store, state.write_lock)
    return _in_app(page)
