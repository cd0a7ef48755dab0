"""What-if staffing: the same forecast staffed under changed assumptions, side by side with the base.

A scenario is data: a name and the changes it makes (share of volume deflected by automation, on every
series or on some; relative change of handle time; a new service-level target). Each is staffed with
the same Erlang model as the base, and the difference in agents and FTE is given per interval and per
week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from insightdesk.workforce.staffing import StaffingParams, staff_intervals, weekly_fte


@dataclass(frozen=True)
class Scenario:
    name: str
    deflection: float = 0.0  # share of the volume that automation takes away (0.15 = 15%)
    deflection_series: tuple[str, ...] = ()  # series the deflection applies to; empty = all
    aht_change: float = 0.0  # relative change of handle time (-0.10 = 10% shorter)
    service_level: float | None = None
    target: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a scenario needs a name")
        if not 0 <= self.deflection < 1:
            raise ValueError(
                f"scenario {self.name!r}: deflection {self.deflection} must be 0 or more, below 1"
            )
        if not -0.9 <= self.aht_change <= 5:
            raise ValueError(f"scenario {self.name!r}: aht_change {self.aht_change} must be -0.9 to 5")

    def params(self, base: StaffingParams) -> StaffingParams:
        changes: dict[str, Any] = {"aht": base.aht * (1.0 + self.aht_change)}
        if self.service_level is not None:
            changes["service_level"] = self.service_level
        if self.target is not None:
            changes["target"] = self.target
        return base.with_changes(**changes)

    def demand(self, demand: pd.DataFrame) -> pd.DataFrame:
        hit = demand["series"].isin(self.deflection_series) if self.deflection_series else True
        factor = pd.Series(1.0, index=demand.index).where(
            ~pd.Series(hit, index=demand.index), 1 - self.deflection
        )
        return demand.assign(volume=demand["volume"] * factor)

    def describe(self) -> str:
        parts = []
        if self.deflection:
            where = ", ".join(self.deflection_series) if self.deflection_series else "all series"
            parts.append(f"{self.deflection:.0%} of {where} deflected")
        if self.aht_change:
            parts.append(f"handle time {self.aht_change:+.0%}")
        if self.service_level is not None or self.target is not None:
            parts.append(f"target {self.service_level or '='}/{self.target or '='} s")
        return "; ".join(parts) or "no change"


def compare_scenarios(
    demand: pd.DataFrame, base: StaffingParams, scenarios: list[Scenario], interval_seconds: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per interval, per week): agents/FTE of the base and of each scenario, with the deltas."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or "base" in names:
        raise ValueError("scenario names must be distinct and not 'base'")
    base_rows = staff_intervals(demand, base, interval_seconds)
    intervals = base_rows[["series", "ds", "volume", "agents", "fte"]].assign(scenario="base")
    weeks = weekly_fte(base_rows, base, interval_seconds).assign(scenario="base")
    interval_frames, week_frames = [intervals], [weeks]
    for scenario in scenarios:
        params = scenario.params(base)
        rows = staff_intervals(scenario.demand(demand), params, interval_seconds)
        staffed = rows[["series", "ds", "volume", "agents", "fte"]].assign(scenario=scenario.name)
        staffed["agents_delta"] = staffed["agents"].to_numpy() - intervals["agents"].to_numpy()
        staffed["fte_delta"] = staffed["fte"].to_numpy() - intervals["fte"].to_numpy()
        interval_frames.append(staffed)
        week = weekly_fte(rows, params, interval_seconds).assign(scenario=scenario.name)
        week["fte_delta"] = week["fte"].to_numpy() - weeks["fte"].to_numpy()
        week_frames.append(week)
    per_interval = pd.concat(interval_frames, ignore_index=True)
    per_week = pd.concat(week_frames, ignore_index=True)
    for frame in (per_interval, per_week):
        frame["fte_delta"] = frame["fte_delta"].fillna(0.0)
    per_interval["agents_delta"] = per_interval["agents_delta"].fillna(0).astype(int)
    return per_interval, per_week
