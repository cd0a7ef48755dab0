"""Review samples and evaluations in the store.

A sample draws tickets of a window for review and stores each with its probability and weight; an
evaluation scores one ticket against a rubric version and carries the ticket's sampling weight (1 when
the ticket was picked by hand), so the weighted team means in `reports` stay unbiased.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.governance import Principal
from insightdesk.governance.records_scope import scope_condition
from insightdesk.quality.access import NotInScope, agent_condition
from insightdesk.quality.records import from_json, new_id, read_frame, to_json, utcnow
from insightdesk.quality.rubric import score_answers
from insightdesk.quality.rubrics import get_rubric
from insightdesk.quality.sampling import draw_sample
from insightdesk.store.tables.quality import qa_evaluations, qa_samples
from insightdesk.store.tables.text import text_analyses
from insightdesk.store.tables.work import feedback, tickets

if TYPE_CHECKING:
    from insightdesk.store import Store

LOW_CSAT = 0.25  # a CSAT answer in the bottom quarter of its scale (1 or 2 of 5) marks a ticket risky


def _candidates(
    store: Store, principal: Principal, since: dt.datetime | None, until: dt.datetime | None
) -> pd.DataFrame:
    t, f, ta = tickets, feedback, text_analyses
    window = [scope_condition(principal), t.c.agent_id.is_not(None)]
    if since is not None:
        window.append(t.c.created_at >= since)
    if until is not None:
        window.append(t.c.created_at < until)
    low_csat = sa.select(f.c.ticket_id).where(
        f.c.scale == "csat",
        f.c.score.is_not(None),
        (f.c.score - f.c.scale_min) <= LOW_CSAT * (f.c.scale_max - f.c.scale_min),
    )
    negative = sa.select(ta.c.ticket_id).where(
        ta.c.sentiment_label == "negative", ta.c.ticket_id.is_not(None)
    )
    risky = sa.or_(t.c.id.in_(low_csat), t.c.id.in_(negative))
    query = sa.select(t.c.id.label("ticket_id"), t.c.agent_id, t.c.team_id, risky.label("risky")).where(
        *window
    )
    return read_frame(store, query.order_by(t.c.id))


def draw_review_sample(
    store: Store,
    principal: Principal,
    *,
    size: int,
    method: str = "random",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    oversample: float = 3.0,
    seed: int = 0,
) -> tuple[str, pd.DataFrame]:
    """Draw and store a sample of the tickets in the principal's scope; returns (sample id, rows)."""
    drawn = draw_sample(
        _candidates(store, principal, since, until),
        size=size,
        method=method,
        oversample=oversample,
        seed=seed,
    )
    sample_id = new_id("sample")
    now = utcnow()
    rows = [
        {
            "sample_id": sample_id,
            "ticket_id": r.ticket_id,
            "method": method,
            "stratum": r.stratum,
            "probability": float(r.probability),
            "weight": float(r.weight),
            "agent_id": r.agent_id,
            "team_id": r.team_id,
            "drawn_by": principal.username,
            "drawn_at": now,
        }
        for r in drawn.itertuples(index=False)
    ]
    with store.begin() as conn:
        conn.execute(qa_samples.insert(), rows)
    return sample_id, pd.DataFrame(rows)


def _sample_weight(conn: sa.Connection, ticket_id: str, sample_id: str | None) -> tuple[str | None, float]:
    s = qa_samples
    query = sa.select(s.c.sample_id, s.c.weight).where(s.c.ticket_id == ticket_id)
    query = query.where(s.c.sample_id == sample_id) if sample_id else query.order_by(s.c.drawn_at.desc())
    row = conn.execute(query.limit(1)).first()
    if row is None:
        if sample_id:
            raise ValueError(f"ticket {ticket_id!r} is not in sample {sample_id!r}")
        return None, 1.0
    return str(row.sample_id), float(row.weight)


def record_evaluation(
    store: Store,
    principal: Principal,
    *,
    rubric_id: str,
    ticket_id: str,
    answers: dict[str, Any],
    version: int | None = None,
    comment: str | None = None,
    sample_id: str | None = None,
    calibration_id: str | None = None,
) -> dict[str, Any]:
    """Score a ticket in the reviewer's scope; the stored evaluation as a dict."""
    rubric = get_rubric(store, rubric_id, version)
    scored = score_answers(rubric, answers)
    if comment is not None and len(comment) > 10_000:
        raise ValueError("the comment is longer than 10,000 characters")
    with store.begin() as conn:
        ticket = conn.execute(
            sa.select(tickets.c.agent_id, tickets.c.team_id).where(
                tickets.c.id == ticket_id, scope_condition(principal)
            )
        ).first()
        if ticket is None:
            raise NotInScope(f"no ticket {ticket_id!r} in your scope")
        used_sample, weight = _sample_weight(conn, ticket_id, sample_id)
        row = {
            "evaluation_id": new_id("eval"),
            "rubric_id": rubric.id,
            "rubric_version": rubric.version,
            "ticket_id": ticket_id,
            "agent_id": ticket.agent_id,
            "team_id": ticket.team_id,
            "reviewer": principal.username,
            "sample_id": used_sample,
            "weight": weight,
            "score": scored.score,
            "auto_failed": scored.auto_failed,
            "answers": to_json(scored.answers),
            "calibration_id": calibration_id,
            "comment": comment,
            "created_at": utcnow(),
        }
        conn.execute(qa_evaluations.insert().values(**row))
    return row | {"answers": scored.answers}


def list_evaluations(
    store: Store,
    principal: Principal,
    *,
    agent_id: str | None = None,
    calibration_id: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Evaluations of agents in the principal's scope, newest first (answers parsed)."""
    e = qa_evaluations
    query = sa.select(e).where(agent_condition(principal, e.c.agent_id))
    if agent_id:
        query = query.where(e.c.agent_id == agent_id)
    if calibration_id:
        query = query.where(e.c.calibration_id == calibration_id)
    frame = read_frame(store, query.order_by(e.c.created_at.desc()).limit(limit))
    frame["answers"] = frame["answers"].map(from_json)
    return frame
