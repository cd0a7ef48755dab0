"""How the forecast's model choice is scored, on two daily series (evaluation only; data stay in ../shared/data).

    python benchmarks/workforce_selection.py          # figures as JSON on stdout

Every candidate is backtested on 7-day windows: the last 4 are the outer (scored) windows, and up to 4
before them are selection windows, never scored. Each way of choosing is nested: the forecast of an
outer window uses only what was known at its cutoff (the backtest errors of windows that ended by then).
The bank series is also backtested over 20 outer windows (140 points) to check the intervals on more
points than 28.

- `selection_outer_only`: the model best on the outer windows before this one (the first outer window
  has no past and is left out): insightdesk's protocol before selection windows.
- `selection`: the model best on every window before this one, selection windows included (today's).
- `top2_mean`: the mean of the two models best on the windows before (forecast and interval bounds).
- `selection_conformal`: `selection`, its intervals replaced by split-conformal ones: the 80% / 95%
  quantile of the chosen model's absolute log errors on the windows before, around its log forecast.
- `mean_of_all`: the mean of every candidate but the seasonal naive (no choice at all).
- `selection_scaled`: `selection`, each interval's half-widths times a factor learnt on the chosen
  model's points of the windows before (`insightdesk.workforce.calibration`: the level's quantile of
  |error| / half-width, shrunk toward 1 with a prior of 14 points; settled before it was run).
- `selection_scaled_unshrunk`: the same without shrinkage (prior 0), a sensitivity check only.

The `calibration` section compares the intervals of `selection` with those variants: hits k of n at
80% and 95% with Wilson 95% intervals, the mean interval (Winkler) score, lower is better, and the
mean width.

Series: daily incidents of the ServiceNow log (UCI #498, CC BY 4.0; Brazilian public holidays as
known closed days), and daily calls of a US bank (fpp3 `bank_calls`, GPL-3; 07:00-21:00 weekdays,
2003-03-03..10-24; weekends and the weekdays without data, which are US public holidays, counted as
closed days with zero calls). The second series was not looked at while the protocol was chosen, so
it is the check that the choice was not fitted to the first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from insightdesk.workforce import KnownEvent
from insightdesk.workforce.backtest import (
    BacktestPlan,
    cross_validate,
    nested_selection,
    outer_scores,
    selection_windows,
    summarise,
    window_scores,
)
from insightdesk.workforce.calibration import factors_from, scale_intervals
from insightdesk.workforce.models import candidates

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BR_HOLIDAYS = [dt.date(2016, 2, 8), dt.date(2016, 2, 9), dt.date(2016, 3, 25), dt.date(2016, 4, 21)]
OUTER, HORIZON = 4, 7
KEEP = ["model", "mase", "coverage80", "coverage80_low", "coverage80_high", "coverage95", "points"]


def servicenow_series(data: Path) -> tuple[pd.DataFrame, list[KnownEvent]]:
    path = data / "itsm_incident_event_log" / "incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"
    events = pd.read_csv(path, usecols=["number", "opened_at"]).drop_duplicates("number")
    opened = pd.to_datetime(events["opened_at"], format="%d/%m/%Y %H:%M").dt.floor("D")
    counts = opened.value_counts().sort_index()
    grid = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    y = counts.reindex(grid, fill_value=0).to_numpy(float)
    return pd.DataFrame({"unique_id": "incidents", "ds": grid, "y": y}), [
        KnownEvent(d, "holiday") for d in BR_HOLIDAYS
    ]


def bank_series(data: Path) -> tuple[pd.DataFrame, list[KnownEvent]]:
    raw = pd.read_csv(data / "bank_calls_5min_2003" / "bank_calls.csv")
    days = pd.to_datetime(raw["DateTime"].str.replace("Z", "", regex=False)).dt.floor("D")
    counts = raw.groupby(days)["Calls"].sum()
    grid = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    missing_weekdays = [d.date() for d in grid if d.dayofweek < 5 and d not in counts.index]
    y = counts.reindex(grid, fill_value=0).to_numpy(float)
    return pd.DataFrame({"unique_id": "calls", "ds": grid, "y": y}), [
        KnownEvent(d, "holiday") for d in missing_weekdays
    ]


def _points(cv: pd.DataFrame, cutoff: Any, model: str) -> pd.DataFrame:
    return cv[(cv["cutoff"] == cutoff) & (cv["model"] == model)].copy()


def variants(cv: pd.DataFrame, scores: pd.DataFrame, outer: int) -> dict[str, pd.DataFrame]:
    """The ensemble, conformal and scaled variants' outer-window points, nested like `selection`."""
    cutoffs = sorted(scores["cutoff"].unique())
    columns = ["forecast", "lo80", "hi80", "lo95", "hi95", "y"]
    names = ["selection", "top2_mean", "selection_conformal", "mean_of_all", "selection_scaled"]
    rows: dict[str, list[pd.DataFrame]] = {name: [] for name in [*names, "selection_scaled_unshrunk"]}
    for cutoff in cutoffs[-outer:]:
        past = scores[scores["cutoff"] < cutoff].groupby("model")["mase"].mean().sort_values()
        if past.empty:
            continue
        top = list(past.index[:2])
        here = cv[cv["cutoff"] == cutoff]
        mean2 = here[here["model"].isin(top)].groupby(["unique_id", "ds"])[columns].mean().reset_index()
        rows["top2_mean"].append(mean2.assign(cutoff=cutoff))
        others = here[here["model"] != "seasonal_naive"]
        mean_all = others.groupby(["unique_id", "ds"])[columns].mean().reset_index()
        rows["mean_of_all"].append(mean_all.assign(cutoff=cutoff))
        chosen = _points(cv, cutoff, top[0])
        before = cv[(cv["cutoff"] < cutoff) & (cv["model"] == top[0])]
        errors = np.abs(np.log1p(before["y"]) - np.log1p(before["forecast"].clip(lower=0)))
        centre = np.log1p(chosen["forecast"].clip(lower=0))
        for level in (80, 95):
            q = float(np.quantile(errors, level / 100, method="higher"))
            chosen[f"lo{level}"], chosen[f"hi{level}"] = np.expm1(centre - q), np.expm1(centre + q)
        rows["selection_conformal"].append(chosen)
        plain = _points(cv, cutoff, top[0])
        rows["selection"].append(plain)
        rows["selection_scaled"].append(scale_intervals(plain, factors_from(before, (80, 95))))
        unshrunk = factors_from(before, (80, 95), prior_points=0.0)
        rows["selection_scaled_unshrunk"].append(scale_intervals(plain, unshrunk))
    return {
        name: pd.concat(parts, ignore_index=True).assign(model=name) for name, parts in rows.items() if parts
    }


def interval_report(points: pd.DataFrame) -> dict[str, Any]:
    """Hits k of n per level with a Wilson 95% interval, mean interval score (Winkler) and mean width."""
    out: dict[str, Any] = {"n": len(points)}
    for level in (80, 95):
        lo, hi, y = points[f"lo{level}"], points[f"hi{level}"], points["y"]
        hits = int(((y >= lo) & (y <= hi)).sum())
        low, high = proportion_confint(hits, len(points), alpha=0.05, method="wilson")
        penalty = 2 / (1 - level / 100) * ((lo - y).clip(lower=0) + (y - hi).clip(lower=0))
        out[f"hits{level}"] = hits
        out[f"coverage{level}"] = f"{hits / len(points):.3f} ({low:.3f}-{high:.3f})"
        out[f"interval_score{level}"] = round(float((hi - lo + penalty).mean()), 1)
        out[f"width{level}"] = round(float((hi - lo).mean()), 1)
    return out


def evaluate(
    series: pd.DataFrame, events: list[KnownEvent], outer: int = OUTER, extra: int | None = None
) -> dict[str, Any]:
    plan = BacktestPlan(HORIZON, outer, "D", (7,))
    extra = selection_windows(len(series), plan, outer) if extra is None else extra
    started = time.perf_counter()
    cv = pd.concat(
        [cross_validate(series, c, plan, outer + extra, events) for c in candidates(None, daily=True)],
        ignore_index=True,
    )
    scores = window_scores(cv, series, 7)
    outer_only = outer_scores(scores, outer)
    points = variants(cv, scores, outer)
    extra_rows = [summarise(window_scores(p, series, 7)) for name, p in points.items() if name != "selection"]
    table = pd.concat(
        [
            summarise(outer_only),
            nested_selection(outer_only).assign(model="selection_outer_only"),
            nested_selection(scores, outer),
            *extra_rows,
        ],
        ignore_index=True,
    )
    calibration = {
        name: interval_report(points[name])
        for name in ("selection", "selection_scaled", "selection_scaled_unshrunk", "selection_conformal")
    }
    return {
        "days": len(series),
        "first": str(series["ds"].min().date()),
        "last": str(series["ds"].max().date()),
        "outer_windows": outer,
        "selection_windows": extra,
        "seconds": round(time.perf_counter() - started, 1),
        "table": [
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
            for r in table[KEEP].to_dict("records")
        ],
        "calibration": calibration,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        sys.exit(f"no data folder at {args.data}: give --data")
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {platform.python_version()}"}
    report["servicenow_daily"] = evaluate(*servicenow_series(args.data))
    report["bank_calls_daily"] = evaluate(*bank_series(args.data))
    # The interval check on more points: 20 outer windows (140 days) after 4 selection windows.
    report["bank_calls_daily_20_windows"] = evaluate(*bank_series(args.data), outer=20, extra=4)
    json.dump(report, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
