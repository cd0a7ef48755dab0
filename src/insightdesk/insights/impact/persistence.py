"""The table of impact analyses: `impact_analyses`, one row per analysis with its `insight_runs` row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.runs import finite, from_json, read_frame, recorded_run, to_json
from insightdesk.insights.impact.result import ImpactResult
from insightdesk.store.tables.insights import impact_analyses

if TYPE_CHECKING:
    from insightdesk.store import Store


def record_impact(store: Store, result: ImpactResult, *, created_by: str = "cli") -> str:
    """Store an analysis (and its run); returns its id, also set on `result.analysis_id`."""
    params = {
        "name": result.name,
        "kpi": result.kpi,
        "method": result.method,
        "intervention_at": result.intervention_at,
        "treated": result.treated,
        "control": result.control,
    }
    with recorded_run(store, "impact", params, started_by=created_by) as run:
        run.conn.execute(
            impact_analyses.insert().values(
                analysis_id=run.run_id,
                name=result.name,
                kpi=result.kpi,
                method=result.method,
                intervention_at=result.intervention_at,
                treated=None if result.treated is None else to_json(result.treated),
                control=None if result.control is None else to_json(result.control),
                effect=finite(result.effect),
                ci_low=finite(result.ci_low),
                ci_high=finite(result.ci_high),
                p_value=finite(result.p_value),
                n_treated=result.n_treated,
                n_control=result.n_control,
                warnings=to_json(result.warnings),
                detail=to_json(result.detail),
                created_by=created_by,
                created_at=run.started_at,
            )
        )
        run.summary.update(
            effect=result.effect, ci_low=result.ci_low, ci_high=result.ci_high, p_value=result.p_value
        )
    result.analysis_id = run.run_id
    return run.run_id


def list_impact(store: Store, limit: int = 50) -> pd.DataFrame:
    """Stored analyses, most recent first (treated, control, warnings parsed from JSON), each with the
    `unit` of its effect (percentage points for shares, hours...) from its detail."""
    columns = [c.name for c in impact_analyses.columns]
    query = (
        sa.select(*[impact_analyses.c[c] for c in columns])
        .order_by(impact_analyses.c.created_at.desc(), impact_analyses.c.analysis_id.desc())
        .limit(limit)
    )
    frame = read_frame(store, query)
    for column in ("treated", "control", "warnings"):
        frame[column] = frame[column].map(from_json)
    frame["unit"] = frame.pop("detail").map(lambda d: str((from_json(d) or {}).get("unit", "")))
    return frame


def get_impact(store: Store, analysis_id: str) -> ImpactResult:
    """One stored analysis, as it was computed."""
    with store.engine.connect() as conn:
        row = (
            conn.execute(sa.select(impact_analyses).where(impact_analyses.c.analysis_id == analysis_id))
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise KeyError(f"no impact analysis {analysis_id!r}")
    detail = from_json(row["detail"]) or {}
    return ImpactResult(
        kpi=row["kpi"],
        unit=detail.get("unit", ""),
        method=row["method"],
        effect=_nan(row["effect"]),
        ci_low=_nan(row["ci_low"]),
        ci_high=_nan(row["ci_high"]),
        p_value=_nan(row["p_value"]),
        n_treated=row["n_treated"],
        n_control=row["n_control"],
        warnings=from_json(row["warnings"]) or [],
        detail=detail,
        name=row["name"],
        intervention_at=row["intervention_at"],
        treated=from_json(row["treated"]),
        control=from_json(row["control"]),
        analysis_id=row["analysis_id"],
    )


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)
