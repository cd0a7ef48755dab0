"""Agents and FTE per interval from forecast volume: Erlang C or Erlang A for live channels, and the
documented approximations for chat (concurrent sessions) and email (a backlog worked off within its
response target).

Agents on the floor are the smallest number that meets the service-level target and keeps occupancy
under its cap; FTE adds shrinkage (breaks, training, absence): FTE = agents / (1 - shrinkage), and a
week's FTE is its agent-hours over the paid hours of one FTE.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from insightdesk.workforce.erlang import QueueMetrics, erlang_a_metrics, erlang_c_metrics

MODELS = ("erlang_c", "erlang_a")
MAX_TRAFFIC = 10_000  # Erlangs in one interval
CHANNEL_MODES = ("live", "chat", "email")


@dataclass(frozen=True)
class StaffingParams:
    """The assumptions of a staffing plan (times in seconds, shares 0-1)."""

    aht: float = 300.0
    service_level: float = 0.8
    target: float = 20.0
    max_occupancy: float = 0.85
    shrinkage: float = 0.3
    model: str = "erlang_c"
    patience: float = 180.0  # mean time a caller waits before hanging up (Erlang A)
    channel_mode: str = "live"
    concurrency: int = 1  # chat sessions one agent holds at once
    fte_hours_per_week: float = 37.5

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.aht <= 86_400:
            problems.append(f"aht {self.aht} must be 1 to 86,400 seconds")
        if not 0 < self.service_level < 1:
            problems.append(f"service_level {self.service_level} must be between 0 and 1 (exclusive)")
        if not self.target >= 0:
            problems.append(f"target {self.target} must be 0 seconds or more")
        if not 0.3 <= self.max_occupancy <= 1:
            problems.append(f"max_occupancy {self.max_occupancy} must be 0.3 to 1")
        if not 0 <= self.shrinkage < 1:
            problems.append(f"shrinkage {self.shrinkage} must be at least 0 and below 1")
        if self.model not in MODELS:
            problems.append(f"model {self.model!r} must be one of {', '.join(MODELS)}")
        if not 1 <= self.patience <= 86_400:
            problems.append(f"patience {self.patience} must be 1 to 86,400 seconds")
        if self.channel_mode not in CHANNEL_MODES:
            problems.append(f"channel_mode {self.channel_mode!r} must be one of {', '.join(CHANNEL_MODES)}")
        if not 1 <= self.concurrency <= 10:
            problems.append(f"concurrency {self.concurrency} must be 1 to 10")
        if not 0 < self.fte_hours_per_week <= 80:
            problems.append(f"fte_hours_per_week {self.fte_hours_per_week} must be above 0 and at most 80")
        if problems:
            raise ValueError("staffing parameters: " + "; ".join(problems))

    def with_changes(self, **changes: Any) -> StaffingParams:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _metrics(volume: float, seconds: float, params: StaffingParams, agents: int) -> QueueMetrics:
    if params.model == "erlang_a":
        return erlang_a_metrics(volume / seconds, params.aht, params.patience, agents, params.target)
    return erlang_c_metrics(volume / seconds * params.aht, agents, params.aht, params.target)


def agents_for_interval(volume: float, seconds: float, params: StaffingParams) -> QueueMetrics | None:
    """The fewest agents meeting the service level and the occupancy cap; None for an empty interval.

    Chat: concurrent sessions are treated as `concurrency` virtual agents per person, each handling a
    session in `aht` (an approximation: real sessions slow down as an agent takes more of them).
    """
    if volume <= 0:
        return None
    traffic = volume / seconds * params.aht
    if traffic > MAX_TRAFFIC:
        raise ValueError(
            f"{traffic:,.0f} Erlangs in one interval is more than {MAX_TRAFFIC:,}: split the interval"
        )
    # Occupancy is at most traffic / agents, so fewer than traffic / cap agents never meet the cap.
    agents = max(1, math.floor(traffic), math.floor(traffic / params.max_occupancy))
    # Past traffic / cap + a margin that grows like sqrt(traffic) (square-root staffing) nothing changes.
    ceiling = math.ceil(traffic / params.max_occupancy + 10 * math.sqrt(traffic) + 50)
    while agents <= ceiling:
        metrics = _metrics(volume, seconds, params, agents)
        if metrics.service_level >= params.service_level and metrics.occupancy <= params.max_occupancy:
            return metrics
        agents += 1
    raise ValueError(
        f"no staffing up to {ceiling} agents meets {params.service_level:.0%} in {params.target:g} s "
        f"for {volume:g} arrivals: loosen the target"
    )


def staff_intervals(demand: pd.DataFrame, params: StaffingParams, interval_seconds: int) -> pd.DataFrame:
    """Agents and FTE for each row of `demand` (columns `series`, `ds`, `volume`).

    Email is not queued live: its agents are the workload over the interval at the occupancy cap
    (volume x aht / (interval x cap)), the backlog being worked within its response target.
    """
    rows = []
    for record in demand.itertuples(index=False):
        volume = max(0.0, float(record.volume))
        row: dict[str, Any] = {"series": record.series, "ds": record.ds, "volume": volume}
        if params.channel_mode == "email":
            workload = volume * params.aht / interval_seconds
            agents = math.ceil(workload / params.max_occupancy) if volume > 0 else 0
            row.update(agents=agents, service_level=None, asa=None, p_abandon=None)
            row["occupancy"] = workload / agents if agents else None
        else:
            metrics = agents_for_interval(volume, interval_seconds, params)
            seats = 0 if metrics is None else metrics.agents
            row["agents"] = math.ceil(seats / params.concurrency) if params.channel_mode == "chat" else seats
            row.update(
                service_level=None if metrics is None else metrics.service_level,
                asa=None if metrics is None else metrics.asa,
                p_abandon=None if metrics is None else metrics.p_abandon,
                occupancy=None if metrics is None else metrics.occupancy,
            )
        row["fte"] = row["agents"] / (1.0 - params.shrinkage)
        rows.append(row)
    columns = ["series", "ds", "volume", "agents", "service_level", "asa", "p_abandon", "occupancy", "fte"]
    return pd.DataFrame(rows, columns=columns)


def weekly_fte(intervals: pd.DataFrame, params: StaffingParams, interval_seconds: int) -> pd.DataFrame:
    """FTE per series and ISO week: paid agent-hours (agents x interval, grossed up for shrinkage)
    over one FTE's weekly hours."""
    if intervals.empty:
        return pd.DataFrame(columns=["series", "week", "agent_hours", "fte"])
    frame = intervals.assign(
        week=pd.to_datetime(intervals["ds"]).dt.to_period("W-SUN").dt.start_time,
        agent_hours=intervals["agents"] * interval_seconds / 3600.0,
    )
    weekly = frame.groupby(["series", "week"], as_index=False)["agent_hours"].sum()
    weekly["fte"] = weekly["agent_hours"] / (1.0 - params.shrinkage) / params.fte_hours_per_week
    return weekly
