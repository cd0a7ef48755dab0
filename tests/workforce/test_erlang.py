"""Erlang B/C/A against independent routes and published figures.

Independent routes: Erlang C from the direct sum sum_k A^k/k! in log space (not the B recursion);
Erlang A's stationary law from a numerical solve of the truncated generator (not the closed product),
and its service level by integrating the tagged caller's chain with a matrix exponential (not the
incomplete-beta closed form)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm, null_space
from scipy.special import gammaln, logsumexp

from insightdesk.workforce import erlang_a_metrics, erlang_b, erlang_c, erlang_c_metrics


def direct_erlang_c(traffic: float, agents: int) -> float:
    """P(wait) = (A^n/n! * n/(n-A)) / (sum_{k<n} A^k/k! + A^n/n! * n/(n-A)), summed in logs."""
    k = np.arange(agents)
    head = k * math.log(traffic) - gammaln(k + 1)
    tail = agents * math.log(traffic) - gammaln(agents + 1) + math.log(agents / (agents - traffic))
    return math.exp(tail - logsumexp(np.append(head, tail)))


@pytest.mark.parametrize("traffic", [0.5, 3.7, 10.0, 42.3, 180.0])
@pytest.mark.parametrize("extra", [1, 2, 5, 17])
def test_erlang_c_matches_the_direct_sum(traffic: float, extra: int) -> None:
    agents = math.floor(traffic) + extra
    assert erlang_c(traffic, agents) == pytest.approx(direct_erlang_c(traffic, agents), abs=1e-9)


def test_erlang_b_reproduces_the_published_table() -> None:
    # Erlang B tables (e.g. Cooper, Introduction to Queueing Theory, table of offered load per
    # blocking probability): 10 trunks carry 4.461 Erlangs at 1%; 20 trunks 12.03 Erlangs at 1%.
    assert erlang_b(4.461, 10) == pytest.approx(0.01, abs=5e-5)
    assert erlang_b(12.03, 20) == pytest.approx(0.01, abs=5e-5)


def test_erlang_c_reproduces_the_published_worked_example() -> None:
    # Call Centre Helper's worked Erlang C example (100 calls in 30 min, 180 s handle time, 80/20):
    # 14 agents, P(wait) 17.41%, service level 88.84%, occupancy 71.43%; pyworkforce's documented
    # output for the same input: waiting_probability 0.1741319335950498, service_level 0.8883500191794669.
    m = erlang_c_metrics(100 * 180 / 1800, 14, 180, 20)
    assert m.p_wait == pytest.approx(0.1741319335950498, abs=1e-12)
    assert m.service_level == pytest.approx(0.8883500191794669, abs=1e-12)
    assert m.occupancy == pytest.approx(10 / 14)
    assert m.asa == pytest.approx(0.1741319335950498 * 180 / 4, abs=1e-9)


def test_erlang_c_refuses_an_overloaded_interval() -> None:
    m = erlang_c_metrics(10.0, 10, 180, 20)
    assert m.p_wait == 1.0 and m.service_level == 0.0 and math.isinf(m.asa)


def _generator_stationary(lam: float, mu: float, theta: float, n: int, states: int) -> np.ndarray:
    q = np.zeros((states, states))
    for k in range(states - 1):
        q[k, k + 1] = lam
        q[k + 1, k] = min(k + 1, n) * mu + max(k + 1 - n, 0) * theta
    np.fill_diagonal(q, -q.sum(axis=1))
    p = null_space(q.T)[:, 0]
    return p / p.sum()


@pytest.mark.parametrize(("volume", "aht", "patience", "agents"), [(100, 180, 120, 12), (300, 300, 60, 45)])
def test_erlang_a_matches_a_numerical_solve(volume: int, aht: float, patience: float, agents: int) -> None:
    lam, mu, theta, target = volume / 1800, 1 / aht, 1 / patience, 20.0
    m = erlang_a_metrics(lam, aht, patience, agents, target)
    p = _generator_stationary(lam, mu, theta, agents, agents + 150)
    queue = np.arange(len(p)) - agents
    mean_queue = float((np.clip(queue, 0, None) * p).sum())
    assert m.p_wait == pytest.approx(float(p[agents:].sum()), abs=1e-6)
    assert m.p_abandon == pytest.approx(theta * mean_queue / lam, abs=1e-6)
    assert m.mean_wait == pytest.approx(mean_queue / lam, abs=1e-6)
    # Service level: a caller finding m waiting needs m + 1 departures ahead of it (rate n mu + k theta
    # with k still ahead) and abandons at rate theta on the way. One chain for every m: state k = callers
    # ahead, then "answered" and "abandoned"; integrate it to the target with one matrix exponential.
    ahead = len(p) - agents
    gen = np.zeros((ahead + 2, ahead + 2))
    answered_state, abandoned_state = ahead, ahead + 1
    for k in range(ahead):
        leave = agents * mu + k * theta
        gen[k, k - 1 if k > 0 else answered_state] = leave
        gen[k, abandoned_state] = theta
        gen[k, k] = -(leave + theta)
    reached = expm(gen * target)[:ahead, answered_state]
    answered = float(p[:agents].sum() + (p[agents:] * reached).sum())
    assert m.service_level == pytest.approx(answered, abs=1e-6)


def test_erlang_a_becomes_erlang_c_as_patience_grows() -> None:
    a = erlang_a_metrics(100 / 1800, 180, 1e10, 14, 20)
    c = erlang_c_metrics(10.0, 14, 180, 20)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.asa == pytest.approx(c.asa, abs=1e-5)
    assert a.p_abandon < 1e-6


def test_erlang_a_refuses_impossible_input() -> None:
    with pytest.raises(ValueError, match="positive"):
        erlang_a_metrics(0.1, 0, 60, 3, 20)
