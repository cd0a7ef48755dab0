"""A completed response becomes canonical `feedback` rows, so KPIs, text analysis and alerts see it.

One row per answered score or free-text question (choice answers stay in `survey_responses`),
linked to the ticket, customer and agent of the invitation. Lineage: source system `insightdesk`,
source id `<invitation>:<question>`, and a committed `ingest_batches` row per response (kind
`feedback`, profile `survey:<survey>@v<version>`) whose id the rows carry; that row also moves
the data stamp the dashboard's caches and the KPI roll-ups watch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from insightdesk.store.tables.bookkeeping import ingest_batches
from insightdesk.store.tables.work import feedback
from insightdesk.surveys.definition import SurveyDefinition

SOURCE_SYSTEM = "insightdesk"


def feedback_rows(
    definition: SurveyDefinition,
    invitation: Mapping[str, Any],
    answers: Mapping[str, Any],
    language: str,
    batch_id: str,
    at: dt.datetime,
) -> list[dict[str, Any]]:
    rows = []
    for question in definition.questions:
        value = answers.get(question.id)
        if value is None or question.type in ("single_choice", "multiple_choice"):
            continue
        scale = question.scale
        source_id = f"{invitation['invitation_id']}:{question.id}"
        values: dict[str, Any] = {
            "survey_id": definition.survey,
            "question_id": question.id,
            "scale": question.type if scale else "other",
            "score": float(value) if scale else None,
            "scale_min": scale[0] if scale else 0,
            "scale_max": scale[1] if scale else 0,
            "comment": None if scale else str(value),
            "language": language,
            "ticket_id": invitation.get("ticket_id"),
            "customer_id": invitation.get("customer_id"),
            "agent_id": invitation.get("agent_id"),
            "channel": invitation.get("channel"),
            "sent_at": invitation.get("sent_at"),
            "answered_at": at,
        }
        digest = hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()
        rows.append(
            {
                "id": f"{SOURCE_SYSTEM}:{source_id}",
                **values,
                "source_system": SOURCE_SYSTEM,
                "source_id": source_id,
                "batch_id": batch_id,
                "record_hash": digest,
                "first_seen_at": at,
                "last_changed_at": at,
            }
        )
    return rows


def write_feedback(
    conn: sa.Connection,
    definition: SurveyDefinition,
    version: int,
    invitation: Mapping[str, Any],
    answers: Mapping[str, Any],
    language: str,
    at: dt.datetime,
) -> list[str]:
    """Insert the response's feedback rows and their batch row in the caller's transaction; returns
    the ids of the rows that carry a free-text comment (for the text analysis after the commit)."""
    batch_id = f"{at:%Y%m%dT%H%M%S%f}-survey-{invitation['invitation_id'][4:16]}"
    rows = feedback_rows(definition, invitation, answers, language, batch_id, at)
    conn.execute(
        ingest_batches.insert().values(
            batch_id=batch_id,
            kind="feedback",
            source_file=None,
            profile=f"survey:{definition.survey}@v{version}",
            status="committed",
            started_at=at,
            finished_at=at,
            received=len(rows),
            accepted=len(rows),
            inserted=len(rows),
            updated=0,
            unchanged=0,
            rejected=0,
        )
    )
    if rows:
        conn.execute(feedback.insert(), rows)
    return [row["id"] for row in rows if row["comment"]]
