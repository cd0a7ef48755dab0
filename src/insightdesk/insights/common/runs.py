"""Persistence shared by every insight feature: run ids, the `insight_runs` row, JSON and nullable
number columns, query results as frames.

A run is recorded in the same transaction as its results, so a crash leaves neither.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.store.rows import new_id, utcnow
from insightdesk.store.tables.insights import insight_runs

if TYPE_CHECKING:
    from insightdesk.store import Store

# utcnow and new_id are the store's row helpers, re-exported for the insight features.
RUN_KINDS = ("painpoints", "drivers", "risk_train", "risk_score", "alerts", "impact")


def plain(value: Any) -> Any:
    """JSON-ready, recursively: numpy scalars to Python, NaN/inf/NaT to null, timestamps to ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return value


def to_json(value: Any) -> str:
    """Serialise a result for a JSON text column (stable key order, no NaN)."""
    return json.dumps(plain(value), sort_keys=True, allow_nan=False)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def finite(value: Any) -> float | None:
    """A number for a nullable float column: None for a missing, NaN or infinite value."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def read_frame(store: Store, query: sa.Executable) -> pd.DataFrame:
    """The rows of a select as a frame, in the select's column order (no rows: an empty frame with them)."""
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@dataclass
class Run:
    """An insight run in progress: results are written on `conn`, the run row when it finishes."""

    run_id: str
    kind: str
    conn: sa.Connection
    params: dict[str, Any]
    started_by: str
    started_at: dt.datetime
    summary: dict[str, Any] = field(default_factory=dict)


@contextmanager
def recorded_run(
    store: Store, kind: str, params: Mapping[str, Any], *, started_by: str = "cli"
) -> Iterator[Run]:
    """One transaction holding a run's results and its `insight_runs` row.

    with recorded_run(store, "drivers", {"outcome": "low_csat"}) as run:
        run.conn.execute(driver_effects.insert(), rows)
        run.summary["drivers"] = len(rows)
    """
    if kind not in RUN_KINDS:
        raise ValueError(f"run kind {kind!r} is not one of {', '.join(RUN_KINDS)}")
    with store.begin() as conn:
        run = Run(new_id(kind), kind, conn, dict(params), started_by, utcnow())
        yield run
        conn.execute(
            insight_runs.insert().values(
                run_id=run.run_id,
                kind=kind,
                params=to_json(run.params),
                summary=to_json(run.summary),
                started_by=started_by,
                started_at=run.started_at,
                finished_at=utcnow(),
            )
        )


def latest_run_id(store: Store, kind: str) -> str | None:
    """The most recent finished run of a kind, or None."""
    return store.scalar(
        "SELECT run_id FROM insight_runs WHERE kind = :kind ORDER BY started_at DESC, run_id DESC LIMIT 1",
        {"kind": kind},
    )
