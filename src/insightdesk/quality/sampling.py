"""What to review: random, stratified by agent, or oversampling risky tickets (low CSAT or negative
sentiment), each ticket keeping its inclusion probability and weight = 1 / probability.

Every design is stratified sampling without replacement: stratum h of N_h tickets gets n_h draws,
each ticket's probability is n_h / N_h. A weighted mean of QA scores (the Hajek estimator, sum w y /
sum w) then estimates the team's score over all its tickets, not over the oversampled ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

METHODS = ("random", "stratified", "risk")
MAX_SAMPLE = 10_000


def _allocate(sizes: pd.Series, wanted: int, boost: pd.Series | None = None) -> pd.Series:
    """Draws per stratum: proportional to size (x boost), at most the stratum, summing to `wanted`."""
    share = sizes * (boost if boost is not None else 1.0)
    raw = wanted * share / share.sum()
    counts = np.minimum(np.floor(raw), sizes).astype(int)
    # Hand out the remainder to the strata with the largest fractional parts that still have room.
    order = (raw - np.floor(raw)).sort_values(ascending=False).index
    left = wanted - int(counts.sum())
    while left > 0 and (counts < sizes).any():
        for key in order:
            if left and counts[key] < sizes[key]:
                counts[key] += 1
                left -= 1
    return counts


def draw_sample(
    candidates: pd.DataFrame,
    *,
    size: int,
    method: str = "random",
    oversample: float = 3.0,
    seed: int = 0,
) -> pd.DataFrame:
    """`candidates` (ticket_id, agent_id, and for `risk` a boolean `risky`) -> the drawn tickets with
    stratum, probability and weight."""
    if method not in METHODS:
        raise ValueError(f"sampling method {method!r} must be one of {', '.join(METHODS)}")
    if not 1 <= size <= MAX_SAMPLE:
        raise ValueError(f"sample size {size} must be 1 to {MAX_SAMPLE}")
    if not 1 <= oversample <= 20:
        raise ValueError(f"oversample {oversample} must be 1 to 20")
    if candidates.empty:
        raise ValueError("there is no ticket to sample in that window and scope")
    frame = candidates.reset_index(drop=True).copy()
    if method == "random":
        frame["stratum"] = "all"
    elif method == "stratified":
        frame["stratum"] = frame["agent_id"].fillna("unassigned").astype(str)
    else:
        frame["stratum"] = np.where(frame["risky"].fillna(False).astype(bool), "risk", "rest")
    sizes = frame.groupby("stratum").size()
    wanted = min(size, len(frame))
    if method == "stratified":
        # Equal allocation: each agent gets the same share of reviews, however busy.
        per = math.ceil(wanted / len(sizes))
        counts = np.minimum(sizes, per)
    else:
        boost = pd.Series({"risk": oversample}).reindex(sizes.index).fillna(1.0) if method == "risk" else None
        counts = _allocate(sizes, wanted, boost)
    rng = np.random.default_rng(seed)
    drawn = []
    for stratum, group in frame.groupby("stratum"):
        n = int(counts[stratum])
        if n == 0:
            continue
        picked = group.iloc[rng.choice(len(group), size=n, replace=False)].copy()
        picked["probability"] = n / len(group)
        drawn.append(picked)
    out = pd.concat(drawn, ignore_index=True)
    out["weight"] = 1.0 / out["probability"]
    return out


def weighted_mean(values: pd.Series, weights: pd.Series) -> tuple[float, float, float, int]:
    """(Hajek mean, 95% low, 95% high, n): the interval from the linearised variance of the ratio."""
    mask = values.notna()
    y, w = values[mask].to_numpy(float), weights[mask].to_numpy(float)
    n = len(y)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    mean = float((w * y).sum() / w.sum())
    if n < 2:
        return (mean, math.nan, math.nan, n)
    residual = w * (y - mean) / w.sum()
    se = math.sqrt(n / (n - 1) * float((residual**2).sum()))
    return (mean, mean - 1.96 * se, mean + 1.96 * se, n)
