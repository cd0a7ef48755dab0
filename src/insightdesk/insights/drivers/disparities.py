"""Segment disparities of key drivers: raw gaps, each level of a segment against the rest (no store I/O).

Each level of a segment (tier, region, language, channel...) is compared with all other tickets:
pooled z-test and Newcombe interval for the difference of two proportions, with the p-values of
every level of every segment adjusted together (Holm by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.insights.common.features import MISSING
from insightdesk.insights.drivers.config import ADJUSTMENT_NAMES, DISPARITY_COLUMNS, SEGMENTS
from insightdesk.insights.drivers.pvalues import adjust_p, ztest_p


def segment_disparities(
    frame: pd.DataFrame,
    outcome: str,
    *,
    segments: Sequence[str] = SEGMENTS,
    min_n: int = 30,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Each level of each segment against the rest: raw gap of the outcome rate in percentage points.

    Levels or rests with fewer than `min_n` tickets are listed (low_n) but not tested, so they
    neither count in the adjustment nor get flagged.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    data = frame[frame[outcome].notna()]
    y = data[outcome].to_numpy(dtype=float)
    total_k, total_n = float(y.sum()), len(y)
    rows: list[dict[str, Any]] = []
    for name in segments:
        if name not in data:
            continue
        levels = data[name].astype("object").where(data[name].notna(), MISSING).astype(str)
        if levels.nunique() < 2:
            continue
        stats = pd.DataFrame({"level": levels.to_numpy(), "y": y}).groupby("level")["y"].agg(["sum", "count"])
        for level, (k, count) in stats.iterrows():
            k_rest, n_rest = total_k - k, total_n - count
            row: dict[str, Any] = {
                "kind": "disparity",
                "feature": name,
                "level": str(level),
                "n": int(count),
                "n_rest": int(n_rest),
                "rate": 100 * k / count,
                "rate_rest": 100 * k_rest / n_rest if n_rest else np.nan,
                "effect": 100 * (k / count - k_rest / n_rest) if n_rest else np.nan,
                "low_n": bool(count < min_n or n_rest < min_n),
                "ci_low": np.nan,
                "ci_high": np.nan,
                "p_value": np.nan,
            }
            if not row["low_n"]:
                args = (int(k), int(count), int(k_rest), int(n_rest))
                row["p_value"] = ztest_p(*args, proportions_ztest)
                # Newcombe's hybrid score interval: good coverage and, unlike score inversion, never fails.
                low, high = confint_proportions_2indep(*args, method="newcomb", alpha=alpha)
                row["ci_low"], row["ci_high"] = 100 * low, 100 * high
            rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in DISPARITY_COLUMNS if c not in ("p_adjusted", "significant")])
    out["p_adjusted"] = adjust_p(out["p_value"].to_numpy(), adjust) if len(out) else []
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    adj = ADJUSTMENT_NAMES[adjust]
    out["method"] = f"level vs rest: two-proportion z-test, Newcombe interval; {adj} adjustment across levels"
    return out[DISPARITY_COLUMNS]
