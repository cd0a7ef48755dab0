"""Multi-skill pool simulation (WFM-04): what cross-training buys when tickets need different skills.

Erlang C answers for one queue served by one group of interchangeable agents. A desk with skills
(password resets, network, billing) and groups that hold some of them (L1 holds two, L2 all) has no
closed form, so it is simulated: a discrete-event simulation of Poisson arrivals per skill,
exponential handle times per skill, and skills-based routing:

- an arriving contact goes to the eligible idle agent who has been idle longest (the usual ACD rule),
  else waits in its skill's queue (first come, first served);
- an agent who frees up takes the contact that has waited longest among the skills it holds.

Each replication runs `hours` after a warm-up of a tenth of that, discarded; figures are the mean over
`replications` independent runs with a 95% t interval, so the simulation's own noise is stated.
Two closed forms bracket it: every skill with its own dedicated agents (Erlang C per skill) and one
fully cross-trained pool (Erlang C on the summed load; exact when handle times are equal). The tests
check the simulation against Erlang C where Erlang C is exact.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MAX_AGENTS = 2_000
MAX_EVENTS = 5_000_000  # arrivals per replication: refuse a request that would run for minutes
WARMUP_SHARE = 0.1  # simulated before measuring, so the queues start from a typical state, not empty


@dataclass(frozen=True)
class Skill:
    name: str
    arrivals_per_hour: float
    aht: float  # seconds


@dataclass(frozen=True)
class AgentGroup:
    name: str
    agents: int
    skills: tuple[str, ...]


def check_pool(skills: list[Skill], groups: list[AgentGroup], hours: float) -> None:
    """ValueError naming the skill or group that cannot be simulated."""
    names = [s.name for s in skills]
    if not skills or not groups:
        raise ValueError("a pool needs at least one skill and one agent group")
    if len(set(names)) != len(names):
        raise ValueError("skill names must be unique")
    for s in skills:
        if not (s.arrivals_per_hour >= 0 and s.aht > 0):
            raise ValueError(f"skill {s.name!r}: arrivals must be >= 0 and handle time > 0 seconds")
    for g in groups:
        if g.agents < 0 or not g.skills:
            raise ValueError(f"group {g.name!r}: needs 0 or more agents and at least one skill")
        unknown = set(g.skills) - set(names)
        if unknown:
            raise ValueError(f"group {g.name!r}: unknown skill {', '.join(sorted(unknown))}")
    if sum(g.agents for g in groups) > MAX_AGENTS:
        raise ValueError(f"more than {MAX_AGENTS} agents: simulate a smaller pool")
    served = {s for g in groups if g.agents for s in g.skills}
    for s in skills:
        if s.arrivals_per_hour > 0 and s.name not in served:
            raise ValueError(f"skill {s.name!r} has arrivals but no agent holds it")
    if sum(s.arrivals_per_hour for s in skills) * hours > MAX_EVENTS:
        raise ValueError(f"over {MAX_EVENTS:,} arrivals per replication: shorten --hours")


SHARE_METRICS = frozenset({"service_level", "occupancy"})  # bounded by [0, 1]


def _replicate(
    skills: list[Skill], groups: list[AgentGroup], hours: float, warmup: float, target: float, seed: int
) -> dict[str, dict[str, float]]:
    """One run: per skill answered-within-target, waits and count; per group busy seconds."""
    rng = np.random.default_rng(seed)
    end, start = (warmup + hours) * 3600.0, warmup * 3600.0
    agent_group = [gi for gi, g in enumerate(groups) for _ in range(g.agents)]
    agent_skills = [set(groups[gi].skills) for gi in agent_group]
    idle_since: dict[int, float] = {a: 0.0 for a in range(len(agent_group))}
    queues: dict[str, deque[float]] = {s.name: deque() for s in skills}
    aht = {s.name: s.aht for s in skills}
    events: list[tuple[float, int, str, int]] = []  # (time, kind 0 = arrival / 1 = end, skill, agent)
    for s in skills:
        if s.arrivals_per_hour > 0:
            heapq.heappush(events, (rng.exponential(3600.0 / s.arrivals_per_hour), 0, s.name, -1))
    rate = {s.name: s.arrivals_per_hour for s in skills}
    waits: dict[str, list[float]] = {s.name: [] for s in skills}
    busy = [0.0] * len(groups)

    def serve(agent: int, skill: str, now: float, arrived: float) -> None:
        handle = rng.exponential(aht[skill])
        if arrived >= start:
            waits[skill].append(now - arrived)
        # Busy time counted inside the measured span only.
        busy[agent_group[agent]] += max(0.0, min(now + handle, end) - max(now, start))
        heapq.heappush(events, (now + handle, 1, skill, agent))

    while events:
        now, kind, skill, agent = heapq.heappop(events)
        if now > end:
            break
        if kind == 0:
            heapq.heappush(events, (now + rng.exponential(3600.0 / rate[skill]), 0, skill, -1))
            eligible = [a for a, since in idle_since.items() if skill in agent_skills[a]]
            if eligible:
                chosen = min(eligible, key=lambda a: (idle_since[a], a))
                del idle_since[chosen]
                serve(chosen, skill, now, now)
            else:
                queues[skill].append(now)
        else:
            waiting = [(queues[s][0], s) for s in agent_skills[agent] if queues[s]]
            if waiting:
                arrived, next_skill = min(waiting)
                queues[next_skill].popleft()
                serve(agent, next_skill, now, arrived)
            else:
                idle_since[agent] = now
    out: dict[str, dict[str, float]] = {}
    for s in skills:
        w = np.array(waits[s.name])
        out[s.name] = {
            "answered": float(len(w)),
            "service_level": float((w <= target).mean()) if len(w) else math.nan,
            "asa": float(w.mean()) if len(w) else math.nan,
        }
    for gi, g in enumerate(groups):
        out[f"group:{g.name}"] = {
            "occupancy": busy[gi] / (g.agents * hours * 3600.0) if g.agents else math.nan
        }
    return out


def simulate_pool(
    skills: list[Skill],
    groups: list[AgentGroup],
    *,
    target: float = 20.0,
    hours: float = 200.0,
    replications: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Per skill (service level, ASA) and per group (occupancy): mean over replications, 95% interval.

    Columns: kind (skill or group), name, metric, value, low, high, replications."""
    warmup = hours * WARMUP_SHARE
    check_pool(skills, groups, hours + warmup)
    if not 2 <= replications <= 100:
        raise ValueError(f"replications {replications} must be 2 to 100 (an interval needs two)")
    runs = [_replicate(skills, groups, hours, warmup, target, seed + r) for r in range(replications)]
    rows = []
    t = float(stats.t.ppf(0.975, replications - 1))
    for key in runs[0]:
        kind, name = ("group", key.split(":", 1)[1]) if key.startswith("group:") else ("skill", key)
        for metric in runs[0][key]:
            values = np.array([run[key][metric] for run in runs], dtype=float)
            mean = float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
            half = t * float(np.nanstd(values, ddof=1)) / math.sqrt(replications)
            # The t interval is symmetric; a share stays within [0, 1] and a waiting time above 0.
            top = 1.0 if metric in SHARE_METRICS else math.inf
            rows.append(
                (kind, name, metric, mean, max(0.0, mean - half), min(top, mean + half), replications)
            )
    return pd.DataFrame(rows, columns=["kind", "name", "metric", "value", "low", "high", "replications"])


def pooling_bounds(skills: list[Skill], *, service_level: float, target: float) -> pd.DataFrame:
    """Agents Erlang C needs to meet the service level: each skill on its own (dedicated) and all
    skills in one fully cross-trained pool (summed load, load-weighted handle time). A simulated
    pool with partial cross-training lies between the two."""
    from insightdesk.workforce.erlang import erlang_c_metrics

    def needed(per_hour: float, aht: float) -> int:
        traffic = per_hour * aht / 3600.0
        if traffic > MAX_AGENTS:
            raise ValueError(f"{traffic:,.0f} Erlangs offered is beyond a pool of {MAX_AGENTS} agents")
        n = max(1, math.floor(traffic) + 1)
        while erlang_c_metrics(traffic, n, aht, target).service_level < service_level:
            n += 1
        return n

    rows = [
        {"pool": "dedicated", "skill": s.name, "agents": needed(s.arrivals_per_hour, s.aht)}
        for s in skills
        if s.arrivals_per_hour > 0
    ]
    total = sum(s.arrivals_per_hour for s in skills)
    if total > 0:
        aht = sum(s.arrivals_per_hour * s.aht for s in skills) / total
        rows.append({"pool": "pooled", "skill": "all", "agents": needed(total, aht)})
    return pd.DataFrame(rows, columns=["pool", "skill", "agents"])
