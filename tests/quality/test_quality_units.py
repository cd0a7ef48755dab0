"""Rubric scoring, sampling weights, agreement statistics and shrinkage, on numbers worked out by hand
or published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insightdesk.quality import (
    RubricError,
    draw_sample,
    icc_2_1,
    parse_rubric_yaml,
    score_answers,
    weighted_mean,
)
from insightdesk.quality.calibration import alpha_with_interval, analyse_round
from insightdesk.quality.shrinkage import shrink_means, shrink_shares

RUBRIC = """
id: support
name: Support conversation
sections:
  - name: Empathy
    criteria:
      - {id: greeting, label: Greets the customer, weight: 1, points: 2}
      - {id: tone, label: Empathetic tone, weight: 2, points: 4}
  - name: Compliance
    criteria:
      - {id: identity, label: Verifies identity, weight: 3, auto_fail: true, allow_na: true}
"""


def test_weighted_total_na_and_auto_fail() -> None:
    rubric = parse_rubric_yaml(RUBRIC)
    assert rubric.sections == ["Empathy", "Compliance"]
    full = score_answers(rubric, {"greeting": 2, "tone": 2, "identity": 1})
    assert full.score == pytest.approx(100 * (1 * 1 + 2 * 0.5 + 3 * 1) / 6)
    na = score_answers(rubric, {"greeting": 2, "tone": 4, "identity": "na"})
    assert na.score == 100 and na.answers["identity"] is None
    failed = score_answers(rubric, {"greeting": 2, "tone": 4, "identity": 0})
    assert failed.auto_failed and failed.score == 0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"greeting": 2, "tone": 2}, "criterion 'identity' is not answered"),
        ({"greeting": None, "tone": 2, "identity": 1}, "'greeting' may not be marked not applicable"),
        ({"greeting": 3, "tone": 2, "identity": 1}, "'greeting': 3 must be 0 to 2"),
        ({"greeting": 1, "tone": 2, "identity": 1, "speed": 1}, "has no criterion speed"),
    ],
)
def test_answers_are_checked(answers: dict, message: str) -> None:
    with pytest.raises(RubricError, match=message):
        score_answers(parse_rubric_yaml(RUBRIC), answers)


def test_rubric_definitions_are_checked() -> None:
    with pytest.raises(RubricError, match="criterion ids repeated: a"):
        parse_rubric_yaml(
            "id: r\nname: R\nsections:\n- name: S\n  criteria: [{id: a, label: A}, {id: a, label: B}]"
        )
    with pytest.raises(RubricError, match="weight -1 must be a number above 0"):
        parse_rubric_yaml("id: r\nname: R\nsections:\n- name: S\n  criteria: [{id: a, label: A, weight: -1}]")
    with pytest.raises(RubricError, match="not valid YAML"):
        parse_rubric_yaml("id: [")


def test_oversampling_keeps_the_team_mean_unbiased() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    risky = rng.random(n) < 0.1
    scores = np.where(risky, 40.0, 85.0) + rng.normal(0, 5, n)
    frame = pd.DataFrame({"ticket_id": range(n), "agent_id": rng.integers(0, 20, n), "risky": risky})
    truth = scores.mean()
    weighted, plain = [], []
    for seed in range(40):
        s = draw_sample(frame, size=200, method="risk", oversample=4, seed=seed)
        y = pd.Series(scores[s["ticket_id"]])
        weighted.append(weighted_mean(y, s["weight"])[0])
        plain.append(y.mean())
        assert (
            s.groupby("stratum")["probability"].first()["risk"]
            > s.groupby("stratum")["probability"].first()["rest"]
        )
    assert abs(np.mean(weighted) - truth) < 1.0  # the Hajek estimate is on target
    assert np.mean(plain) < truth - 5  # the unweighted mean of an oversampled review is not


def test_stratified_sampling_gives_each_agent_reviews() -> None:
    frame = pd.DataFrame({"ticket_id": range(100), "agent_id": ["a"] * 90 + ["b"] * 10})
    s = draw_sample(frame, size=10, method="stratified")
    assert s.groupby("agent_id").size().to_dict() == {"a": 5, "b": 5}
    assert s.set_index("agent_id")["weight"].groupby(level=0).first().to_dict() == {"a": 18.0, "b": 2.0}


def test_icc_matches_shrout_and_fleiss() -> None:
    # Shrout and Fleiss (1979), Table 2: six targets, four judges; ICC(2,1) = 0.29.
    ratings = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float
    )
    assert icc_2_1(ratings)["icc"] == pytest.approx(0.29, abs=0.005)


def test_alpha_matches_krippendorff_and_is_bracketed() -> None:
    # Krippendorff's (2011) worked example, interval data from three coders: alpha 0.849 for
    # "Computing Krippendorff's Alpha-Reliability" Fig. 3 (nominal 0.743, interval 0.849).
    nan = np.nan
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ])  # fmt: skip
    result = alpha_with_interval(data, "interval", rounds=200)
    assert result["alpha"] == pytest.approx(0.849, abs=0.001)
    assert result["low"] < result["alpha"] < result["high"] <= 1


def test_calibration_round_flags_and_drift() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for ticket in range(12):
        truth = int(rng.integers(0, 3))
        for reviewer, bias in (("ann", 0), ("bob", 0), ("cy", 1)):
            agreed = min(2, truth + bias)
            noisy = int(rng.integers(0, 3))
            rows.append(
                {
                    "reviewer": reviewer,
                    "ticket_id": ticket,
                    "score": 50.0 * agreed + 10 * bias,
                    "answers": {"clear": agreed, "noise": noisy},
                }
            )
    result = analyse_round(pd.DataFrame(rows), ["clear", "noise"], rounds=100)
    assert result["criteria"]["noise"]["flagged"] and not result["criteria"]["clear"]["flagged"]
    drift = {d["reviewer"]: d for d in result["drift"]}
    assert drift["cy"]["bias"] > 0 and drift["ann"]["bias"] <= drift["cy"]["bias"]
    with pytest.raises(ValueError, match="at least two reviewers"):
        analyse_round(pd.DataFrame(rows[:1]), ["clear"])


def test_shrinkage_pulls_small_agents_toward_the_team() -> None:
    groups = pd.DataFrame(
        {
            "agent": ["big", "small", "mid"],
            "n": [200, 3, 40],
            "mean": [90.0, 40.0, 70.0],
            "var": [100.0, 100.0, 100.0],
        }
    )
    out = shrink_means(groups).set_index("agent")
    team = out.attrs["team_mean"]
    assert abs(out.loc["small", "estimate"] - team) < abs(40 - team)
    assert out.loc["big", "estimate"] == pytest.approx(90, abs=1.0)
    assert out.loc["small", "high"] - out.loc["small", "low"] > out.loc["big", "high"] - out.loc["big", "low"]
    shares = shrink_shares(
        pd.DataFrame({"agent": ["a", "b", "c", "d"], "n": [100, 2, 50, 80], "k": [90, 0, 30, 60]})
    ).set_index("agent")
    assert shares.loc["b", "estimate"] > 0.3  # 0 of 2, pulled well toward the team rate
    assert (shares["low"] <= shares["estimate"]).all() and (shares["estimate"] <= shares["high"]).all()
