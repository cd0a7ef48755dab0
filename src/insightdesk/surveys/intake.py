"""Response intake behind the survey link: open a page, keep partial answers, complete once.

Idempotent and transactional: there is one `survey_responses` row per invitation, and a page is
accepted only by a conditional update of the row as it was read (same page, still partial), so a
double click, a resubmitted form or two tabs can never create a second response or a second set
of feedback rows. The completing page, its feedback rows and their batch row commit together.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.surveys import survey_invitations, survey_responses
from insightdesk.store.tables.work import tickets
from insightdesk.surveys.answers import parse_page
from insightdesk.surveys.definition import Question, SurveyDefinition
from insightdesk.surveys.feedback_rows import write_feedback
from insightdesk.surveys.logic import next_cursor, page_at
from insightdesk.surveys.tokens import LinkSigner
from insightdesk.surveys.updates import changed_rows
from insightdesk.surveys.versions import get_version


@dataclass
class SurveyPage:
    """What the response page shows. `state`: open, done, used, expired or invalid."""

    state: str
    definition: SurveyDefinition | None = None
    language: str = "en"
    cursor: int = 0
    questions: list[Question] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    invitation_id: str | None = None
    answered: int = 0
    comment_ids: list[str] = field(default_factory=list)  # feedback rows with free text, once `done`


def _invitation(conn: sa.Connection, invitation_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(survey_invitations).where(survey_invitations.c.invitation_id == invitation_id)
    ).first()
    return dict(row._mapping) if row else None


def _context(conn: sa.Connection, invitation: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for name, table, key in (("ticket", tickets, "ticket_id"), ("customer", customers, "customer_id")):
        row = (
            conn.execute(sa.select(table).where(table.c.id == invitation.get(key))).first()
            if invitation.get(key)
            else None
        )
        facts[name] = dict(row._mapping) if row else {}
    return facts


def _response(conn: sa.Connection, invitation_id: str) -> sa.Row | None:
    return conn.execute(
        sa.select(survey_responses).where(survey_responses.c.invitation_id == invitation_id)
    ).first()


def _state_of(invitation: Mapping[str, Any] | None, response: sa.Row | None, now: dt.datetime) -> str | None:
    if invitation is None or invitation["status"] not in ("sent",):
        return "invalid"
    if response is not None and response.status == "complete":
        return "used"
    if invitation["expires_at"] is not None and now > invitation["expires_at"]:
        return "expired"
    return None


def open_page(
    engine: sa.Engine, signer: LinkSigner, token: str, now: dt.datetime | None = None
) -> SurveyPage:
    """The page a link opens: the next unanswered page, or why there is none."""
    now = now or utcnow()
    invitation_id = signer.invitation_of(token)
    if invitation_id is None:
        return SurveyPage("invalid")
    with engine.begin() as conn:
        invitation = _invitation(conn, invitation_id)
        response = _response(conn, invitation_id)
        state = _state_of(invitation, response, now)
        language = (response.language if response else None) or (invitation or {}).get("language") or "en"
        if state is not None:
            return SurveyPage(state, language=language, invitation_id=invitation_id)
        assert invitation is not None
        if invitation["opened_at"] is None:
            conn.execute(
                survey_invitations.update()
                .where(survey_invitations.c.invitation_id == invitation_id)
                .where(survey_invitations.c.opened_at.is_(None))
                .values(opened_at=now)
            )
        stored = get_version(conn, invitation["survey_id"], invitation["version"])
        context = _context(conn, invitation)
    answers = json.loads(response.answers) if response else {}
    cursor = int(response.page) if response else 0
    page = page_at(stored.definition, cursor, answers, context)
    return SurveyPage(
        "open",
        stored.definition,
        stored.definition.language_for(language),
        cursor,
        [stored.definition.questions[i] for i in page],
        answers,
        invitation_id=invitation_id,
        answered=len(answers),
    )


def submit_page(
    engine: sa.Engine,
    signer: LinkSigner,
    token: str,
    cursor: int,
    form: Mapping[str, Sequence[str]],
    now: dt.datetime | None = None,
) -> SurveyPage:
    """Take one page of answers. Returns the next page, the same page with problems, or `done`."""
    now = now or utcnow()
    invitation_id = signer.invitation_of(token)
    if invitation_id is None:
        return SurveyPage("invalid")
    try:
        return _submit(engine, invitation_id, cursor, form, now)
    except sa.exc.IntegrityError:
        # Another request stored this link's first page a moment ago (its transaction won): show
        # what is stored now; nothing of this request was written.
        return open_page(engine, signer, token, now)


def _submit(
    engine: sa.Engine, invitation_id: str, cursor: int, form: Mapping[str, Sequence[str]], now: dt.datetime
) -> SurveyPage:
    with engine.begin() as conn:
        invitation = _invitation(conn, invitation_id)
        response = _response(conn, invitation_id)
        state = _state_of(invitation, response, now)
        if state is not None:
            return SurveyPage(
                state, language=(invitation or {}).get("language") or "en", invitation_id=invitation_id
            )
        assert invitation is not None
        stored = get_version(conn, invitation["survey_id"], invitation["version"])
        definition = stored.definition
        context = _context(conn, invitation)
        answers: dict[str, Any] = json.loads(response.answers) if response else {}
        current = int(response.page) if response else 0
        language = definition.language_for(invitation["language"])
        if cursor != current:
            # A page posted twice (back button, double click): keep what is stored, show where we are.
            page = page_at(definition, current, answers, context)
            return SurveyPage(
                "open",
                definition,
                language,
                current,
                [definition.questions[i] for i in page],
                answers,
                invitation_id=invitation_id,
                answered=len(answers),
            )
        page = page_at(definition, current, answers, context)
        questions = [definition.questions[i] for i in page]
        posted, problems = parse_page(questions, form)
        if problems:
            return SurveyPage(
                "open",
                definition,
                language,
                current,
                questions,
                {**answers, **posted},
                problems,
                invitation_id=invitation_id,
                answered=len(answers),
            )
        answers.update(posted)
        for question in questions:
            if question.id not in posted:
                answers.pop(question.id, None)
        following = next_cursor(definition, page, answers, context) if page else len(definition.questions)
        complete = following >= len(definition.questions)
        if not _store(
            conn,
            invitation_id,
            definition.survey,
            stored.version,
            response,
            current,
            following,
            answers,
            language,
            complete,
            now,
        ):
            return SurveyPage("used", language=language, invitation_id=invitation_id)
        if complete:
            comments = write_feedback(conn, definition, stored.version, invitation, answers, language, now)
            return SurveyPage(
                "done",
                definition,
                language,
                following,
                [],
                answers,
                invitation_id=invitation_id,
                answered=len(answers),
                comment_ids=comments,
            )
    next_page = page_at(definition, following, answers, context)
    return SurveyPage(
        "open",
        definition,
        language,
        following,
        [definition.questions[i] for i in next_page],
        answers,
        invitation_id=invitation_id,
        answered=len(answers),
    )


def _store(
    conn: sa.Connection,
    invitation_id: str,
    survey_id: str,
    version: int,
    response: sa.Row | None,
    current: int,
    following: int,
    answers: Mapping[str, Any],
    language: str,
    complete: bool,
    now: dt.datetime,
) -> bool:
    """Write the page; False when another request got there first (nothing written)."""
    values = {
        "answers": json.dumps(answers, sort_keys=True, ensure_ascii=False),
        "page": following,
        "status": "complete" if complete else "partial",
        "updated_at": now,
        "completed_at": now if complete else None,
    }
    if response is None:
        # A concurrent first page of the same link fails on the primary key: submit_page answers it.
        conn.execute(
            survey_responses.insert().values(
                invitation_id=invitation_id,
                survey_id=survey_id,
                version=version,
                language=language,
                started_at=now,
                **values,
            )
        )
        return True
    updated = changed_rows(
        conn,
        survey_responses.update()
        .where(survey_responses.c.invitation_id == invitation_id)
        .where(survey_responses.c.status == "partial")
        .where(survey_responses.c.page == current)
        .values(**values),
        survey_responses.c.invitation_id,
    )
    return updated == 1
