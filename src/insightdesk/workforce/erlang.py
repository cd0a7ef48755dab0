"""Erlang C (M/M/n, callers wait forever) and Erlang A (M/M/n+M, callers abandon after an exponential
patience): probability of waiting, service level, speed of answer, abandonment and occupancy.

Erlang C goes through the Erlang B recursion, B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)), which never
overflows (the textbook sum of A^k/k! does past a few hundred agents), then C = n B / (n - A (1 - B)).

Erlang A is the birth-death chain of Palm (1943) with births at rate lambda and deaths at
min(k, n) mu + max(k - n, 0) theta; its stationary distribution is summed in log space until the tail
is negligible. A caller who finds m others queued is answered if the m + 1 departures ahead of it
(rates n mu + i theta) beat its own patience; tilting that hypoexponential by exp(-theta V) gives
closed forms: P(answered | m) = n mu / (n mu + (m + 1) theta) and theta V' ~ -ln Beta(n mu / theta + 1,
m + 1), so the service level is a sum of regularised incomplete beta functions (Mandelbaum and Zeltyn,
"The M/M/n+G queue: summary of performance measures", 2007, give the same quantities).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammaln

# The stationary tail of Erlang A is cut where a state's probability is this far below the mode.
_TAIL_LOG_CUT = math.log(1e-18)
# A queue this long means patience far beyond the load's reach: refused rather than summed for ever.
_MAX_QUEUE_STATES = 1_000_000


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of A = `traffic` Erlangs offered to `agents` servers with no queue."""
    if traffic < 0 or agents < 0:
        raise ValueError("traffic and agents must be non-negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller waits (M/M/n): 1 when the agents cannot carry the traffic."""
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


@dataclass(frozen=True)
class QueueMetrics:
    """What one interval looks like with `agents` on the phones (times in seconds, shares 0-1)."""

    agents: int
    traffic: float  # offered load in Erlangs: arrivals per second x handle time
    p_wait: float  # share of callers who wait at all
    service_level: float  # share of all offered callers answered within the target time
    asa: float  # average speed of answer of the callers answered
    mean_wait: float  # average time in queue over every caller, abandoning ones included
    p_abandon: float  # share of callers who hang up before an answer (0 under Erlang C)
    occupancy: float  # share of the agents' time spent handling


def erlang_c_metrics(traffic: float, agents: int, aht: float, target: float) -> QueueMetrics:
    """Erlang C's figures; with too few agents the queue grows without bound (waits are infinite)."""
    if agents <= traffic:
        return QueueMetrics(agents, traffic, 1.0, 0.0, math.inf, math.inf, 0.0, 1.0)
    p_wait = erlang_c(traffic, agents)
    asa = p_wait * aht / (agents - traffic)
    service_level = 1.0 - p_wait * math.exp(-(agents - traffic) * target / aht)
    return QueueMetrics(agents, traffic, p_wait, service_level, asa, asa, 0.0, traffic / agents)


def _stationary(arrival_rate: float, mu: float, theta: float, agents: int) -> np.ndarray:
    """P(k callers in the system), k = 0..K, for the Erlang A chain (K where the tail vanishes)."""
    traffic = arrival_rate / mu
    k = np.arange(agents + 1)
    log_head = k * math.log(traffic) - gammaln(k + 1) if traffic > 0 else np.where(k == 0, 0.0, -np.inf)
    logs = list(log_head)
    log_p, j = float(log_head[-1]), 1
    peak = max(logs)
    while True:
        log_p += math.log(arrival_rate) - math.log(agents * mu + j * theta)
        logs.append(log_p)
        peak = max(peak, log_p)
        # The death rate grows with the queue, so once terms fall they keep falling.
        if log_p - peak < _TAIL_LOG_CUT and agents * mu + j * theta > arrival_rate:
            break
        j += 1
        if j > _MAX_QUEUE_STATES:
            raise ValueError(
                f"the queue does not settle: {agents} agents with patience {1 / theta:.0f} s "
                f"at {arrival_rate:.4g} calls/s; give a shorter patience or more agents"
            )
    weights = np.exp(np.array(logs) - peak)
    return weights / weights.sum()


def erlang_a_metrics(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> QueueMetrics:
    """Erlang A for `arrival_rate` callers per second, handle time `aht` and mean patience `patience`
    (both seconds), with `agents` agents and an answer-time target of `target` seconds."""
    if min(arrival_rate, aht, patience) <= 0 or agents < 1:
        raise ValueError("arrival rate, handle time and patience must be positive, agents at least 1")
    mu, theta = 1.0 / aht, 1.0 / patience
    p = _stationary(arrival_rate, mu, theta, agents)
    queued = p[agents:]  # arrivals finding m = 0, 1, ... others waiting (PASTA)
    m = np.arange(len(queued))
    p_wait = float(queued.sum())
    mean_queue = float((m * queued).sum())
    p_abandon = theta * mean_queue / arrival_rate  # abandonment flow balances theta E[Q]
    served_given_m = agents * mu / (agents * mu + (m + 1) * theta)
    alpha = agents * mu / theta + 1.0
    within_target = 1.0 - betainc(alpha, m + 1.0, math.exp(-theta * target))
    service_level = float(p[:agents].sum() + (queued * served_given_m * within_target).sum())
    # E[V; answered] = P(answered | m) x E[V'], E[V'] = sum of 1 / (n mu + (i + 1) theta), i <= m.
    mean_tilted = np.cumsum(1.0 / (agents * mu + (m + 1) * theta))
    p_answered = 1.0 - p_abandon
    asa = float((queued * served_given_m * mean_tilted).sum()) / p_answered if p_answered > 0 else math.inf
    traffic = arrival_rate * aht
    occupancy = min(1.0, traffic * p_answered / agents)
    return QueueMetrics(
        agents, traffic, p_wait, service_level, asa, mean_queue / arrival_rate, p_abandon, occupancy
    )
