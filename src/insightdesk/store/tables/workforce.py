"""Store tables of workforce planning (migration 0013): demand forecasts with their backtests, and
staffing plans (a base and its scenarios) with agents and FTE per interval."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

workforce_forecasts = sa.Table(
    "workforce_forecasts",
    metadata,
    _col("forecast_id", sa.String, "Unique, time-ordered id of the forecast run.", primary_key=True),
    _col("granularity", sa.String, "day, 60min, 30min or 15min.", nullable=False),
    _col(
        "group_by",
        sa.String,
        "Ticket column the series are split by (channel, team_id, category).",
        nullable=False,
    ),
    _col("horizon", sa.Integer, "Periods forecast ahead.", nullable=False),
    _col("params", sa.Text, "Window, models tried, backtest windows, known events: JSON."),
    _col("chosen", sa.Text, "Model chosen per series by backtest MASE: JSON object."),
    _col("warnings", sa.Text, "Caveats of the run (short series, few windows): JSON list."),
    _col("created_by", sa.String, "Account or `cli` that ran it.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Demand forecast runs: granularity, series split, horizon and the model chosen per series.",
)

workforce_backtests = sa.Table(
    "workforce_backtests",
    metadata,
    _col("forecast_id", sa.String, "Forecast run (workforce_forecasts.forecast_id).", primary_key=True),
    _col("series", sa.String, "Series (a value of the group_by column, or `all`).", primary_key=True),
    _col(
        "model",
        sa.String,
        "Candidate model, or `selection` (the nested choice's own score).",
        primary_key=True,
    ),
    _col("mase", sa.Float, "Mean over windows of MAE / in-sample seasonal-naive MAE (below 1 beats it)."),
    _col("mae", sa.Float, "Mean absolute error per period, averaged over windows."),
    _col("coverage80", sa.Float, "Share of backtest points inside the 80% interval."),
    _col("coverage80_low", sa.Float, "Lower bound of coverage80's Wilson 95% interval."),
    _col("coverage80_high", sa.Float, "Upper bound of coverage80's Wilson 95% interval."),
    _col("coverage95", sa.Float, "Share of backtest points inside the 95% interval."),
    _col("coverage95_low", sa.Float, "Lower bound of coverage95's Wilson 95% interval."),
    _col("coverage95_high", sa.Float, "Upper bound of coverage95's Wilson 95% interval."),
    _col("points", sa.Integer, "Backtest points scored."),
    _col("windows", sa.Integer, "Rolling-origin windows scored."),
    _col("chosen", sa.Boolean, "The model used for this series' forecast.", nullable=False),
    comment="Rolling-origin backtest of every candidate model per series: MASE and interval coverage.",
)

workforce_forecast_points = sa.Table(
    "workforce_forecast_points",
    metadata,
    _col("forecast_id", sa.String, "Forecast run (workforce_forecasts.forecast_id).", primary_key=True),
    _col("series", sa.String, "Series.", primary_key=True),
    _col(
        "kind",
        sa.String,
        "history (actuals), backtest (chosen model, out of sample) or forecast.",
        primary_key=True,
    ),
    _col("ds", sa.DateTime, "Start of the period (UTC).", primary_key=True),
    _col("actual", sa.Float, "Tickets that arrived in the period (history and backtest)."),
    _col("forecast", sa.Float, "Forecast arrivals (backtest and forecast)."),
    _col("lo80", sa.Float, "Lower bound of the 80% prediction interval."),
    _col("hi80", sa.Float, "Upper bound of the 80% prediction interval."),
    _col("lo95", sa.Float, "Lower bound of the 95% prediction interval."),
    _col("hi95", sa.Float, "Upper bound of the 95% prediction interval."),
    comment="Actuals, out-of-sample backtest forecasts and the forecast itself, per series and period.",
)

staffing_plans = sa.Table(
    "staffing_plans",
    metadata,
    _col("plan_id", sa.String, "Unique, time-ordered id of the plan.", primary_key=True),
    _col("forecast_id", sa.String, "Forecast staffed (workforce_forecasts.forecast_id).", nullable=False),
    _col("scenario", sa.String, "`base` or the scenario's name.", nullable=False),
    _col("description", sa.String, "What the scenario changes, in words."),
    _col("params", sa.Text, "Handle time, service-level target, occupancy cap, shrinkage, model: JSON."),
    _col("weekly", sa.Text, "FTE per series and week (and the delta against base): JSON list."),
    _col("created_by", sa.String, "Account or `cli` that made it.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Staffing plans: a forecast staffed under a set of assumptions (the base or a scenario).",
)

staffing_intervals = sa.Table(
    "staffing_intervals",
    metadata,
    _col("plan_id", sa.String, "Plan (staffing_plans.plan_id).", primary_key=True),
    _col("series", sa.String, "Series.", primary_key=True),
    _col("ds", sa.DateTime, "Start of the interval (UTC).", primary_key=True),
    _col("volume", sa.Float, "Forecast arrivals staffed for (after any deflection)."),
    _col("agents", sa.Integer, "Agents needed on the floor."),
    _col("service_level", sa.Float, "Predicted share answered within the target time."),
    _col("asa", sa.Float, "Predicted average speed of answer, seconds."),
    _col("p_abandon", sa.Float, "Predicted share abandoning (Erlang A; 0 under Erlang C)."),
    _col("occupancy", sa.Float, "Predicted share of agent time busy."),
    _col("fte", sa.Float, "Agents grossed up for shrinkage."),
    _col("agents_delta", sa.Integer, "Agents against the base plan (0 for the base)."),
    _col("fte_delta", sa.Float, "FTE against the base plan (0 for the base)."),
    comment="Agents, service level, speed of answer, abandonment and FTE per interval of a plan.",
)
