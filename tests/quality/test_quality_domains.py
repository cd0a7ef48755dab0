"""Segment (domain) estimates under a risk-oversampling design, by simulation: the weighted score is
unbiased for each segment's tickets and its design-based 95% interval covers the truth about 95% of
the time, while the plain mean of the reviews is biased."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insightdesk.quality import draw_sample
from insightdesk.quality.segments import domain_scores


def test_domain_scores_are_unbiased_and_cover() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    population = pd.DataFrame(
        {
            "ticket_id": [f"t{i}" for i in range(n)],
            "agent_id": "a",
            "channel": rng.choice(["phone", "chat", "email"], size=n, p=[0.5, 0.3, 0.2]),
            "risky": rng.random(n) < 0.2,
        }
    )
    # Risky tickets score lower, and chat lower still: segments differ and oversampling matters.
    population["score"] = np.clip(
        80 - 30 * population["risky"] - 8 * (population["channel"] == "chat") + rng.normal(0, 10, n), 0, 100
    )
    truth = population.groupby("channel")["score"].mean()
    rounds, hits, errors, plain_errors = 200, 0, [], []
    for seed in range(rounds):
        drawn = draw_sample(population, size=150, method="risk", oversample=4, seed=seed)
        drawn["in_scope"] = True
        out = domain_scores(drawn, "channel").set_index("segment")
        hits += int(((out["low"] <= truth) & (truth <= out["high"])).sum())
        errors.append(out["weighted"] - truth)
        plain_errors.append(out["plain"] - truth)
    coverage = hits / (3 * rounds)
    bias, plain_bias = (
        pd.concat(errors).groupby(level=0).mean(),
        pd.concat(plain_errors).groupby(level=0).mean(),
    )
    assert 0.92 <= coverage <= 0.975, coverage
    assert (bias.abs() < 0.6).all(), bias  # Monte Carlo error of the mean of 200 rounds is about 0.25
    assert (plain_bias < -5).all(), plain_bias


def test_scope_keeps_the_design_but_reports_only_what_is_visible() -> None:
    frame = pd.DataFrame(
        {
            "score": [50.0, 70.0, 90.0, 60.0, 80.0],
            "weight": [2.0, 2.0, 4.0, 4.0, 1.0],
            "stratum": ["s/a", "s/a", "s/b", "s/b", "hand-picked"],
            "team_id": ["t1", "t2", "t1", "t2", "t1"],
            "in_scope": [True, False, True, False, True],
        }
    )
    out = domain_scores(frame, "team_id").set_index("segment")
    assert list(out.index) == ["t1"]
    row = out.loc["t1"]
    assert row["weighted"] == (2 * 50 + 4 * 90 + 80) / 7 and row["n"] == 3 and row["hand_picked"] == 1
    assert row["tickets_estimated"] == 7 and row["low"] < row["weighted"] < row["high"]
