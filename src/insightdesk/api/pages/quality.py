"""The QA pages: the rubric builder (a YAML form), scoring a ticket beside its transcript, calibration
rounds with their agreement, scorecards and coaching plans. Plain HTML forms; every read of agents'
QA records keeps to the reader's scope and is audited (`insightdesk.quality.service`)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.pages.context import RECORDS
from insightdesk.api.pages.rendering import error_page, render
from insightdesk.api.views.skill_gaps import desk_skill_gaps
from insightdesk.governance.audit import Actor
from insightdesk.governance.records import RecordNotFound, get_ticket
from insightdesk.governance.roles import Permission, Principal
from insightdesk.quality import (
    NotInScope,
    RubricError,
    add_session,
    analyse,
    create_plan,
    create_round,
    get_round,
    get_rubric,
    list_rounds,
    list_rubrics,
    parse_rubric_yaml,
    read_plans,
    read_progress,
    read_scorecards,
    read_skill_gaps,
    record_evaluation,
    save_rubric,
    segment_scores,
    set_status,
)
from insightdesk.quality.records import plain

router = APIRouter(include_in_schema=False)
MANAGE = Depends(require(Permission.INSIGHTS))
USER_ERRORS = (RubricError, NotInScope, ValueError, KeyError, RecordNotFound)


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?message={quote(message)}", status_code=303)


@router.get("/qa", response_class=HTMLResponse)
def qa_page(
    request: Request,
    message: str | None = Query(None, max_length=500),
    segment_by: Literal["team", "channel", "category", "customer_segment", "customer_tier"] = "team",
    gap_topic: Literal["category", "theme"] = "category",
    principal: Principal = RECORDS,
) -> Response:
    state, ip = app_state(request), client_ip(request)
    with state.metrics_lock:  # the KPI engine (see routers/quality.py)
        cards = read_scorecards(state.store, principal, ip=ip)
        desk = desk_skill_gaps(state, "agent", gap_topic)
        gaps = read_skill_gaps(state.store, principal, topic=gap_topic, ip=ip, gaps=desk)
    qa_rows = cards[cards["metric"] == "qa_score"]
    return render(
        request,
        "qa.html",
        message=message,
        can_manage=principal.can(Permission.INSIGHTS),
        rubrics=plain(list_rubrics(state.store).to_dict("records")),
        rounds=plain(list_rounds(state.store).to_dict("records")),
        scorecards=plain(cards.sort_values(["agent_id", "metric"]).to_dict("records")),
        qa_agents=plain(qa_rows.to_dict("records")),
        plans=plain(read_plans(state.store, principal, ip=ip).to_dict("records")),
        segment_by=segment_by,
        segments=plain(segment_scores(state.store, principal, by=segment_by, ip=ip).to_dict("records")),
        gap_topic=gap_topic,
        gaps=plain(gaps[gaps["flagged"]].head(30).to_dict("records")),
        gaps_total=len(gaps),
    )


@router.post("/qa/rubrics", response_class=HTMLResponse)
def qa_save_rubric(
    request: Request, definition: str = Form(..., max_length=200_000), principal: Principal = MANAGE
) -> Response:
    state = app_state(request)
    try:
        with state.write_lock:
            rubric, written = save_rubric(
                state.store, parse_rubric_yaml(definition), created_by=principal.username
            )
    except RubricError as exc:
        return _back("/qa", f"rubric not saved: {exc}")
    return _back(
        "/qa", f"rubric {rubric.id} {'saved as' if written else 'unchanged at'} version {rubric.version}"
    )


@router.get("/qa/evaluate", response_class=HTMLResponse)
def qa_evaluate_page(
    request: Request,
    ticket_id: str = Query(..., max_length=500),
    rubric_id: str = Query(..., max_length=64),
    calibration_id: str = Query("", max_length=200),
    principal: Principal = MANAGE,
) -> Response:
    state = app_state(request)
    try:
        rubric = get_rubric(state.store, rubric_id)
        ticket = get_ticket(
            state.engine,
            principal,
            ticket_id,
            ctx=Actor(principal.username, principal.role.value, client_ip(request)),
        )
    except (RubricError, RecordNotFound) as exc:
        return error_page(request, 404, str(exc))
    return render(
        request, "qa_evaluate.html", rubric=rubric, record=plain(ticket), calibration_id=calibration_id
    )


@router.post("/qa/evaluate", response_class=HTMLResponse)
async def qa_evaluate(request: Request, principal: Principal = MANAGE) -> Response:
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    answers: dict[str, Any] = {
        k[2:]: (None if v == "na" else v) for k, v in fields.items() if k.startswith("c:")
    }
    state = app_state(request)
    try:
        with state.write_lock:
            row = record_evaluation(
                state.store, principal, rubric_id=fields.get("rubric_id", "")[:64], ticket_id=fields.get("ticket_id", "")[:500],
                answers=answers, comment=fields.get("comment") or None, calibration_id=fields.get("calibration_id") or None,
            )  # fmt: skip
    except USER_ERRORS as exc:
        return error_page(request, 422, f"evaluation not saved: {exc}")
    if row["calibration_id"]:
        return _back(f"/qa/calibrations/{quote(row['calibration_id'])}", f"scored {row['ticket_id']}")
    score = (
        "auto-fail" if row["auto_failed"] else f"{row['score']:.1f}" if row["score"] is not None else "n/a"
    )
    return _back("/qa", f"evaluation of {row['ticket_id']} saved: {score}")


@router.post("/qa/calibrations", response_class=HTMLResponse)
def qa_new_round(
    request: Request,
    name: str = Form(..., max_length=200),
    rubric_id: str = Form(..., max_length=64),
    ticket_ids: str = Form(..., max_length=20_000),
    principal: Principal = MANAGE,
) -> Response:
    state = app_state(request)
    ids = [t.strip() for t in ticket_ids.replace("\n", ",").split(",") if t.strip()]
    try:
        with state.write_lock:
            row = create_round(state.store, principal, name=name, rubric_id=rubric_id, ticket_ids=ids)
    except USER_ERRORS as exc:
        return _back("/qa", f"round not created: {exc}")
    return RedirectResponse(f"/qa/calibrations/{quote(row['calibration_id'])}", status_code=303)


@router.get("/qa/calibrations/{calibration_id}", response_class=HTMLResponse)
def qa_round_page(
    calibration_id: str,
    request: Request,
    message: str | None = Query(None, max_length=500),
    principal: Principal = RECORDS,
) -> Response:
    try:
        round_ = get_round(app_state(request).store, calibration_id)
    except KeyError as exc:
        return error_page(request, 404, str(exc.args[0]))
    return render(
        request,
        "qa_calibration.html",
        round=plain(round_),
        message=message,
        can_manage=principal.can(Permission.INSIGHTS),
    )


@router.post("/qa/calibrations/{calibration_id}/analyse", response_class=HTMLResponse)
def qa_round_analyse(calibration_id: str, request: Request, principal: Principal = MANAGE) -> Response:
    state = app_state(request)
    try:
        with state.write_lock:
            results = analyse(state.store, calibration_id)
    except USER_ERRORS as exc:
        return _back(f"/qa/calibrations/{quote(calibration_id)}", f"not analysed: {exc}")
    flagged = ", ".join(results["flagged"]) or "none"
    return _back(
        f"/qa/calibrations/{quote(calibration_id)}",
        f"agreement computed; criteria below {results['floor']}: {flagged}",
    )


@router.post("/qa/coaching", response_class=HTMLResponse)
def qa_new_plan(
    request: Request,
    agent_id: str = Form(..., max_length=500),
    goal: str = Form(..., max_length=1000),
    metric: str = Form("qa_score", max_length=80),
    target: float = Form(..., ge=0, le=100),
    principal: Principal = MANAGE,
) -> Response:
    state = app_state(request)
    try:
        with state.write_lock:
            plan = create_plan(
                state.store, principal, agent_id=agent_id, goal=goal, metric=metric, target=target
            )
    except USER_ERRORS as exc:
        return _back("/qa", f"plan not created: {exc}")
    return RedirectResponse(f"/qa/coaching/{quote(plan['plan_id'])}", status_code=303)


@router.get("/qa/coaching/{plan_id}", response_class=HTMLResponse)
def qa_plan_page(
    plan_id: str,
    request: Request,
    message: str | None = Query(None, max_length=500),
    principal: Principal = RECORDS,
) -> Response:
    try:
        progress = read_progress(app_state(request).store, principal, plan_id, ip=client_ip(request))
    except NotInScope as exc:
        return error_page(request, 404, str(exc))
    return render(
        request,
        "qa_coaching.html",
        progress=plain(progress),
        message=message,
        can_manage=principal.can(Permission.INSIGHTS),
    )


@router.post("/qa/coaching/{plan_id}/sessions", response_class=HTMLResponse)
def qa_plan_session(
    plan_id: str,
    request: Request,
    held_at: str = Form(..., max_length=40),
    notes: str = Form("", max_length=10_000),
    principal: Principal = MANAGE,
) -> Response:
    import datetime as dt

    state = app_state(request)
    try:
        held = dt.datetime.fromisoformat(held_at)
        with state.write_lock:
            add_session(state.store, principal, plan_id, held_at=held, notes=notes)
    except USER_ERRORS as exc:
        return _back(f"/qa/coaching/{quote(plan_id)}", f"session not saved: {exc}")
    return _back(f"/qa/coaching/{quote(plan_id)}", "session recorded")


@router.post("/qa/coaching/{plan_id}/status", response_class=HTMLResponse)
def qa_plan_status(
    plan_id: str,
    request: Request,
    status: str = Form(..., max_length=20),
    note: str = Form("", max_length=2_000),
    principal: Principal = MANAGE,
) -> Response:
    state = app_state(request)
    try:
        with state.write_lock:
            set_status(state.store, principal, plan_id, status, note=note, ip=client_ip(request))
    except USER_ERRORS as exc:
        return _back(f"/qa/coaching/{quote(plan_id)}", f"status not changed: {exc}")
    return _back(f"/qa/coaching/{quote(plan_id)}", f"status now {status}")
