"""Adjusted effects of key drivers: a regularised logistic fit, marginal effects, bootstrap (no store I/O).

One L2-regularised logistic regression of a binary outcome on every attribute at once (the design in
`design`). Effects are average marginal effects in percentage points:

- a categorical level: mean predicted risk with every ticket set to that level, minus the mean
  predicted risk of the tickets as they are (the level against the desk's average mix, so the
  figure does not depend on which level is the reference);
- a numeric attribute: mean predicted risk with every ticket at the attribute's 75th percentile minus
  with every ticket at its 25th (0 -> 1 for a flag; for a count that is mostly 0, the median against
  the next higher quantile).

Uncertainty comes from a nonparametric bootstrap of the whole fit (seeded). On large frames the
bootstrap draws m-out-of-n resamples (m = `bootstrap_rows`) and scales their spread by sqrt(m/n), a
consistent estimate of the full-sample standard error for smooth statistics; refits start from the
full-data coefficients. p-values come from the bootstrap standard error (normal approximation) and
are adjusted across all effects of the run (Benjamini-Hochberg by default: drivers are a screen of
many effects); an effect is significant when its adjusted p-value is below alpha and its interval
excludes zero.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insightdesk.insights.common.threads import single_threaded
from insightdesk.insights.drivers.config import DRIVER_COLUMNS
from insightdesk.insights.drivers.design import Design, build_design
from insightdesk.insights.drivers.pvalues import adjust_p, normal_p


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def marginal_effects(design: Design, coef: np.ndarray, intercept: float, rows: np.ndarray) -> np.ndarray:
    """Average marginal effects (probability scale) of every level and numeric, in report order.

    Each counterfactual only moves one attribute's contribution to the linear predictor, so it
    costs O(rows) instead of a new prediction over the whole matrix.
    """
    x = design.x[rows]
    eta = x @ coef + intercept
    base = _sigmoid(eta).mean()
    out: list[float] = []
    for cat in design.categorical:
        beta = np.concatenate([[0.0], coef[cat.start : cat.start + len(cat.levels) - 1]])
        own = beta[cat.codes[rows]]
        for b in beta:
            out.append(_sigmoid(eta - own + b).mean() - base)
    for num in design.numeric:
        b = coef[num.column]
        own = b * x[:, num.column]
        high = _sigmoid(eta - own + b * num.z(num.high)).mean()
        low = _sigmoid(eta - own + b * num.z(num.low)).mean()
        out.append(high - low)
    return np.asarray(out)


@dataclass
class DriverFit:
    """Effects of one driver fit (percentage points) with the fit's bookkeeping."""

    effects: pd.DataFrame
    n: int
    base_rate: float
    auc: float
    bootstrap: int
    bootstrap_rows: int
    seconds: float
    skipped: dict[str, str]
    method: str


# Many small matrix products: one BLAS thread is several times faster than contended ones.
@single_threaded
def fit_drivers(
    frame: pd.DataFrame,
    outcome: str,
    *,
    categorical: Sequence[str],
    numeric: Sequence[str],
    min_level_n: int = 30,
    c: float = 1.0,
    bootstrap: int = 200,
    bootstrap_rows: int = 20_000,
    alpha: float = 0.05,
    adjust: str = "bh",
    seed: int = 0,
) -> DriverFit:
    """Adjusted effects of every attribute on a binary outcome (see the module docstring).

    Rows where the outcome is unknown are left out. `c` is scikit-learn's inverse L2 strength on
    standardised inputs; it is scaled with the resample size so every refit is penalised alike.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    began = time.perf_counter()
    if outcome not in frame:
        raise ValueError(f"outcome column {outcome!r} is not in the frame")
    data = frame[frame[outcome].notna()].reset_index(drop=True)
    y = data[outcome].to_numpy(dtype=float)
    n = len(y)
    if n == 0 or y.min() == y.max():
        raise ValueError(
            f"{outcome}: needs tickets with both outcomes, got {n} rows, {int(y.sum())} positive"
        )
    design = build_design(data, categorical, numeric, min_level_n=min_level_n)
    if not design.columns:
        raise ValueError(f"{outcome}: no attribute varies; nothing to explain ({design.skipped})")

    # Newton steps suit many rows and few columns, and a warm start needs about two of them.
    model = LogisticRegression(C=c, solver="newton-cholesky", max_iter=100, warm_start=True)
    model.fit(design.x, y)
    coef0, icpt0 = model.coef_.copy(), model.intercept_.copy()
    everyone = np.arange(n)
    point = marginal_effects(design, coef0[0], float(icpt0[0]), everyone)
    auc = float(roc_auc_score(y, model.decision_function(design.x)))

    rng = np.random.default_rng(seed)
    m = min(n, bootstrap_rows)
    model.C = c * n / m
    draws = np.empty((bootstrap, len(point)))
    for b in range(bootstrap):
        rows = rng.integers(0, n, m)
        if y[rows].min() == y[rows].max():  # degenerate resample: no information about effects
            draws[b] = np.nan
            continue
        model.coef_, model.intercept_ = coef0.copy(), icpt0.copy()
        model.fit(design.x[rows], y[rows])
        draws[b] = marginal_effects(design, model.coef_[0], float(model.intercept_[0]), rows)

    se = np.nanstd(draws, axis=0, ddof=1) * np.sqrt(m / n)
    if m == n:
        low, high = np.nanpercentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
        how = f"percentile bootstrap ({bootstrap} resamples)"
    else:
        from scipy.stats import norm

        z = norm.ppf(1 - alpha / 2)
        low, high = point - z * se, point + z * se
        how = f"m-out-of-n bootstrap ({bootstrap} resamples of {m:,} rows, SE scaled by sqrt(m/n))"
    method = f"logistic regression (L2, C={c:g}), average marginal effect; {how}"

    rows_out = []
    for cat in design.categorical:
        for level, count in zip(cat.levels, cat.counts, strict=True):
            rows_out.append((cat.name, level, int(count), "level vs desk average"))
    for num in design.numeric:
        rows_out.append((num.name, "", num.n_known, num.label))
    effects = pd.DataFrame(rows_out, columns=["feature", "level", "n", "contrast"])
    effects.insert(0, "kind", "driver")
    effects["effect"] = 100 * point
    effects["ci_low"] = 100 * low
    effects["ci_high"] = 100 * high
    effects["p_value"] = normal_p(point, se)
    effects["p_adjusted"] = adjust_p(effects["p_value"].to_numpy(), adjust)
    excludes_zero = (effects["ci_low"] > 0) | (effects["ci_high"] < 0)
    effects["significant"] = (effects["p_adjusted"] < alpha) & excludes_zero
    effects["method"] = method
    return DriverFit(
        effects=effects[DRIVER_COLUMNS],
        n=n,
        base_rate=float(y.mean()),
        auc=auc,
        bootstrap=bootstrap,
        bootstrap_rows=m,
        seconds=time.perf_counter() - began,
        skipped=design.skipped,
        method=method,
    )


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Effects with the significant ones first, each group by decreasing absolute effect."""
    order = frame.assign(_sig=~frame["significant"], _abs=-frame["effect"].abs())
    return order.sort_values(["_sig", "_abs"], kind="mergesort").drop(columns=["_sig", "_abs"])
