"""Quality assurance: rubrics, review samples, evaluations, calibration rounds, scorecards, skill gaps and
coaching. Reading people's QA records needs `records.read` and keeps to the role's scope (agents their
own, team leads their teams'), each read audited; writing (rubrics, reviews, plans) `insights.manage`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.quality import (
    Calibration,
    CalibrationIn,
    CalibrationList,
    Evaluation,
    EvaluationIn,
    EvaluationList,
    Plan,
    PlanIn,
    PlanList,
    PlanProgress,
    RubricIn,
    RubricList,
    RubricOut,
    SampleRequest,
    SampleResult,
    Scorecards,
    SegmentScores,
    SessionIn,
    SkillGaps,
    StatusIn,
    TeamScores,
)
from insightdesk.api.service_calls import ServiceErrors, json_ready, run_service
from insightdesk.api.views.skill_gaps import desk_skill_gaps
from insightdesk.governance.roles import Permission, Principal
from insightdesk.quality import (
    NotInScope,
    RubricError,
    add_session,
    analyse,
    create_plan,
    create_round,
    draw_review_sample,
    get_round,
    get_rubric,
    list_rounds,
    list_rubrics,
    read_evaluations,
    read_plans,
    read_progress,
    read_scorecards,
    read_skill_gaps,
    record_evaluation,
    save_rubric,
    segment_scores,
    set_status,
    team_scores,
)

router = APIRouter(
    prefix="/api/v1/qa",
    tags=["quality"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
RECORDS = Depends(require(Permission.RECORDS))
MANAGE = Depends(require(Permission.INSIGHTS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
SERVICE_ERRORS = ServiceErrors(not_found=(NotInScope, KeyError), invalid=(RubricError, ValueError))


def _call(request: Request, fn: Callable[..., Any], *args: Any, write: bool = False, **kwargs: Any) -> Any:
    # Scorecards and skill gaps run the KPI engine on the store's connection: api/service_calls.py.
    state = app_state(request)
    return json_ready(
        run_service(state, lambda: fn(state.store, *args, **kwargs), SERVICE_ERRORS, write=write)
    )


def _when(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_request", f"{field} {value!r} is not an ISO date or time") from None


@router.get("/rubrics", response_model=RubricList)
def rubrics(request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """Every rubric's latest version."""
    rows = _call(request, list_rubrics)
    return {
        "rubrics": [
            {k: r[k] for k in ("rubric_id", "version", "name", "criteria", "created_at")} for r in rows
        ]
    }


@router.get("/rubrics/{rubric_id}", response_model=RubricOut, responses=ERRORS)
def rubric(
    rubric_id: str, request: Request, version: int | None = Query(None, ge=1), principal: Principal = RECORDS
) -> dict[str, Any]:
    """One rubric version (the latest by default): sections and criteria."""
    try:
        found = get_rubric(app_state(request).store, rubric_id, version)
    except RubricError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return found.as_definition() | {"version": found.version}


@router.post("/rubrics", response_model=RubricOut, responses=ERRORS)
def put_rubric(body: RubricIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Save a rubric: a new version when it changed, the current one when it did not."""
    state = app_state(request)
    try:
        with state.write_lock:
            saved, written = save_rubric(state.store, body.model_dump(), created_by=principal.username)
    except RubricError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    return saved.as_definition() | {"version": saved.version, "written": written}


@router.post("/samples", response_model=SampleResult, responses=ERRORS)
def sample(body: SampleRequest, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Draw tickets (in your scope) for review, each with its probability and sampling weight."""
    since, until = _when(body.since, "since"), _when(body.until, "until")
    sample_id, rows = _call(
        request, draw_review_sample, principal, write=True, size=body.size, method=body.method,
        oversample=body.oversample, since=since, until=until, seed=body.seed,
    )  # fmt: skip
    return {"sample_id": sample_id, "method": body.method, "tickets": json_ready(rows)}


@router.post("/evaluations", response_model=Evaluation, responses=ERRORS)
def evaluate(body: EvaluationIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Score a ticket in your scope against a rubric (answers: points per criterion, null or "na" = not applicable)."""
    return _call(
        request, record_evaluation, principal, write=True, rubric_id=body.rubric_id, ticket_id=body.ticket_id,
        answers=dict(body.answers), version=body.version, comment=body.comment, sample_id=body.sample_id,
        calibration_id=body.calibration_id,
    )  # fmt: skip


@router.get("/evaluations", response_model=EvaluationList, responses=ERRORS)
def evaluations(
    request: Request,
    agent_id: str | None = Query(None, max_length=500),
    calibration_id: str | None = Query(None, max_length=200),
    limit: int = Query(200, ge=1, le=5000),
    principal: Principal = RECORDS,
) -> dict[str, Any]:
    """Evaluations of the agents in your scope, newest first (audited)."""
    rows = _call(
        request,
        read_evaluations,
        principal,
        agent_id=agent_id,
        calibration_id=calibration_id,
        limit=limit,
        ip=client_ip(request),
    )
    return {"evaluations": rows}


@router.post("/calibrations", response_model=Calibration, responses=ERRORS)
def new_round(body: CalibrationIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Start a calibration round: every reviewer scores these tickets, then `analyse`."""
    return _call(
        request,
        create_round,
        principal,
        write=True,
        name=body.name,
        rubric_id=body.rubric_id,
        ticket_ids=body.ticket_ids,
    )


@router.get("/calibrations", response_model=CalibrationList)
def rounds(request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """Calibration rounds, newest first, with their agreement once analysed."""
    return {"rounds": _call(request, list_rounds)}


@router.post("/calibrations/{calibration_id}/analyse", response_model=Calibration, responses=ERRORS)
def analyse_round(calibration_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Krippendorff's alpha per criterion and overall (bootstrap 95% intervals), ICC of totals, reviewer drift."""
    _call(request, analyse, calibration_id, write=True)
    return _call(request, get_round, calibration_id)


@router.get("/scorecards", response_model=Scorecards)
def scorecards(request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """QA score, CSAT, FCR and handle time per agent in your scope, shrunk toward the team (audited)."""
    return {"rows": _call(request, read_scorecards, principal, ip=client_ip(request))}


@router.get("/team-scores", response_model=TeamScores)
def teams(request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """Per team: the sampling-weighted QA mean beside the plain mean (audited)."""
    return {"teams": _call(request, team_scores, principal, ip=client_ip(request))}


@router.get("/segment-scores", response_model=SegmentScores, responses=ERRORS)
def segments(
    request: Request,
    by: Literal["team", "channel", "category", "customer_segment", "customer_tier"] = "team",
    principal: Principal = RECORDS,
) -> dict[str, Any]:
    """Per team, channel, category or the customer's segment or tier: the sampling-weighted QA score of the tickets in your scope with a
    design-based 95% interval, beside the plain mean (audited)."""
    return {"by": by, "segments": _call(request, segment_scores, principal, by=by, ip=client_ip(request))}


@router.get("/skill-gaps", response_model=SkillGaps)
def gaps(
    request: Request,
    unit: Literal["agent", "team"] = "agent",
    topic: Literal["category", "theme"] = "category",
    principal: Principal = RECORDS,
) -> dict[str, Any]:
    """Agent (or team) x topic (ticket category, or text theme) gaps on QA score, CSAT and escalation
    rate, worst first (audited)."""
    state, ip = app_state(request), client_ip(request)

    def read(store: Any) -> Any:
        desk = desk_skill_gaps(state, unit, topic)
        return read_skill_gaps(store, principal, unit=unit, topic=topic, ip=ip, gaps=desk)

    return {"unit": unit, "topic": topic, "gaps": _call(request, read)}


@router.post("/coaching", response_model=Plan, responses=ERRORS)
def new_plan(body: PlanIn, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """A coaching plan for an agent in your scope, its baseline measured now."""
    return _call(
        request, create_plan, principal, write=True, agent_id=body.agent_id, goal=body.goal, metric=body.metric,
        target=body.target, due_at=_when(body.due_at, "due_at"), evidence=body.evidence,
    )  # fmt: skip


@router.post("/coaching/{plan_id}/sessions", response_model=PlanProgress, responses=ERRORS)
def new_session(
    plan_id: str, body: SessionIn, request: Request, principal: Principal = MANAGE
) -> dict[str, Any]:
    """Record a session under a plan; answers the plan's progress."""
    held = _when(body.held_at, "held_at")
    _call(
        request,
        add_session,
        principal,
        plan_id,
        write=True,
        held_at=held,
        notes=body.notes,
        ticket_ids=body.ticket_ids,
    )
    return _call(request, read_progress, principal, plan_id, ip=client_ip(request))


@router.post("/coaching/{plan_id}/status", response_model=PlanProgress, responses=ERRORS)
def plan_status(
    plan_id: str, body: StatusIn, request: Request, principal: Principal = MANAGE
) -> dict[str, Any]:
    """Move a plan: open -> achieved (only once the follow-up mean reaches the target), not_achieved
    or cancelled; a closed plan back to open. Answers the plan's progress and status history."""
    return _call(
        request,
        set_status,
        principal,
        plan_id,
        body.status,
        write=True,
        note=body.note,
        ip=client_ip(request),
    )


@router.get("/coaching", response_model=PlanList)
def plans(
    request: Request, agent_id: str | None = Query(None, max_length=500), principal: Principal = RECORDS
) -> dict[str, Any]:
    """Coaching plans of the agents in your scope (audited)."""
    return {"plans": _call(request, read_plans, principal, agent_id=agent_id, ip=client_ip(request))}


@router.get("/coaching/{plan_id}", response_model=PlanProgress, responses=ERRORS)
def plan(plan_id: str, request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """A plan, its sessions and its follow-up measurement (audited)."""
    return _call(request, read_progress, principal, plan_id, ip=client_ip(request))
