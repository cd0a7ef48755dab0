"""Statistics of key drivers, on a per-ticket frame (no store I/O here).

Adjusted effects: one L2-regularised logistic regression of a binary outcome on every attribute at
once (one-hot categoricals with rare levels pooled, the most frequent level as reference; numerics
transformed and standardised). Effects are average marginal effects in percentage points:

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

Disparities are the raw gaps: each level of a segment (tier, region, language, channel...) against
all other tickets, pooled z-test and Newcombe interval for the difference of two proportions, with the p-values
of every level of every segment adjusted together (Holm by default).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

OTHER = "(other)"
MISSING = "(missing)"
LOG1P = frozenset(
    {
        "first_response_hours",
        "resolution_hours",
        "lifetime_value",
        "reopen_count",
        "reassignment_count",
        "channel_switches",
        "customer_messages",
    }
)
SEGMENTS = ("customer_tier", "customer_segment", "customer_region", "language", "channel")
DRIVER_COLUMNS = [
    "kind",
    "feature",
    "level",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "n",
    "contrast",
    "method",
]
DISPARITY_COLUMNS = [
    "kind",
    "feature",
    "level",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "n",
    "rate",
    "rate_rest",
    "n_rest",
    "low_n",
    "method",
]


@dataclass
class _Categorical:
    name: str
    levels: list[str]  # levels[0] is the reference (no column)
    codes: np.ndarray  # level index per row
    start: int  # first design column (levels[1])
    counts: np.ndarray


@dataclass
class _Numeric:
    name: str
    column: int
    mean: float
    sd: float
    low: float  # contrast, in raw units
    high: float
    label: str
    n_known: int
    log: bool

    def z(self, raw: float) -> float:
        value = np.log1p(max(raw, 0.0)) if self.log else raw
        return (value - self.mean) / self.sd


@dataclass
class Design:
    """The model matrix of a driver fit and how each reported attribute maps onto it."""

    x: np.ndarray
    columns: list[str]
    categorical: list[_Categorical]
    numeric: list[_Numeric]
    skipped: dict[str, str] = field(default_factory=dict)


def _pool(values: pd.Series, min_level_n: int) -> pd.Series:
    """Missing values as their own level, rare levels (fewer than `min_level_n` rows) pooled."""
    s = values.astype("object").where(values.notna(), MISSING).astype(str)
    counts = s.value_counts()
    rare = counts.index[counts < min_level_n]
    if len(rare) > 1:  # pooling a single rare level would only rename it
        s = s.where(~s.isin(rare), OTHER)
    return s


def _contrast(raw: pd.Series) -> tuple[float, float, str] | None:
    """Low and high values of a numeric attribute's contrast, or None when it does not vary."""
    known = raw.dropna()
    if known.nunique() < 2:
        return None
    if set(known.unique()) <= {0.0, 1.0}:
        return 0.0, 1.0, "0 -> 1"
    low, high = known.quantile(0.25), known.quantile(0.75)
    label = "p25 -> p75"
    if high <= low:
        low = known.median()
        for q in (0.9, 0.95, 0.99, 1.0):
            high = known.quantile(q)
            if high > low:
                label = f"p50 -> p{round(q * 100)}"
                break
    return float(low), float(high), f"{label}: {low:.4g} -> {high:.4g}"


def build_design(
    frame: pd.DataFrame,
    categorical: Sequence[str],
    numeric: Sequence[str],
    *,
    min_level_n: int = 30,
) -> Design:
    """One-hot categoricals (reference = most frequent level) and standardised numerics."""
    n = len(frame)
    blocks: list[np.ndarray] = []
    columns: list[str] = []
    cats: list[_Categorical] = []
    nums: list[_Numeric] = []
    skipped: dict[str, str] = {}
    for name in categorical:
        if name not in frame:
            skipped[name] = "not in the data"
            continue
        pooled = _pool(frame[name], min_level_n)
        counts = pooled.value_counts(sort=False)
        # Most frequent first (ties by name, so runs are reproducible).
        levels = sorted(counts.index, key=lambda lv: (-counts[lv], lv))
        if len(levels) < 2:
            skipped[name] = "a single level" if pooled.iloc[0] != MISSING else "always missing"
            continue
        index = {lv: i for i, lv in enumerate(levels)}
        codes = pooled.map(index).to_numpy(dtype=np.int64)
        onehot = np.zeros((n, len(levels) - 1))
        rows = np.flatnonzero(codes > 0)
        onehot[rows, codes[rows] - 1] = 1.0
        cats.append(
            _Categorical(name, levels, codes, len(columns), np.bincount(codes, minlength=len(levels)))
        )
        blocks.append(onehot)
        columns += [f"{name}={lv}" for lv in levels[1:]]
    for name in numeric:
        if name not in frame:
            skipped[name] = "not in the data"
            continue
        raw = pd.to_numeric(frame[name], errors="coerce").astype(float)
        contrast = _contrast(raw)
        if contrast is None:
            skipped[name] = "does not vary" if raw.notna().any() else "always missing"
            continue
        log = name in LOG1P
        values = np.log1p(raw.clip(lower=0)) if log else raw
        mean, sd = float(values.mean()), float(values.std())
        known = raw.notna().to_numpy()
        # Missing values sit at the mean, with an indicator column so they do not bias the slope.
        blocks.append(((values.fillna(mean) - mean) / sd).to_numpy()[:, None])
        nums.append(_Numeric(name, len(columns), mean, sd, *contrast, int(known.sum()), log))
        columns.append(name)
        if not known.all():
            blocks.append((~known).astype(float)[:, None])
            columns.append(f"{name}={MISSING}")
    x = np.hstack(blocks) if blocks else np.zeros((n, 0))
    return Design(x, columns, cats, nums, skipped)


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
    from threadpoolctl import threadpool_limits

    # Many small matrix products: one BLAS thread is several times faster than contended ones.
    with threadpool_limits(1):
        return _fit_drivers(
            frame,
            outcome,
            categorical=categorical,
            numeric=numeric,
            min_level_n=min_level_n,
            c=c,
            bootstrap=bootstrap,
            bootstrap_rows=bootstrap_rows,
            alpha=alpha,
            adjust=adjust,
            seed=seed,
        )


def _fit_drivers(
    frame: pd.DataFrame,
    outcome: str,
    *,
    categorical: Sequence[str],
    numeric: Sequence[str],
    min_level_n: int,
    c: float,
    bootstrap: int,
    bootstrap_rows: int,
    alpha: float,
    adjust: str,
    seed: int,
) -> DriverFit:
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
    effects["p_value"] = _normal_p(point, se)
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


def _normal_p(point: np.ndarray, se: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * norm.sf(np.abs(point / se))
    # A level whose effect never moves (zero spread and zero effect) carries no evidence.
    return np.where((se == 0) & (point == 0), 1.0, p)


def adjust_p(pvalues: np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values (statsmodels `multipletests`); NaN p-values stay NaN and out of the family."""
    from statsmodels.stats.multitest import multipletests

    methods = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh", "none": None}
    if method not in methods:
        raise ValueError(f"unknown p-value adjustment {method!r}: use holm, bh or none")
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    out[ok] = p[ok] if methods[method] is None else multipletests(p[ok], method=methods[method])[1]
    return out


def _ztest_p(k1: int, n1: int, k2: int, n2: int, test: Any) -> float:
    """Pooled two-proportion z-test; two rates of exactly 0 (or 1) differ by nothing, p = 1."""
    if (k1 + k2) in (0, n1 + n2):
        return 1.0
    return float(test([k1, k2], [n1, n2])[1])


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
                row["p_value"] = _ztest_p(*args, proportions_ztest)
                # Newcombe's hybrid score interval: good coverage and, unlike score inversion, never fails.
                low, high = confint_proportions_2indep(*args, method="newcomb", alpha=alpha)
                row["ci_low"], row["ci_high"] = 100 * low, 100 * high
            rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in DISPARITY_COLUMNS if c not in ("p_adjusted", "significant")])
    out["p_adjusted"] = adjust_p(out["p_value"].to_numpy(), adjust) if len(out) else []
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    adj = {"holm": "Holm", "bh": "Benjamini-Hochberg", "fdr_bh": "Benjamini-Hochberg", "none": "no"}[adjust]
    out["method"] = f"level vs rest: two-proportion z-test, Newcombe interval; {adj} adjustment across levels"
    return out[DISPARITY_COLUMNS]
