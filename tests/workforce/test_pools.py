"""The multi-skill pool simulation against Erlang C where Erlang C is exact, and cross-training's
effect where it is not."""

from __future__ import annotations

import pytest

from insightdesk.workforce import erlang_c_metrics
from insightdesk.workforce.pools import AgentGroup, Skill, pooling_bounds, simulate_pool


def _value(frame, name: str, metric: str):  # type: ignore[no-untyped-def]
    return frame.set_index(["name", "metric"]).loc[(name, metric)]


def test_one_skill_matches_erlang_c() -> None:
    # 100 calls an hour, 300 s each: 8.33 Erlangs on 10 agents.
    out = simulate_pool(
        [Skill("phone", 100, 300)], [AgentGroup("desk", 10, ("phone",))], hours=150, replications=4, seed=1
    )
    exact = erlang_c_metrics(100 * 300 / 3600, 10, 300, 20)
    sl = _value(out, "phone", "service_level")
    assert abs(sl["value"] - exact.service_level) < 0.04, (sl.to_dict(), exact.service_level)
    occupancy = _value(out, "desk", "occupancy")["value"]
    assert occupancy == pytest.approx(exact.occupancy, abs=0.03)


def test_cross_training_sits_between_dedicated_and_pooled() -> None:
    skills = [Skill("password", 40, 360), Skill("network", 40, 360)]  # 4 Erlangs each
    kwargs = {"hours": 150, "replications": 4, "seed": 2}
    dedicated = simulate_pool(
        skills, [AgentGroup("a", 5, ("password",)), AgentGroup("b", 5, ("network",))], **kwargs
    )
    partial = simulate_pool(
        skills,
        [AgentGroup("a", 4, ("password",)), AgentGroup("b", 4, ("network",)),
         AgentGroup("both", 2, ("password", "network"))],
        **kwargs,
    )  # fmt: skip
    pooled = simulate_pool(skills, [AgentGroup("all", 10, ("password", "network"))], **kwargs)
    sl = [_value(f, "password", "service_level")["value"] for f in (dedicated, partial, pooled)]
    assert sl[0] < sl[1] < sl[2]
    # Equal handle times: the full pool is exactly Erlang C on the summed load.
    exact = erlang_c_metrics(8.0, 10, 360, 20).service_level
    assert abs(sl[2] - exact) < 0.04
    assert abs(sl[0] - erlang_c_metrics(4.0, 5, 360, 20).service_level) < 0.05
    bounds = pooling_bounds(skills, service_level=0.8, target=20).set_index("pool")["agents"]
    assert bounds["dedicated"].sum() > bounds["pooled"]


def test_pools_are_checked() -> None:
    with pytest.raises(ValueError, match="Erlangs offered is beyond a pool of 2000 agents"):
        pooling_bounds([Skill("flood", 100_000, 86_400)], service_level=0.8, target=20)
    with pytest.raises(ValueError, match="group 'l2': unknown skill vpn"):
        simulate_pool([Skill("password", 10, 300)], [AgentGroup("l2", 2, ("vpn",))])
    with pytest.raises(ValueError, match="skill 'network' has arrivals but no agent holds it"):
        simulate_pool(
            [Skill("password", 10, 300), Skill("network", 5, 600)], [AgentGroup("l1", 2, ("password",))]
        )


def test_intervals_from_few_replications_stay_within_what_is_possible() -> None:
    # An overloaded skill over two short replications: a t interval alone would cross 0 and 1.
    out = simulate_pool(
        [Skill("billing", 120, 300), Skill("tech", 60, 600)],
        [AgentGroup("generalists", 20, ("billing", "tech"))],
        hours=20,
        replications=2,
        seed=0,
    )
    shares = out[out["metric"].isin(["service_level", "occupancy"])]
    assert (shares["low"] >= 0).all() and (shares["high"] <= 1).all()
    assert (out.loc[out["metric"] == "asa", "low"] >= 0).all()
