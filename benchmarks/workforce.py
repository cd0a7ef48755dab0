"""Workforce evaluation on public data (evaluation only: nothing of these data sets is copied into the repo).

    python benchmarks/workforce.py                  # all three parts, figures as JSON on stdout
    python benchmarks/workforce.py --part servicenow

1. servicenow: daily incident arrivals of the ServiceNow event log (UCI #498, CC BY 4.0; 62 days,
   2016-02-29..04-30, 17,136 incidents): rolling-origin backtest of every candidate (7-day horizon,
   4 windows), Brazilian public holidays in the window as known closed days. Also hourly arrivals
   (seasonal naive, AutoETS, MSTL day+week), 24-hour horizon.
2. bank_calls: 30-minute call arrivals of a US bank (fpp3 `bank_calls`, GPL-3; weekdays 07:00-21:00,
   164 days): the last 10 weeks, 28 intervals a day as one regular series (day 28, week 140), a
   one-day horizon, 10 windows.
3. erlang_a: the Feb 1999 "Anonymous Bank" call log (Technion SEE, research use): per weekday hour,
   arrivals to the agent queue, mean service time, patience estimated as abandonments / total time
   waited (the exponential-patience MLE), and agents as the distinct agents serving in the hour;
   Erlang A's predicted abandonment and mean wait against what the log shows (Erlang C beside it).

The paths come from --data (default ../shared/data beside the repository).
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

from insightdesk.workforce import KnownEvent, erlang_a_metrics, erlang_c_metrics, forecast_demand
from insightdesk.workforce.backtest import (
    BacktestPlan,
    cross_validate,
    nested_selection,
    outer_scores,
    selection_windows,
    summarise,
    window_scores,
)
from insightdesk.workforce.models import candidates

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# Brazilian national holidays (the log's company is Brazilian): closures known in advance.
BR_HOLIDAYS = [dt.date(2016, 2, 8), dt.date(2016, 2, 9), dt.date(2016, 3, 25), dt.date(2016, 4, 21)]


def _table(summary: pd.DataFrame) -> list[dict[str, Any]]:
    keep = [
        "unique_id",
        "model",
        "mase",
        "coverage80",
        "coverage80_low",
        "coverage80_high",
        "coverage95",
        "points",
        "windows",
    ]
    return [
        {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
        for r in summary[keep].to_dict("records")
    ]


def servicenow(data: Path) -> dict[str, Any]:
    path = data / "itsm_incident_event_log" / "incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"
    events = pd.read_csv(path, usecols=["number", "opened_at"]).drop_duplicates("number")
    opened = pd.to_datetime(events["opened_at"], format="%d/%m/%Y %H:%M")
    out: dict[str, Any] = {"incidents": len(events)}
    for granularity, freq, horizon, windows, models in (
        ("day", "D", 7, 4, None),
        ("60min", "h", 24, 7, ("seasonal_naive", "auto_ets", "mstl")),
    ):
        counts = opened.dt.floor(freq).value_counts().sort_index()
        grid = pd.date_range(counts.index.min(), counts.index.max(), freq=freq)
        series = pd.DataFrame(
            {"unique_id": "incidents", "ds": grid, "y": counts.reindex(grid, fill_value=0).to_numpy(float)}
        )
        started = time.perf_counter()
        result = forecast_demand(
            series,
            granularity=granularity,
            horizon=horizon,
            windows=windows,
            events=[KnownEvent(d, "holiday") for d in BR_HOLIDAYS],
            models=models,
        )
        out[granularity] = {
            "periods": len(series),
            "horizon": horizon,
            "windows": windows,
            "chosen": result.chosen["incidents"],
            "seconds": round(time.perf_counter() - started, 1),
            "backtest": _table(result.backtest),
        }
    return out


def bank_calls(data: Path) -> dict[str, Any]:
    raw = pd.read_csv(data / "bank_calls_5min_2003" / "bank_calls.csv")
    stamps = pd.to_datetime(raw["DateTime"].str.replace("Z", "", regex=False))
    half = stamps.dt.floor("30min")
    counts = raw.groupby(half)["Calls"].sum()
    counts = counts[(counts.index.hour >= 7) & (counts.index.hour < 21)]
    per_day = counts.groupby(counts.index.date).size()
    full_days = per_day[per_day == 28].index[-50:]  # the last 10 weeks of complete days
    kept = counts[pd.Index(counts.index.date).isin(full_days)]
    series = pd.DataFrame({"unique_id": "calls", "ds": np.arange(len(kept)), "y": kept.to_numpy(float)})
    plan = BacktestPlan(horizon=28, windows=10, freq=1, seasons=(28, 140))
    started = time.perf_counter()
    tried = candidates(("seasonal_naive", "auto_ets", "mstl"), daily=False)
    # Up to 10 more windows before the 10 scored ones, only for the nested choice to learn from.
    extra = selection_windows(len(series), plan, 10)
    cv = pd.concat([cross_validate(series, c, plan, 10 + extra, []) for c in tried], ignore_index=True)
    scores = window_scores(cv, series, 140)
    summary = pd.concat(
        [summarise(outer_scores(scores, 10)), nested_selection(scores, 10)], ignore_index=True
    )
    return {
        "intervals": len(series),
        "days": len(full_days),
        "selection_windows": extra,
        "seconds": round(time.perf_counter() - started, 1),
        "backtest": _table(summary),
    }


def _seconds(text: pd.Series) -> pd.Series:
    parts = text.str.split(":", expand=True).astype(int)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def erlang_a_check(data: Path) -> dict[str, Any]:
    calls = pd.read_csv(data / "anonymous_bank_call_center_feb1999" / "calls_feb1999.csv.gz")
    calls = calls[calls["outcome"].isin(["AGENT", "HANG"])].copy()
    calls["day"] = pd.to_datetime(calls["date"].astype(str), format="%y%m%d")
    calls = calls[
        calls["day"].dt.dayofweek < 5
    ]  # Sunday-Thursday is the Israeli week; keep Mon-Fri as a regular set
    calls["q_start_s"] = _seconds(calls["q_start"])
    # Callers asking for an agent: those who queued (q_start set) and those answered at once (an
    # AGENT outcome without a queue time has q_start 0:00:00); VRU-only hang-ups are left out.
    asked = (calls["q_start_s"] > 0) | (calls["outcome"] == "AGENT")
    queued = calls[asked].copy()
    entered = queued["q_start_s"].where(queued["q_start_s"] > 0, _seconds(queued["ser_start"]))
    queued["hour"] = entered // 3600
    served = calls[(calls["outcome"] == "AGENT") & (calls["server"] != "NO_SERVER")].copy()
    served["start"], served["end"] = _seconds(served["ser_start"]), _seconds(served["ser_exit"])
    rows = []
    for (day, hour), g in queued.groupby(["day", "hour"]):
        in_hour = served[
            (served["day"] == day) & (served["start"] < (hour + 1) * 3600) & (served["end"] > hour * 3600)
        ]
        agents = in_hour["server"].nunique()
        if len(g) < 10 or agents == 0:
            continue
        # Agent-seconds spent serving within the hour: the agents busy on average, a lower bound on
        # those on duty (the distinct agents who served is an upper bound: not all stay the hour).
        busy = float(
            (in_hour["end"].clip(upper=(hour + 1) * 3600) - in_hour["start"].clip(lower=hour * 3600)).sum()
        )
        rows.append(
            {
                "day": day,
                "hour": int(hour),
                "arrivals": len(g),
                "agents": agents,
                "busy": max(1, int(np.ceil(busy / 3600))),
                "abandoned": int((g["outcome"] == "HANG").sum()),
                "waited": float(g["q_time"].sum()),
            }
        )
    cells = pd.DataFrame(rows)
    aht = float(served.loc[served["ser_time"] > 0, "ser_time"].mean())
    out_rows = []
    for hour, g in cells.groupby("hour"):
        patience = float(g["waited"].sum() / max(g["abandoned"].sum(), 1))
        predicted_ab, predicted_wait, erlang_c_wait, weight = 0.0, 0.0, 0.0, 0
        busy_ab, busy_wait = 0.0, 0.0
        for r in g.itertuples():
            lam = r.arrivals / 3600.0
            a = erlang_a_metrics(lam, aht, patience, int(r.agents), 20.0)
            lower = erlang_a_metrics(lam, aht, patience, int(r.busy), 20.0)
            c = erlang_c_metrics(lam * aht, int(r.agents), aht, 20.0)
            predicted_ab += a.p_abandon * r.arrivals
            predicted_wait += a.mean_wait * r.arrivals
            busy_ab += lower.p_abandon * r.arrivals
            busy_wait += lower.mean_wait * r.arrivals
            erlang_c_wait += (c.mean_wait if np.isfinite(c.mean_wait) else np.nan) * r.arrivals
            weight += r.arrivals
        out_rows.append({
            "hour": int(hour), "cells": len(g), "arrivals": int(g["arrivals"].sum()), "agents_mean": round(float(g["agents"].mean()), 1),
            "patience_s": round(patience, 1),
            "observed_abandon": round(float(g["abandoned"].sum() / g["arrivals"].sum()), 4),
            "erlang_a_abandon": round(predicted_ab / weight, 4),
            "observed_wait_s": round(float(g["waited"].sum() / g["arrivals"].sum()), 1),
            "erlang_a_wait_s": round(predicted_wait / weight, 1),
            "busy_agents_mean": round(float(g["busy"].mean()), 1),
            "erlang_a_busy_abandon": round(busy_ab / weight, 4),
            "erlang_a_busy_wait_s": round(busy_wait / weight, 1),
            "erlang_c_wait_s": round(erlang_c_wait / weight, 1) if np.isfinite(erlang_c_wait) else None,
        })  # fmt: skip
    table = pd.DataFrame(out_rows)
    weights = table["arrivals"] / table["arrivals"].sum()
    return {
        "queued_calls": int(cells["arrivals"].sum()),
        "hour_day_cells": len(cells),
        "aht_s": round(aht, 1),
        "abandon_mae_pp": round(
            float((weights * (table["erlang_a_abandon"] - table["observed_abandon"]).abs()).sum() * 100), 2
        ),
        "wait_mae_s": round(
            float((weights * (table["erlang_a_wait_s"] - table["observed_wait_s"]).abs()).sum()), 1
        ),
        "busy_abandon_mae_pp": round(
            float((weights * (table["erlang_a_busy_abandon"] - table["observed_abandon"]).abs()).sum() * 100),
            2,
        ),
        "busy_wait_mae_s": round(
            float((weights * (table["erlang_a_busy_wait_s"] - table["observed_wait_s"]).abs()).sum()), 1
        ),
        "weighted": {
            c: round(float((weights * table[c]).sum()), 4)
            for c in (
                "observed_abandon",
                "erlang_a_abandon",
                "erlang_a_busy_abandon",
                "observed_wait_s",
                "erlang_a_wait_s",
                "erlang_a_busy_wait_s",
            )
        },
        "by_hour": out_rows,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--part", choices=["servicenow", "bank_calls", "erlang_a", "all"], default="all")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        sys.exit(f"no data folder at {args.data}: give --data")
    parts = {"servicenow": servicenow, "bank_calls": bank_calls, "erlang_a": erlang_a_check}
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {platform.python_version()}"}
    for name, run in parts.items():
        if args.part in (name, "all"):
            report[name] = run(args.data)
    json.dump(report, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
