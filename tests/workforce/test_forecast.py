"""Rolling-origin backtests on a synthetic daily series with a weekly pattern and a known holiday."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from insightdesk.workforce import KnownEvent, forecast_demand
from insightdesk.workforce.backtest import nested_selection
from insightdesk.workforce.calendar import EventFileError, daily_regressors, read_events

HOLIDAYS = [dt.date(2026, 2, 16), dt.date(2026, 3, 9)]


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    days = pd.date_range("2026-01-05", periods=70, freq="D")
    level = np.where(days.dayofweek >= 5, 20.0, 200.0)
    level[np.isin(days.date, HOLIDAYS)] = 20.0
    return pd.DataFrame({"unique_id": "phone", "ds": days, "y": rng.poisson(level).astype(float)})


@pytest.fixture(scope="module")
def result(series: pd.DataFrame):  # type: ignore[no-untyped-def]
    events = [KnownEvent(d, "holiday") for d in HOLIDAYS]
    return forecast_demand(series, horizon=7, windows=2, events=events, models=("auto_ets", "calendar_arima"))


def test_backtest_scores_every_candidate_out_of_sample(result, series: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    models = set(result.backtest["model"])
    assert {"seasonal_naive", "auto_ets", "calendar_arima", "selection"} <= models
    points = result.backtest_points
    assert (points["ds"] > points["cutoff"]).all() and len(points) == 14
    merged = points.merge(series, on=["unique_id", "ds"], suffixes=("", "_true"))
    assert (merged["y"] == merged["y_true"]).all()
    row = result.backtest.set_index("model").loc[result.chosen["phone"]]
    assert 0 < row["mase"] < 1  # beats the seasonal naive floor
    assert 0 <= row["coverage80"] <= row["coverage95"] <= 1
    assert row["coverage80_low"] <= row["coverage80"] <= row["coverage80_high"]


def test_selection_is_nested_and_scores_every_outer_window(result) -> None:  # type: ignore[no-untyped-def]
    # 70 days leave room for selection windows before the 2 outer ones: the nested choice is scored
    # on all 14 outer points, like every model, and none is left out for want of a past.
    selection = result.backtest.set_index("model").loc["selection"]
    assert selection["points"] == 14 and selection["windows"] == 2


def test_nested_selection_chooses_only_on_earlier_windows() -> None:
    cutoffs = pd.date_range("2026-01-04", periods=4, freq="7D")
    # `a` is best on the two selection windows, `b` on the outer ones: a choice that peeked would
    # take `b`; the nested one takes `a` for the first outer window and `b` once `b` has led.
    mase = {"a": [0.2, 0.2, 0.9, 0.9], "b": [0.9, 0.9, 0.1, 0.1]}
    scores = pd.DataFrame(
        [
            {"unique_id": "s", "model": m, "cutoff": c, "mase": v[i], "mae": v[i], "scale": 1.0, "n": 7,
             "hits80": 6, "hits95": 7}
            for m, v in mase.items()
            for i, c in enumerate(cutoffs)
        ]
    )  # fmt: skip
    outer = nested_selection(scores, outer=2).iloc[0]
    assert outer["points"] == 14 and outer["mase"] == pytest.approx((0.9 + 0.9) / 2)
    # The first outer window chose `a` (0.9) on windows 1-2; the second still `a`: mean 0.2, 0.2, 0.9
    # against b's 0.9, 0.9, 0.1. Without selection windows the first outer window is left out.
    assert nested_selection(scores.iloc[[2, 3, 6, 7]]).iloc[0]["points"] == 7


def test_the_holiday_regressor_wins_on_a_series_with_holidays(result) -> None:  # type: ignore[no-untyped-def]
    by_model = result.backtest.set_index("model")["mase"]
    assert result.chosen["phone"] == "calendar_arima"
    assert by_model["calendar_arima"] < by_model["seasonal_naive"]


def test_forecast_has_ordered_intervals(result) -> None:  # type: ignore[no-untyped-def]
    f = result.forecast
    assert len(f) == 7 and f["ds"].min() == pd.Timestamp("2026-03-16")
    assert (f["lo95"] <= f["lo80"]).all() and (f["lo80"] <= f["forecast"]).all()
    assert (f["forecast"] <= f["hi80"]).all() and (f["hi80"] <= f["hi95"]).all() and (f["lo95"] >= 0).all()


def test_a_short_series_is_refused(series: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="too short to backtest"):
        forecast_demand(series.head(15), horizon=7, models=("auto_ets",))
    with pytest.raises(ValueError, match="unknown model"):
        forecast_demand(series, horizon=7, models=("prophet",))


def test_closed_days_take_the_calendar_of_a_sunday() -> None:
    days = pd.Series(pd.to_datetime(["2026-02-15", "2026-02-16", "2026-02-17"]))
    frame = daily_regressors(days, [KnownEvent(dt.date(2026, 2, 16), "x")])
    assert list(frame["dow_6"]) == [1.0, 1.0, 0.0] and list(frame["dow_1"]) == [0.0, 0.0, 1.0]


def test_event_files_are_checked_line_by_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "ok.csv"
    good.write_text("date,name,kind\n2026-02-16,Carnival,closed\n2026-03-01,Launch,peak\n")
    assert [e.kind for e in read_events(good)] == ["closed", "peak"]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,name,kind\n2026-02-16,Carnival,closed\n16/02/2026,Oops,closed\n")
    with pytest.raises(EventFileError, match="line 3: date '16/02/2026' is not YYYY-MM-DD"):
        read_events(bad)


def test_a_backtest_can_forecast_from_every_day(series: pd.DataFrame) -> None:
    """`step` moves the cutoff by fewer periods than the horizon: overlapping windows, each a whole
    horizon ahead of its cutoff, and the same model fitted only on what precedes each cutoff."""
    from insightdesk.workforce.backtest import BacktestPlan, cross_validate, summarise, window_scores
    from insightdesk.workforce.models import candidates

    ets = next(c for c in candidates(("auto_ets",), daily=True) if c.name == "auto_ets")
    daily = BacktestPlan(horizon=7, windows=8, freq="D", seasons=(7,), step=1)
    cv = cross_validate(series, ets, daily, 8, [])
    cutoffs = sorted(cv["cutoff"].unique())
    assert len(cutoffs) == 8 and all((b - a).days == 1 for a, b in itertools.pairwise(cutoffs))
    assert (
        cv.groupby("cutoff")["ds"]
        .agg(lambda d: (d.min(), d.max()))
        .map(lambda r: (r[1] - r[0]).days)
        .eq(6)
        .all()
    )
    assert (cv["ds"] > cv["cutoff"]).all() and cutoffs[-1] == series["ds"].max() - pd.Timedelta(days=7)
    summary = summarise(window_scores(cv, series, 7)).iloc[0]
    assert summary["points"] == 56 and summary["windows"] == 8 and 0 <= summary["coverage80"] <= 1
    weekly = BacktestPlan(horizon=7, windows=2, freq="D", seasons=(7,))  # default: a horizon apart
    assert sorted(cross_validate(series, ets, weekly, 2, [])["cutoff"].unique())[-2:] == [
        cutoffs[-8],
        cutoffs[-1],
    ]
