"""How much of the forecast's interval coverage is the few backtest points: the chosen daily model
(calendar_arima) backtested over the same scored weeks from every day instead of every 7th.

    python benchmarks/workforce_origins.py          # figures as JSON on stdout

The forecast's own backtest moves its cutoff a whole horizon (7 days) at a time, so the 4 scored weeks
of the ServiceNow log give 28 points and coverage moves in steps of 0.036. Forecasting 7 days ahead
from every day of the same weeks (step 1; the forecasts fall in the same scored dates) gives about
150 overlapping points: neighbouring points share errors, so the Wilson interval printed is too
narrow, but the share is no longer at the mercy of one or two days. The bank's daily calls, held out
when the protocol was chosen, are run the same way over their last 4 weeks. Nothing here changes the
product; it measures how far the intervals are from their nominal level on more points.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from insightdesk.workforce.backtest import BacktestPlan, cross_validate, summarise, window_scores
from insightdesk.workforce.models import candidates

HERE = Path(__file__).resolve().parent
HORIZON, SCORED_WEEKS = 7, 4


def _selection_benchmark() -> Any:
    """The series readers of benchmarks/workforce_selection.py (one definition of each series)."""
    spec = importlib.util.spec_from_file_location("workforce_selection", HERE / "workforce_selection.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def coverage_by_step(series: Any, events: Any, step: int) -> dict[str, Any]:
    """calendar_arima's coverage over the last SCORED_WEEKS weeks, cutoffs `step` days apart."""
    model = next(c for c in candidates(("calendar_arima",), daily=True) if c.name == "calendar_arima")
    # Cutoffs from the one whose forecast starts the scored weeks to the last with a whole horizon.
    windows = (SCORED_WEEKS * HORIZON - HORIZON) // step + 1
    plan = BacktestPlan(horizon=HORIZON, windows=windows, freq="D", seasons=(7,), step=step)
    started = time.perf_counter()
    cv = cross_validate(series, model, plan, windows, events)
    row = summarise(window_scores(cv, series, 7)).iloc[0]
    return {
        "step_days": step,
        "cutoffs": int(cv["cutoff"].nunique()),
        "first_cutoff": str(cv["cutoff"].min().date()),
        "last_cutoff": str(cv["cutoff"].max().date()),
        "points": int(row["points"]),
        **{k: round(float(row[k]), 3) for k in ("mase", "coverage80", "coverage80_low", "coverage80_high")},
        **{k: round(float(row[k]), 3) for k in ("coverage95", "coverage95_low", "coverage95_high")},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    args = parser.parse_args(argv)
    selection = _selection_benchmark()
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {platform.python_version()}"}
    for name, read in (
        ("servicenow_daily", selection.servicenow_series),
        ("bank_calls_daily", selection.bank_series),
    ):
        series, events = read(args.data)
        report[name] = [coverage_by_step(series, events, step) for step in (HORIZON, 1)]
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
