"""Revision 0013's workforce tables: forecasts, backtests, forecast points, staffing plans and intervals.

Frozen at revision 0013: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_workforce_forecasts() -> None:
    op.create_table(
        "workforce_forecasts",
        sa.Column(
            "forecast_id", sa.String(), nullable=False, comment="Unique, time-ordered id of the forecast run."
        ),
        sa.Column("granularity", sa.String(), nullable=False, comment="day, 60min, 30min or 15min."),
        sa.Column(
            "group_by",
            sa.String(),
            nullable=False,
            comment="Ticket column the series are split by (channel, team_id, category).",
        ),
        sa.Column("horizon", sa.Integer(), nullable=False, comment="Periods forecast ahead."),
        sa.Column(
            "params",
            sa.Text(),
            nullable=True,
            comment="Window, models tried, backtest windows, known events: JSON.",
        ),
        sa.Column(
            "chosen",
            sa.Text(),
            nullable=True,
            comment="Model chosen per series by backtest MASE: JSON object.",
        ),
        sa.Column(
            "warnings",
            sa.Text(),
            nullable=True,
            comment="Caveats of the run (short series, few windows): JSON list.",
        ),
        sa.Column("created_by", sa.String(), nullable=False, comment="Account or `cli` that ran it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("forecast_id"),
        comment="Demand forecast runs: granularity, series split, horizon and the model chosen per series.",
    )


def create_workforce_backtests() -> None:
    op.create_table(
        "workforce_backtests",
        sa.Column(
            "forecast_id",
            sa.String(),
            nullable=False,
            comment="Forecast run (workforce_forecasts.forecast_id).",
        ),
        sa.Column(
            "series",
            sa.String(),
            nullable=False,
            comment="Series (a value of the group_by column, or `all`).",
        ),
        sa.Column(
            "model",
            sa.String(),
            nullable=False,
            comment="Candidate model, or `selection` (the nested choice's own score).",
        ),
        sa.Column(
            "mase",
            sa.Float(),
            nullable=True,
            comment="Mean over windows of MAE / in-sample seasonal-naive MAE (below 1 beats it).",
        ),
        sa.Column(
            "mae", sa.Float(), nullable=True, comment="Mean absolute error per period, averaged over windows."
        ),
        sa.Column(
            "coverage80",
            sa.Float(),
            nullable=True,
            comment="Share of backtest points inside the 80% interval.",
        ),
        sa.Column(
            "coverage80_low",
            sa.Float(),
            nullable=True,
            comment="Lower bound of coverage80's Wilson 95% interval.",
        ),
        sa.Column(
            "coverage80_high",
            sa.Float(),
            nullable=True,
            comment="Upper bound of coverage80's Wilson 95% interval.",
        ),
        sa.Column(
            "coverage95",
            sa.Float(),
            nullable=True,
            comment="Share of backtest points inside the 95% interval.",
        ),
        sa.Column(
            "coverage95_low",
            sa.Float(),
            nullable=True,
            comment="Lower bound of coverage95's Wilson 95% interval.",
        ),
        sa.Column(
            "coverage95_high",
            sa.Float(),
            nullable=True,
            comment="Upper bound of coverage95's Wilson 95% interval.",
        ),
        sa.Column("points", sa.Integer(), nullable=True, comment="Backtest points scored."),
        sa.Column("windows", sa.Integer(), nullable=True, comment="Rolling-origin windows scored."),
        sa.Column(
            "chosen", sa.Boolean(), nullable=False, comment="The model used for this series' forecast."
        ),
        sa.PrimaryKeyConstraint("forecast_id", "series", "model"),
        comment="Rolling-origin backtest of every candidate model per series: MASE and interval coverage.",
    )


def create_workforce_forecast_points() -> None:
    op.create_table(
        "workforce_forecast_points",
        sa.Column(
            "forecast_id",
            sa.String(),
            nullable=False,
            comment="Forecast run (workforce_forecasts.forecast_id).",
        ),
        sa.Column("series", sa.String(), nullable=False, comment="Series."),
        sa.Column(
            "kind",
            sa.String(),
            nullable=False,
            comment="history (actuals), backtest (chosen model, out of sample) or forecast.",
        ),
        sa.Column("ds", sa.DateTime(), nullable=False, comment="Start of the period (UTC)."),
        sa.Column(
            "actual",
            sa.Float(),
            nullable=True,
            comment="Tickets that arrived in the period (history and backtest).",
        ),
        sa.Column(
            "forecast", sa.Float(), nullable=True, comment="Forecast arrivals (backtest and forecast)."
        ),
        sa.Column("lo80", sa.Float(), nullable=True, comment="Lower bound of the 80% prediction interval."),
        sa.Column("hi80", sa.Float(), nullable=True, comment="Upper bound of the 80% prediction interval."),
        sa.Column("lo95", sa.Float(), nullable=True, comment="Lower bound of the 95% prediction interval."),
        sa.Column("hi95", sa.Float(), nullable=True, comment="Upper bound of the 95% prediction interval."),
        sa.PrimaryKeyConstraint("forecast_id", "series", "kind", "ds"),
        comment="Actuals, out-of-sample backtest forecasts and the forecast itself, per series and period.",
    )


def create_staffing_plans() -> None:
    op.create_table(
        "staffing_plans",
        sa.Column("plan_id", sa.String(), nullable=False, comment="Unique, time-ordered id of the plan."),
        sa.Column(
            "forecast_id",
            sa.String(),
            nullable=False,
            comment="Forecast staffed (workforce_forecasts.forecast_id).",
        ),
        sa.Column("scenario", sa.String(), nullable=False, comment="`base` or the scenario's name."),
        sa.Column("description", sa.String(), nullable=True, comment="What the scenario changes, in words."),
        sa.Column(
            "params",
            sa.Text(),
            nullable=True,
            comment="Handle time, service-level target, occupancy cap, shrinkage, model: JSON.",
        ),
        sa.Column(
            "weekly",
            sa.Text(),
            nullable=True,
            comment="FTE per series and week (and the delta against base): JSON list.",
        ),
        sa.Column("created_by", sa.String(), nullable=False, comment="Account or `cli` that made it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("plan_id"),
        comment="Staffing plans: a forecast staffed under a set of assumptions (the base or a scenario).",
    )


def create_staffing_intervals() -> None:
    op.create_table(
        "staffing_intervals",
        sa.Column("plan_id", sa.String(), nullable=False, comment="Plan (staffing_plans.plan_id)."),
        sa.Column("series", sa.String(), nullable=False, comment="Series."),
        sa.Column("ds", sa.DateTime(), nullable=False, comment="Start of the interval (UTC)."),
        sa.Column(
            "volume",
            sa.Float(),
            nullable=True,
            comment="Forecast arrivals staffed for (after any deflection).",
        ),
        sa.Column("agents", sa.Integer(), nullable=True, comment="Agents needed on the floor."),
        sa.Column(
            "service_level",
            sa.Float(),
            nullable=True,
            comment="Predicted share answered within the target time.",
        ),
        sa.Column("asa", sa.Float(), nullable=True, comment="Predicted average speed of answer, seconds."),
        sa.Column(
            "p_abandon",
            sa.Float(),
            nullable=True,
            comment="Predicted share abandoning (Erlang A; 0 under Erlang C).",
        ),
        sa.Column("occupancy", sa.Float(), nullable=True, comment="Predicted share of agent time busy."),
        sa.Column("fte", sa.Float(), nullable=True, comment="Agents grossed up for shrinkage."),
        sa.Column(
            "agents_delta",
            sa.Integer(),
            nullable=True,
            comment="Agents against the base plan (0 for the base).",
        ),
        sa.Column(
            "fte_delta", sa.Float(), nullable=True, comment="FTE against the base plan (0 for the base)."
        ),
        sa.PrimaryKeyConstraint("plan_id", "series", "ds"),
        comment="Agents, service level, speed of answer, abandonment and FTE per interval of a plan.",
    )
