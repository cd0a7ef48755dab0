"""Calibration rounds in the store: a set of tickets every reviewer scores against one rubric version,
then the agreement computed over their evaluations (`calibration.analyse_round`) and kept with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.governance import Principal
from insightdesk.governance.records_scope import scope_condition
from insightdesk.quality.access import NotInScope
from insightdesk.quality.calibration import BOOTSTRAP_ROUNDS, analyse_round
from insightdesk.quality.records import from_json, new_id, read_frame, to_json, utcnow
from insightdesk.quality.rubrics import get_rubric
from insightdesk.store.tables.quality import qa_calibrations, qa_evaluations
from insightdesk.store.tables.work import tickets

if TYPE_CHECKING:
    from insightdesk.store import Store

MAX_ROUND_TICKETS = 200


def create_round(
    store: Store, principal: Principal, *, name: str, rubric_id: str, ticket_ids: list[str]
) -> dict[str, Any]:
    """A new round on the rubric's latest version; every ticket must be in the creator's scope."""
    ids = list(dict.fromkeys(t.strip() for t in ticket_ids if t.strip()))
    if not name.strip():
        raise ValueError("a calibration round needs a name")
    if not 2 <= len(ids) <= MAX_ROUND_TICKETS:
        raise ValueError(
            f"a calibration round needs 2 to {MAX_ROUND_TICKETS} distinct tickets, got {len(ids)}"
        )
    rubric = get_rubric(store, rubric_id)
    with store.begin() as conn:
        found = set(
            conn.execute(
                sa.select(tickets.c.id).where(tickets.c.id.in_(ids), scope_condition(principal))
            ).scalars()
        )
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotInScope(f"no ticket {', '.join(repr(m) for m in missing[:3])} in your scope")
        row = {
            "calibration_id": new_id("calibration"),
            "name": name.strip(),
            "rubric_id": rubric.id,
            "rubric_version": rubric.version,
            "ticket_ids": to_json(ids),
            "created_by": principal.username,
            "created_at": utcnow(),
        }
        conn.execute(qa_calibrations.insert().values(**row))
    return row | {"ticket_ids": ids}


def get_round(store: Store, calibration_id: str) -> dict[str, Any]:
    c = qa_calibrations
    rows = read_frame(store, sa.select(c).where(c.c.calibration_id == calibration_id)).to_dict("records")
    if not rows:
        raise KeyError(
            f"no calibration round {calibration_id!r}; `insightdesk qa calibration list` shows them"
        )
    row = rows[0]
    row["ticket_ids"] = from_json(row["ticket_ids"])
    row["results"] = from_json(row["results"])
    return row


def list_rounds(store: Store) -> pd.DataFrame:
    c = qa_calibrations
    frame = read_frame(store, sa.select(c).order_by(c.c.created_at.desc()))
    frame["ticket_ids"] = frame["ticket_ids"].map(from_json)
    frame["results"] = frame["results"].map(from_json)
    return frame


def analyse(store: Store, calibration_id: str, rounds: int = BOOTSTRAP_ROUNDS) -> dict[str, Any]:
    """Compute and keep the round's agreement from the evaluations recorded under it."""
    round_ = get_round(store, calibration_id)
    rubric = get_rubric(store, round_["rubric_id"], round_["rubric_version"])
    e = qa_evaluations
    evaluations = read_frame(
        store,
        sa.select(e.c.reviewer, e.c.ticket_id, e.c.score, e.c.answers)
        .where(e.c.calibration_id == calibration_id)
        .order_by(e.c.created_at),
    )
    if evaluations.empty:
        raise ValueError(f"calibration round {calibration_id!r} has no evaluations yet")
    evaluations["answers"] = evaluations["answers"].map(from_json)
    results = analyse_round(evaluations, [c.id for c in rubric.criteria], rounds=rounds)
    with store.begin() as conn:
        conn.execute(
            qa_calibrations.update()
            .where(qa_calibrations.c.calibration_id == calibration_id)
            .values(results=to_json(results), analysed_at=utcnow())
        )
    return results
