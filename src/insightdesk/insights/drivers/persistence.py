"""The tables of key drivers: a run's effects and disparities in `driver_effects`, read back by run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.runs import finite, latest_run_id, read_frame
from insightdesk.insights.drivers.effects import ranked
from insightdesk.store.tables.insights import driver_effects

if TYPE_CHECKING:
    from insightdesk.store import Store


def write_effects(conn: sa.Connection, frame: pd.DataFrame, outcome: str, run_id: str) -> int:
    """Insert a run's drivers and disparities (one frame, both kinds) on the run's transaction."""
    rows = [
        {
            "run_id": run_id,
            "outcome": outcome,
            "kind": r["kind"],
            "feature": r["feature"],
            "level": r["level"],
            "effect": finite(r["effect"]),
            "ci_low": finite(r["ci_low"]),
            "ci_high": finite(r["ci_high"]),
            "p_value": finite(r["p_value"]),
            "p_adjusted": finite(r["p_adjusted"]),
            "significant": bool(r["significant"]),
            "n": int(r["n"]),
            "method": r["method"] if r["kind"] == "disparity" else f"{r['method']}; {r['contrast']}",
        }
        for r in frame.to_dict("records")
    ]
    if rows:
        conn.execute(driver_effects.insert(), rows)
    return len(rows)


def load_drivers(store: Store, run_id: str | None = None) -> pd.DataFrame:
    """The stored effects of a drivers run (default: the latest), largest significant effects first."""
    run_id = run_id or latest_run_id(store, "drivers")
    if run_id is None:
        return pd.DataFrame(columns=[c.name for c in driver_effects.columns])
    frame = read_frame(store, sa.select(driver_effects).where(driver_effects.c.run_id == run_id))
    return ranked(frame).reset_index(drop=True)
