"""Survey pages: the public response page and unsubscribe page behind signed links, the programme
health dashboard and the definition editor.

The response page is plain HTML forms (no JavaScript), one page of questions at a time; a tampered,
expired or already answered link gets its own page in the survey's language with status 200/410/400,
never a 500. Unsubscribing takes a POST (mail scanners follow GET links; one-click unsubscribe
per RFC 8058 posts `List-Unsubscribe=One-Click`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from insightdesk.api.deps import app_state, require
from insightdesk.api.pages.rendering import render, templates
from insightdesk.governance.roles import Permission, Principal
from insightdesk.surveys import (
    DefinitionError,
    SurveyNotFound,
    SurveyPage,
    link_signer,
    list_versions,
    open_page,
    publish,
    save_definition,
    submit_page,
)
from insightdesk.surveys.answers import FIELD_PREFIX
from insightdesk.surveys.comment_analysis import comment_queue
from insightdesk.surveys.health import funnel, nonresponse_bias
from insightdesk.surveys.suppressions import unsubscribe
from insightdesk.surveys.ui_text import ui_words
from insightdesk.surveys.versions import source_text

router = APIRouter(include_in_schema=False)
PUBLIC = Depends(require(Permission.PUBLIC))
STATUS = {"open": 200, "done": 200, "used": 409, "expired": 410, "invalid": 400}
MAX_TOKEN = 500


def _page_response(request: Request, page: SurveyPage, token: str) -> Response:
    definition = page.definition
    words = ui_words(definition.ui if definition else {}, page.language)

    def text(texts: dict[str, str]) -> str:
        fallback = definition.fallback_language if definition else "en"
        return texts.get(page.language) or texts.get(fallback) or ""

    return templates.TemplateResponse(
        request,
        "survey_response.html",
        {
            "page": page,
            "ui": words,
            "text": text,
            "token": token,
            "field_prefix": FIELD_PREFIX,
            # "Send" on a page that holds the definition's last question; "Next" where more may follow.
            "is_last": bool(
                definition and page.questions and page.questions[-1].id == definition.questions[-1].id
            ),
            "title": text(definition.invitation.subject) if definition else "",  # in the page's language
        },
        status_code=STATUS[page.state],
    )


@router.get("/s/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
def survey_page(token: str, request: Request) -> Response:
    state = app_state(request)
    with state.write_lock:  # the first opening is recorded (the funnel's `opened`)
        page = open_page(state.engine, link_signer(state.engine), token[:MAX_TOKEN])
    return _page_response(request, page, token)


@router.post("/s/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
async def survey_submit(token: str, request: Request) -> Response:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key.startswith(FIELD_PREFIX) and len(fields) < 200:
            fields.setdefault(key, []).append(value[:20_000])
    cursor_text = form.get("cursor")
    cursor = int(cursor_text) if isinstance(cursor_text, str) and cursor_text.isdigit() else -1
    state = app_state(request)

    def submit() -> SurveyPage:
        with state.write_lock:
            return submit_page(
                state.engine, link_signer(state.engine), token[:MAX_TOKEN], min(cursor, 10_000), fields
            )

    page = await run_in_threadpool(submit)
    response = _page_response(request, page, token)
    if page.comment_ids:  # analysed after the answer has gone back, not while the customer waits
        queue = comment_queue(state)
        queue.add(page.comment_ids)
        response.background = BackgroundTask(queue.drain, state.store, state.write_lock)
    return response


def _unsubscribe_page(request: Request, token: str, state_name: str, language: str) -> Response:
    return templates.TemplateResponse(
        request,
        "survey_unsubscribe.html",
        {"state": state_name, "ui": ui_words({}, language), "language": language, "token": token},
        status_code=400 if state_name == "invalid" else 200,
    )


@router.get("/s/unsubscribe/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
def unsubscribe_form(token: str, request: Request) -> Response:
    signer = link_signer(app_state(request).engine)
    known = signer.unsubscribed_invitation(token[:MAX_TOKEN]) is not None
    return _unsubscribe_page(request, token, "confirm" if known else "invalid", "en")


@router.post("/s/unsubscribe/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
def unsubscribe_submit(token: str, request: Request) -> Response:
    state = app_state(request)
    with state.write_lock:
        result = unsubscribe(state.engine, link_signer(state.engine), token[:MAX_TOKEN])
    return _unsubscribe_page(request, token, result.state, result.language)


# ---- the dashboard: programme health and the editor ---------------------------------------------


@router.get("/surveys", response_class=HTMLResponse)
def surveys_health(
    request: Request, principal: Principal = Depends(require(Permission.AGGREGATES))
) -> Response:
    from insightdesk.actions import close_the_loop_rate

    state = app_state(request)
    engine = state.engine
    rows = funnel(engine)
    bias = {r["survey_id"]: nonresponse_bias(engine, r["survey_id"]) for r in rows if r["sent"]}
    with state.metrics_lock:  # KPI-15 reads through the store's own connection: one thread at a time
        loop_rate = close_the_loop_rate(state.store)
    return render(
        request, "surveys.html", rows=rows, bias=bias, versions=list_versions(engine), loop_rate=loop_rate
    )


def _editor(
    request: Request, text: str, message: str | None, problems: list[str], status: int = 200
) -> Response:
    return render(
        request, "survey_editor.html", status_code=status, text=text, message=message, problems=problems
    )


@router.get("/surveys/editor", response_class=HTMLResponse)
def editor(
    request: Request, survey: str | None = None, principal: Principal = Depends(require(Permission.SURVEYS))
) -> Response:
    text, problems = "", []
    if survey:
        try:
            text = source_text(app_state(request).engine, survey[:60])
        except SurveyNotFound as exc:
            problems = [str(exc)]
    return _editor(request, text, None, problems)


@router.post("/surveys/editor", response_class=HTMLResponse)
def editor_save(
    request: Request,
    definition: str = Form("", max_length=200_000),
    action: str = Form("save", max_length=20),
    principal: Principal = Depends(require(Permission.SURVEYS)),
) -> Response:
    state = app_state(request)
    try:
        with state.write_lock:
            saved = save_definition(state.engine, definition, actor=principal.username)
            message = f"Survey {saved.survey_id} version {saved.version}: {saved.outcome}."
            if action == "publish":
                publish(state.engine, saved.survey_id, saved.version, actor=principal.username)
                message += " Published."
    except DefinitionError as exc:
        return _editor(request, definition, None, exc.problems, status=422)
    return _editor(request, definition, message, [])
