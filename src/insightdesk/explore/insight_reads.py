"""Reads of stored insight results that the insight features do not offer themselves.

Which drivers run is the latest for each outcome (the runs' parameters say), and the riskiest
tickets of a model within a caller's row scope, joined to the ticket fields a list shows.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.records import scope_condition
from insightdesk.governance.roles import Principal
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.insights import insight_runs, risk_scores


def run_params(engine: sa.Engine, kind: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(run id, parameters) of every insight run of `kind`, newest first."""
    query = (
        sa.select(insight_runs.c.run_id, insight_runs.c.params)
        .where(insight_runs.c.kind == kind)
        .order_by(insight_runs.c.started_at.desc(), insight_runs.c.run_id.desc())
    )
    with engine.connect() as conn:
        return [(run_id, _parsed(params)) for run_id, params in conn.execute(query).all()]


def scored_tickets(
    engine: sa.Engine, principal: Principal, model_id: str, limit: int
) -> list[dict[str, Any]]:
    """Highest-risk tickets of one model within the principal's row scope (no free text, no identity)."""
    query = (
        sa.select(
            risk_scores.c.ticket_id,
            risk_scores.c.score,
            risk_scores.c.band,
            risk_scores.c.top_factors,
            tickets.c.status,
            tickets.c.channel,
            tickets.c.category,
            tickets.c.created_at,
        )
        .join(tickets, tickets.c.id == risk_scores.c.ticket_id)
        .where(risk_scores.c.model_id == model_id, scope_condition(principal))
        .order_by(risk_scores.c.score.desc(), risk_scores.c.ticket_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        found = [dict(r) for r in conn.execute(query).mappings()]
    for row in found:
        row["top_factors"] = _parsed(row["top_factors"]) or []
    return found


def _parsed(text: str | None) -> Any:
    return None if text is None else json.loads(text)
