"""Training a risk model: every candidate fitted, calibrated and compared, the best evaluated (no I/O).

Each candidate is fitted on the fit slice, calibrated on the validation slice (Platt scaling when it
lowers the Brier score out of sample), given its bands and its global importance there; the best
on the validation slice is kept and evaluated once on the held-out tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from insightdesk.insights.common.features import CATEGORICAL, NUMERIC
from insightdesk.insights.common.threads import single_threaded
from insightdesk.insights.risk.config import ALGORITHMS, BAND_QUANTILES, BOOSTING_MARGIN, SILENT_P99_EFFECT
from insightdesk.insights.risk.drift import feature_profile
from insightdesk.insights.risk.evaluation import evaluate
from insightdesk.insights.risk.model import Calibrator, FittedRiskModel, log_odds, prepare
from insightdesk.insights.risk.pipelines import make_candidate, usable_features
from insightdesk.insights.risk.split import Split, time_split

if TYPE_CHECKING:
    from insightdesk.metrics.config import MetricsConfig


def _fit_platt(p: np.ndarray, y: np.ndarray) -> Calibrator:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(log_odds(p).reshape(-1, 1), y)
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


def reference_values(x: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]) -> dict[str, Any]:
    """The typical ticket: most common level of each category, median of each number."""
    ref: dict[str, Any] = {c: str(x[c].mode().iloc[0]) for c in categorical}
    for c in numeric:
        med = x[c].median()
        ref[c] = None if pd.isna(med) else float(med)
    return ref


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
    scores = calibrator(p_valid)
    model.bands = {band: float(np.quantile(scores, q)) for band, q in BAND_QUANTILES.items()}
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


@dataclass
class Trained:
    """A training run's outcome: its split, the chosen model, every candidate's held-out figures and
    the training period's feature profile (the drift reference)."""

    split: Split
    model: FittedRiskModel
    test: dict[str, Any]  # the chosen candidate's held-out figures
    candidates: list[dict[str, Any]]
    profile: dict[str, Any]

    def figures(self) -> dict[str, Any]:
        """The period and held-out figures a model version is stored and reported with."""
        split, test = self.split, self.test
        return {
            "train_from": split.fit["created_at"].min().to_pydatetime(),
            "train_until": split.split_at.to_pydatetime(),  # test tickets were created at or after it
            "n_train": len(split.fit) + len(split.valid),
            "n_test": len(split.test),
            "base_rate": test["base_rate"],
            "auc": test["auc"],
            "auc_ci_low": test["auc_ci_low"],
            "auc_ci_high": test["auc_ci_high"],
            "brier": test["brier"],
        }


def train(
    frame: pd.DataFrame,
    target: str,
    split_at: Any,
    test_share: float,
    algorithms: Sequence[str],
    config: MetricsConfig,
) -> Trained:
    """Split the labelled tickets of `frame` by time, train every candidate, evaluate them on the
    held-out tickets and profile the training period's features."""
    labelled = frame[frame[target].notna()]
    embargo = None
    if target == "repeat_contact":
        # A repeat-contact label looks `repeat_days` ahead. Tickets younger than that at the end of
        # the data are labelled only when the repeat has already happened (all positives), so
        # they are left out; and tickets that close to a cut would peek past it (embargo).
        embargo = pd.Timedelta(days=config.repeat_days)
        labelled = labelled[labelled["created_at"] <= frame["created_at"].max() - embargo]
    split = time_split(
        labelled,
        target,
        None if split_at is None else pd.Timestamp(split_at),
        test_share=test_share,
        embargo=embargo,
    )
    best, fitted = train_candidates(split, target, CATEGORICAL, NUMERIC, algorithms)
    y_test = split.test[target].to_numpy(dtype=int)
    candidates = []
    for cand in fitted:
        figures = evaluate(y_test, cand.model.predict(split.test))
        candidates.append(
            {
                "algorithm": cand.algorithm,
                "chosen": cand is best,
                "valid_auc": cand.valid_auc,
                "calibration": cand.model.calibrator.method,
                "calibration_check": cand.calibration_check,
                **figures,
            }
        )
    test = next(c for c in candidates if c["chosen"])
    model = best.model
    # The drift reference is every ticket of the training period, labelled or not: the population
    # that recent tickets (mostly unlabelled yet) are compared with.
    created = frame["created_at"]
    period = frame[(created >= split.fit["created_at"].min()) & (created < split.split_at)]
    profile = feature_profile(
        prepare(period, model.categorical, model.numeric), model.categorical, model.numeric
    )
    return Trained(split, model, test, candidates, profile)
