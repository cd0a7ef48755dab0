"""Shapes of the workforce API: forecasts with their backtests and points, staffing plans, the Erlang
calculator and the tier escalation table."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Granularity = Literal["day", "60min", "30min", "15min"]
GroupBy = Literal["all", "channel", "team_id", "category", "type", "priority"]


class KnownEventIn(BaseModel):
    date: str = Field(..., pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD.")
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["closed", "peak"] = "closed"


class ForecastRequest(BaseModel):
    group_by: GroupBy = "channel"
    granularity: Granularity = "day"
    horizon: int = Field(14, ge=1, le=2000, description="Periods to forecast (and of each backtest window).")
    windows: int = Field(4, ge=1, le=52, description="Rolling-origin backtest windows.")
    since: str | None = Field(None, max_length=40, description="History from (ISO date).")
    until: str | None = Field(None, max_length=40, description="History until, exclusive (ISO date).")
    series: list[str] | None = Field(None, max_length=200)
    max_series: int = Field(10, ge=1, le=200)
    models: list[Literal["seasonal_naive", "auto_ets", "auto_arima", "mstl", "calendar_arima"]] | None = None
    events: list[KnownEventIn] = Field(default_factory=list, max_length=10_000)


class BacktestRow(BaseModel):
    series: str
    model: str
    mase: float | None = Field(None, description="Mean over windows of MAE / seasonal-naive in-sample MAE.")
    mae: float | None = None
    coverage80: float | None = None
    coverage80_low: float | None = None
    coverage80_high: float | None = None
    coverage95: float | None = None
    coverage95_low: float | None = None
    coverage95_high: float | None = None
    points: int | None = None
    windows: int | None = None
    chosen: bool = False


class ForecastPoint(BaseModel):
    series: str
    kind: Literal["history", "backtest", "forecast"]
    ds: str
    actual: float | None = None
    forecast: float | None = None
    lo80: float | None = None
    hi80: float | None = None
    lo95: float | None = None
    hi95: float | None = None


class ForecastRun(BaseModel):
    forecast_id: str
    granularity: str
    group_by: str
    horizon: int
    chosen: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    created_by: str
    created_at: str


class ForecastList(BaseModel):
    forecasts: list[ForecastRun]


class ForecastDetail(BaseModel):
    run: ForecastRun
    backtests: list[BacktestRow]
    points: list[ForecastPoint]


class ScenarioIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=80)
    deflection: float = Field(0.0, ge=0, lt=1, description="Share of volume automation takes away.")
    deflection_series: list[str] = Field(default_factory=list, max_length=200)
    aht_change: float = Field(0.0, ge=-0.9, le=5, description="Relative change of handle time.")
    service_level: float | None = Field(None, gt=0, lt=1)
    target: float | None = Field(None, ge=0, le=86_400)


class StaffingRequest(BaseModel):
    forecast_id: str | None = Field(None, max_length=200)
    aht: float = Field(300.0, ge=1, le=86_400)
    service_level: float = Field(0.8, gt=0, lt=1)
    target: float = Field(20.0, ge=0, le=86_400)
    max_occupancy: float = Field(0.85, ge=0.3, le=1)
    shrinkage: float = Field(0.3, ge=0, lt=1)
    model: Literal["erlang_c", "erlang_a"] = "erlang_c"
    patience: float = Field(180.0, ge=1, le=86_400)
    channel_mode: Literal["live", "chat", "email"] = "live"
    concurrency: int = Field(1, ge=1, le=10)
    scenarios: list[ScenarioIn] = Field(default_factory=list, max_length=10)


class WeeklyFte(BaseModel):
    scenario: str
    series: str
    week: str
    agent_hours: float
    fte: float
    fte_delta: float = 0.0


class StaffingInterval(BaseModel):
    scenario: str
    series: str
    ds: str
    volume: float | None = None
    agents: int
    service_level: float | None = None
    asa: float | None = None
    p_abandon: float | None = None
    occupancy: float | None = None
    fte: float | None = None
    agents_delta: int = 0
    fte_delta: float = 0.0


class StaffingPlan(BaseModel):
    plan_id: str
    scenario: str
    description: str | None = None
    params: dict[str, Any]


class StaffingDetail(BaseModel):
    forecast_id: str
    plans: list[StaffingPlan]
    weekly: list[WeeklyFte]
    intervals: list[StaffingInterval]


class ErlangAnswer(BaseModel):
    model: str
    traffic: float = Field(..., description="Offered load, Erlangs.")
    agents: int
    fte: float
    p_wait: float
    service_level: float
    asa: float | None = Field(None, description="Average speed of answer, seconds (null when unbounded).")
    p_abandon: float
    occupancy: float


class TierRow(BaseModel):
    model_config = {"extra": "allow"}

    topic: str
    tickets: int
    escalated: int
    escalation_rate: float


class TierTable(BaseModel):
    topic: str
    rows: list[TierRow]


class PoolSkill(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    arrivals_per_hour: float = Field(..., ge=0, le=100_000)
    aht: float = Field(..., gt=0, le=86_400, description="Handle time, seconds.")


class PoolGroup(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    agents: int = Field(..., ge=0, le=2_000)
    skills: list[str] = Field(..., min_length=1, max_length=50)


class PoolRequest(BaseModel):
    skills: list[PoolSkill] = Field(..., min_length=1, max_length=50)
    groups: list[PoolGroup] = Field(..., min_length=1, max_length=50)
    target: float = Field(20.0, gt=0, le=86_400, description="Service-level target time, seconds.")
    service_level: float = Field(0.8, gt=0, lt=1, description="For Erlang C's dedicated and pooled agents.")
    hours: float = Field(100.0, gt=0, le=2_000)
    replications: int = Field(5, ge=2, le=20)
    seed: int = 0


class PoolAnswer(BaseModel):
    rows: list[dict[str, Any]] = Field(
        ...,
        description="Per skill (service_level, asa, answered) and group (occupancy): mean and 95% interval.",
    )
    erlang_c: list[dict[str, Any]] = Field(
        ..., description="Agents Erlang C needs per skill on its own (dedicated) and for one pooled group."
    )
