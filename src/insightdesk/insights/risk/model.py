"""Dissatisfaction-risk models without I/O: the two candidates, time split, calibration, explanations.

Both candidates see the same per-ticket features (`insights.features`):
- `logistic`: one-hot levels (rare ones pooled) and log-scaled, standardised numbers with a missing
  indicator, into an L2-regularised logistic regression whose strength is cross-validated;
- `boosting`: scikit-learn's HistGradientBoostingClassifier with native categorical splits (levels
  ordinal-encoded, rare ones pooled) and native missing values.

The time split is strict: the model is fitted on the oldest part of the training period, chosen and
calibrated on its most recent slice (closest to how it will be used), and evaluated once on the
held-out tickets created after `split_at`.

A ticket's explanation answers "how much higher is this ticket's risk than if this one feature were
typical?": the difference between its predicted risk and the risk with the feature set to its
reference value (median of a number, most common level of a category) in the training data,
for every feature, the three largest kept. For the linear model that is exact from one pass (the
feature's logit term moves by coefficient x (value - reference)); for boosting it is one more
prediction per feature on already-encoded rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

ALGORITHMS = ("logistic", "boosting")
MISSING = "(missing)"
# Levels seen fewer times than this in the fitting data are pooled; at most MAX_LEVELS per feature.
MIN_LEVEL_COUNT = 20
MAX_LEVELS = 40
# Heavy-tailed, non-negative numbers enter the linear model on a log scale.
LOG_SCALED = {
    "first_response_hours",
    "resolution_hours",
    "reopen_count",
    "reassignment_count",
    "channel_switches",
    "customer_messages",
    "lifetime_value",
}
# Fewer labelled tickets of either class than this, overall or in the held-out period, is an error.
MIN_PER_CLASS = 30
MIN_PER_CLASS_TEST = 10
MIN_SHOWN_EFFECT = 5e-4  # under 0.05 risk points is not a factor worth showing
# Boosting explanations cost one prediction per feature; a feature that moved fewer than 1% of the
# validation tickets' risk by a point or more is not evaluated per ticket (it would rarely make a
# top 3). The logistic model's explanations are exact for every feature at no extra cost.
SILENT_P99_EFFECT = 0.01
# Boosting is kept only when its validation AUC beats the logistic model's by more than this:
# on a tie the simpler model wins (exact, cheaper explanations, smoother scores).
BOOSTING_MARGIN = 0.01


_F = TypeVar("_F", bound=Callable[..., Any])


def single_threaded(fn: _F) -> _F:
    """Run `fn` with one OpenMP / BLAS thread.

    On a small machine shared with other work, scikit-learn's thread pools spin against the other
    processes: boosting was measured 20x slower (22 s vs 1 s) at load 8 on 2 cores. One thread
    costs at most the core count on an idle machine. (threadpoolctl ships with scikit-learn.)
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class RiskDataError(ValueError):
    """Too few labelled tickets, or a split that leaves one side without data."""


def log1p_clipped(x: Any) -> Any:
    """log(1 + max(x, 0)): module-level so fitted pipelines pickle."""
    return np.log1p(np.clip(x, 0, None))


# -- feature preparation -------------------------------------------------------------------------
def usable_features(
    frame: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The features that vary in `frame`: an always-missing or constant column carries nothing."""
    cats = [c for c in categorical if c in frame and frame[c].nunique(dropna=False) > 1]
    nums = [
        c for c in numeric if c in frame and frame[c].notna().any() and frame[c].nunique(dropna=False) > 1
    ]
    return cats, nums


def prepare(frame: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]) -> pd.DataFrame:
    """Model input: categories as strings with an explicit missing level, numbers as float."""
    out = pd.DataFrame(index=frame.index)
    for c in categorical:
        col = frame[c] if c in frame else pd.Series(None, index=frame.index, dtype=object)
        out[c] = col.astype(object).where(col.notna(), MISSING).astype(str)
    for c in numeric:
        col = frame[c] if c in frame else pd.Series(np.nan, index=frame.index)
        out[c] = pd.to_numeric(col, errors="coerce").astype("float64")
    return out


def _l2_only_kwargs() -> dict[str, Any]:
    """Plain L2 stated the way the installed scikit-learn wants it (1.8 moved it to `l1_ratios`)."""
    import inspect

    from sklearn.linear_model import LogisticRegressionCV

    params = inspect.signature(LogisticRegressionCV).parameters
    if "use_legacy_attributes" in params:
        return {"l1_ratios": (0.0,), "use_legacy_attributes": False}
    return {}


def _logistic(cats: list[str], nums: list[str], n_fit: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    # One transformer per feature, so each feature's output columns are known (explanations).
    parts: list[tuple[str, Any, list[str]]] = []
    for c in cats:
        enc = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=min(MIN_LEVEL_COUNT, max(2, n_fit // 50)),
            max_categories=MAX_LEVELS,
            sparse_output=False,
        )
        parts.append((c, enc, [c]))
    for c in nums:
        steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
        if c in LOG_SCALED:
            steps.append(FunctionTransformer(log1p_clipped, feature_names_out="one-to-one"))
        steps.append(StandardScaler())
        parts.append((c, make_pipeline(*steps), [c]))
    model = LogisticRegressionCV(
        Cs=[0.01, 0.1, 1.0, 10.0], cv=4, scoring="neg_log_loss", max_iter=2000, **_l2_only_kwargs()
    )
    return Pipeline([("features", ColumnTransformer(parts, sparse_threshold=0.0)), ("model", model)])


def _boosting(cats: list[str], nums: list[str], n_fit: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    parts: list[tuple[str, Any, list[str]]] = [
        (
            c,
            OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                min_frequency=min(MIN_LEVEL_COUNT, max(2, n_fit // 50)),
                max_categories=MAX_LEVELS,
            ),
            [c],
        )
        for c in cats
    ]
    parts += [(c, "passthrough", [c]) for c in nums]
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=400,
        max_leaf_nodes=15,
        min_samples_leaf=max(10, min(50, n_fit // 100)),
        l2_regularization=1.0,
        categorical_features=list(range(len(cats))),
        # Early stopping needs a large enough internal validation split; small data gets fewer trees.
        early_stopping=n_fit >= 2000,
        max_features=0.8,
        random_state=0,
    )
    if n_fit < 2000:
        model.set_params(max_iter=150)
    return Pipeline([("features", ColumnTransformer(parts, sparse_threshold=0.0)), ("model", model)])


def make_candidate(algorithm: str, cats: list[str], nums: list[str], n_fit: int) -> Any:
    if algorithm == "logistic":
        return _logistic(cats, nums, n_fit)
    if algorithm == "boosting":
        return _boosting(cats, nums, n_fit)
    raise ValueError(f"unknown algorithm {algorithm!r}; choose from {', '.join(ALGORITHMS)}")


# -- calibration ---------------------------------------------------------------------------------
def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class Calibrator:
    """Platt scaling of the raw probability (`none` leaves it as it is)."""

    method: str = "none"
    a: float = 1.0
    b: float = 0.0

    def __call__(self, p: np.ndarray) -> np.ndarray:
        if self.method == "none":
            return p
        return 1.0 / (1.0 + np.exp(-(self.a * _logit(p) + self.b)))


def _fit_platt(p: np.ndarray, y: np.ndarray) -> Calibrator:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(p).reshape(-1, 1), y)
    return Calibrator("sigmoid", float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def choose_calibration(p: np.ndarray, y: np.ndarray) -> tuple[Calibrator, dict[str, float]]:
    """Platt scaling if it lowers the Brier score out of sample on the validation slice.

    Two-fold check inside the slice (calibrate on one half, score the other, both ways) so the
    decision is not made on the data it was fitted on.
    """
    from sklearn.metrics import brier_score_loss

    n = len(y)
    halves = [np.arange(n) < n // 2, np.arange(n) >= n // 2]
    raw, platt = [], []
    for fit_mask, eval_mask in (halves, halves[::-1]):
        if len(np.unique(y[fit_mask])) < 2 or len(np.unique(y[eval_mask])) < 2:
            return Calibrator(), {}
        cal = _fit_platt(p[fit_mask], y[fit_mask])
        raw.append(brier_score_loss(y[eval_mask], p[eval_mask]))
        platt.append(brier_score_loss(y[eval_mask], cal(p[eval_mask])))
    check = {"brier_raw": float(np.mean(raw)), "brier_platt": float(np.mean(platt))}
    if check["brier_platt"] < check["brier_raw"]:
        return _fit_platt(p, y), check
    return Calibrator(), check


# -- the fitted model ----------------------------------------------------------------------------
@dataclass
class FittedRiskModel:
    """What the artefact holds: the pipeline, its calibration, and what explanations compare to."""

    target: str
    algorithm: str
    categorical: list[str]
    numeric: list[str]
    pipeline: Any
    calibrator: Calibrator
    reference: dict[str, Any]  # per feature: the typical value explanations compare to
    bands: dict[str, float] = field(default_factory=dict)  # score thresholds of `high` and `medium`
    silent: set[str] = field(default_factory=set)  # boosting: features not evaluated per ticket
    global_importance: list[dict[str, Any]] = field(default_factory=list)  # on the validation slice

    @property
    def features(self) -> list[str]:
        return [*self.categorical, *self.numeric]

    @single_threaded
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        x = prepare(frame, self.categorical, self.numeric)
        return self.calibrator(self.pipeline.predict_proba(x)[:, 1])

    def band(self, scores: np.ndarray) -> np.ndarray:
        high, medium = self.bands.get("high", 1.1), self.bands.get("medium", 1.1)
        return np.where(scores >= high, "high", np.where(scores >= medium, "medium", "low"))

    @single_threaded
    def predict_explained(self, frame: pd.DataFrame, top: int = 3) -> tuple[np.ndarray, list[list[dict]]]:
        """Scores and, per ticket, the `top` features that move its risk most (signed, in risk points)."""
        x = prepare(frame, self.categorical, self.numeric)
        p, effects = self._effects(x)
        return p, _top_factors(effects, x, self.features, top)

    def _effects(self, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Risk of each row, and per feature: risk minus the risk with that feature at its reference."""
        ct = self.pipeline.named_steps["features"]
        est = self.pipeline.named_steps["model"]
        z = ct.transform(x)
        ref_row = prepare(pd.DataFrame([self.reference]), self.categorical, self.numeric)
        z_ref = ct.transform(ref_row)[0]
        names = self.features
        effects = np.zeros((len(x), len(names)))
        if self.algorithm == "logistic":
            coef = est.coef_[0]
            logit = z @ coef + est.intercept_[0]
            p = self.calibrator(1 / (1 + np.exp(-logit)))
            for j, name in enumerate(names):
                s = ct.output_indices_[name]
                term = (z[:, s] - z_ref[s]) @ coef[s]
                effects[:, j] = p - self.calibrator(1 / (1 + np.exp(-(logit - term))))
            return p, effects
        p = self.calibrator(est.predict_proba(z)[:, 1])
        for j, name in enumerate(names):
            # One more prediction per feature: skipped for features that moved no validation
            # ticket's risk by a shown amount (mostly features the trees never split on).
            if name in self.silent:
                continue
            col = ct.output_indices_[name].start
            differs = ~((z[:, col] == z_ref[col]) | (np.isnan(z[:, col]) & np.isnan(z_ref[col])))
            if differs.any():
                zj = z[differs]
                zj[:, col] = z_ref[col]
                effects[differs, j] = p[differs] - self.calibrator(est.predict_proba(zj)[:, 1])
        return p, effects

    @single_threaded
    def importance(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Mean and largest absolute effect of each feature over `frame` (a global explanation)."""
        x = prepare(frame, self.categorical, self.numeric)
        _, effects = self._effects(x)
        out = pd.DataFrame(
            {
                "feature": self.features,
                "mean_abs_effect": np.abs(effects).mean(axis=0),
                "p99_abs_effect": np.quantile(np.abs(effects), 0.99, axis=0),
                "max_abs_effect": np.abs(effects).max(axis=0),
            }
        )
        return out.sort_values("mean_abs_effect", ascending=False, ignore_index=True)


def _top_factors(effects: np.ndarray, x: pd.DataFrame, names: list[str], top: int) -> list[list[dict]]:
    """Per row, the `top` largest effects as {feature, value, effect} (vectorised: 100k rows in ~1 s)."""
    order = np.argsort(-np.abs(effects), axis=1)[:, :top]
    picked = np.take_along_axis(effects, order, axis=1)
    keep = (np.abs(picked) >= MIN_SHOWN_EFFECT).tolist()
    rounded = np.round(picked, 4).tolist()
    values: list[list[Any]] = []
    for name in names:
        v = x[name].to_numpy()
        if v.dtype.kind == "f":
            shown = np.round(v, 3).astype(object)
            shown[np.isnan(v)] = None
            values.append(shown.tolist())
        else:
            values.append(v.tolist())
    return [
        [
            {"feature": names[j], "value": values[j][i], "effect": e}
            for j, e, k in zip(row_order, row_effects, row_keep, strict=True)
            if k
        ]
        for i, (row_order, row_effects, row_keep) in enumerate(
            zip(order.tolist(), rounded, keep, strict=True)
        )
    ]


def reference_values(x: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]) -> dict[str, Any]:
    """The typical ticket: most common level of each category, median of each number."""
    ref: dict[str, Any] = {c: str(x[c].mode().iloc[0]) for c in categorical}
    for c in numeric:
        med = x[c].median()
        ref[c] = None if pd.isna(med) else float(med)
    return ref


# -- time split ----------------------------------------------------------------------------------
@dataclass
class Split:
    fit: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    split_at: pd.Timestamp
    valid_from: pd.Timestamp


def _counts(y: pd.Series) -> str:
    pos = int((y == 1).sum())
    return f"{len(y):,} labelled ({pos:,} positive, {len(y) - pos:,} negative)"


def time_split(
    labelled: pd.DataFrame,
    target: str,
    split_at: pd.Timestamp | None = None,
    *,
    test_share: float = 0.2,
    valid_share: float = 0.2,
    embargo: pd.Timedelta | None = None,
) -> Split:
    """Fit / validation / test by creation time; `embargo` drops tickets whose label window crosses a cut.

    Raises RiskDataError naming the target and the counts when a side has too few of either class.
    """
    y = labelled[target]
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    if min(pos, neg) < MIN_PER_CLASS:
        raise RiskDataError(
            f"too few labelled tickets to train a {target} model: {_counts(y)}; "
            f"need at least {MIN_PER_CLASS} of each class"
        )
    data = labelled.sort_values(["created_at", "ticket_id"], kind="stable")
    if split_at is None:
        split_at = data["created_at"].iloc[int(len(data) * (1 - test_share))]
    split_at = pd.Timestamp(split_at)
    train, test = data[data["created_at"] < split_at], data[data["created_at"] >= split_at]
    valid_from = train["created_at"].iloc[int(len(train) * (1 - valid_share))] if len(train) else split_at
    if embargo is not None:
        train = train[train["created_at"] < split_at - embargo]
    fit = train[train["created_at"] < valid_from]
    valid = train[train["created_at"] >= valid_from]
    if embargo is not None:
        fit = fit[fit["created_at"] < valid_from - embargo]
    for name, part, need in (
        ("training period before the validation slice", fit, MIN_PER_CLASS),
        ("validation slice", valid, MIN_PER_CLASS_TEST),
        (f"held-out period from {split_at:%Y-%m-%d %H:%M}", test, MIN_PER_CLASS_TEST),
    ):
        k = int((part[target] == 1).sum())
        if min(k, len(part) - k) < need:
            raise RiskDataError(
                f"too few labelled tickets in the {name} for a {target} model: {_counts(part[target])} "
                f"of {_counts(y)} in all; need at least {need} of each class there"
                + ("" if name.startswith("held") else "; choose a later --split-at")
            )
    return Split(fit, valid, test, split_at, pd.Timestamp(valid_from))


# -- training ------------------------------------------------------------------------------------
@dataclass
class Candidate:
    algorithm: str
    model: FittedRiskModel
    valid_auc: float
    calibration_check: dict[str, float]


@single_threaded
def fit_candidate(
    algorithm: str, split: Split, target: str, categorical: Sequence[str], numeric: Sequence[str]
) -> Candidate:
    from sklearn.metrics import roc_auc_score

    cats, nums = usable_features(split.fit, categorical, numeric)
    x_fit = prepare(split.fit, cats, nums)
    y_fit = split.fit[target].to_numpy(dtype=int)
    pipe = make_candidate(algorithm, cats, nums, len(x_fit)).fit(x_fit, y_fit)
    x_valid = prepare(split.valid, cats, nums)
    y_valid = split.valid[target].to_numpy(dtype=int)
    p_valid = pipe.predict_proba(x_valid)[:, 1]
    calibrator, check = choose_calibration(p_valid, y_valid)
    model = FittedRiskModel(
        target=target,
        algorithm=algorithm,
        categorical=cats,
        numeric=nums,
        pipeline=pipe,
        calibrator=calibrator,
        reference=reference_values(x_fit, cats, nums),
    )
    # Bands from the validation slice: `high` = the riskiest 10%, `medium` = the next 20%.
    scores = calibrator(p_valid)
    model.bands = {"high": float(np.quantile(scores, 0.9)), "medium": float(np.quantile(scores, 0.7))}
    importance = model.importance(split.valid)
    model.global_importance = importance.to_dict("records")
    if algorithm == "boosting":
        quiet = importance["p99_abs_effect"] < SILENT_P99_EFFECT
        model.silent = set(importance.loc[quiet, "feature"])
    return Candidate(algorithm, model, float(roc_auc_score(y_valid, p_valid)), check)


def train_candidates(
    split: Split,
    target: str,
    categorical: Sequence[str],
    numeric: Sequence[str],
    algorithms: Sequence[str] = ALGORITHMS,
) -> tuple[Candidate, list[Candidate]]:
    """Every candidate fitted and calibrated; the best on the validation slice is chosen (boosting
    must beat the logistic model by BOOSTING_MARGIN of AUC)."""
    candidates = [fit_candidate(a, split, target, categorical, numeric) for a in algorithms]

    def merit(c: Candidate) -> float:
        return c.valid_auc - (BOOSTING_MARGIN if c.algorithm == "boosting" else 0.0)

    best = max(candidates, key=merit)
    return best, candidates
