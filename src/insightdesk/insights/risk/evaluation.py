"""How good a risk model is on held-out tickets (no store I/O).

- AUC with DeLong's 95% interval (fast midrank form, Sun & Xu 2014);
- precision in the riskiest k% with a Wilson interval, and its lift over the base rate;
- Brier score, the Brier of always predicting the base rate, and a reliability table
  (tickets in equal-count bins of predicted risk: mean prediction vs observed rate with its interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from insightdesk.insights.risk.config import SMALL_SAMPLE, TOP_K_SHARES
from insightdesk.metrics.stats import wilson


def auc_delong(y: np.ndarray, p: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """ROC AUC with DeLong's interval (clipped to [0, 1])."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return float("nan"), float("nan"), float("nan")
    tx, ty, tz = stats.rankdata(pos), stats.rankdata(neg), stats.rankdata(np.concatenate([pos, neg]))
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n  # structural components (placements)
    v01 = 1 - (tz[m:] - ty) / m
    var = (np.var(v10, ddof=1) if m > 1 else 0.0) / m + (np.var(v01, ddof=1) if n > 1 else 0.0) / n
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(var)
    return float(auc), float(max(0.0, auc - half)), float(min(1.0, auc + half))


def precision_at_k(y: np.ndarray, p: np.ndarray, shares: Sequence[float] = TOP_K_SHARES) -> pd.DataFrame:
    """Share of positives among the riskiest k% of tickets, with its Wilson interval and lift."""
    y = np.asarray(y, dtype=int)
    order = np.argsort(-np.asarray(p, dtype=float), kind="stable")
    base = y.mean() if len(y) else float("nan")
    rows = []
    for share in shares:
        k = max(1, round(share * len(y)))
        hits = int(y[order[:k]].sum())
        lo, hi = wilson(hits, k)
        rows.append(
            {
                "top_share": share,
                "k": k,
                "positives": hits,
                "precision": hits / k,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "lift": (hits / k) / base if base else float("nan"),
                "low_n": k < 30,
            }
        )
    return pd.DataFrame(rows)


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Equal-count bins of predicted risk: mean predicted vs observed rate (Wilson interval)."""
    df = pd.DataFrame({"y": np.asarray(y, dtype=int), "p": np.asarray(p, dtype=float)})
    bins = max(1, min(bins, len(df) // 20))  # at least ~20 tickets a bin
    df["bin"] = pd.qcut(df["p"].rank(method="first"), bins, labels=False)
    g = df.groupby("bin").agg(n=("y", "size"), positives=("y", "sum"), predicted=("p", "mean"))
    g["observed"] = g["positives"] / g["n"]
    lo, hi = wilson(g["positives"].to_numpy(), g["n"].to_numpy())
    g["ci_low"], g["ci_high"] = lo, hi
    g["p_min"] = df.groupby("bin")["p"].min()
    g["p_max"] = df.groupby("bin")["p"].max()
    return g.reset_index()


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Every held-out figure of one model, JSON-ready."""
    from sklearn.metrics import brier_score_loss

    y = np.asarray(y, dtype=int)
    auc, lo, hi = auc_delong(y, p)
    base = float(y.mean())
    brier = float(brier_score_loss(y, p))
    brier_base = float(brier_score_loss(y, np.full(len(y), base)))
    positives = int(y.sum())
    return {
        "n": len(y),
        "positives": positives,
        "base_rate": base,
        "auc": auc,
        "auc_ci_low": lo,
        "auc_ci_high": hi,
        "brier": brier,
        "brier_base_rate": brier_base,
        "brier_skill": 1 - brier / brier_base if brier_base > 0 else float("nan"),
        "mean_predicted": float(np.mean(p)),
        "small_sample": min(positives, len(y) - positives) < SMALL_SAMPLE,
        "precision_at_k": precision_at_k(y, p).to_dict("records"),
        "reliability": reliability_table(y, p).to_dict("records"),
    }
