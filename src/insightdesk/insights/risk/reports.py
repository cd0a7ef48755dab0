"""What the risk service returns: a trained version, a retraining, the report of the active model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.model import display

if TYPE_CHECKING:
    from insightdesk.insights.risk.persistence import StoredVersion
    from insightdesk.insights.risk.training import Trained


@dataclass
class RiskModelReport:
    """One trained model version and its held-out evaluation (the chosen candidate's figures)."""

    model_id: str
    target: str
    version: int
    algorithm: str
    status: str
    features: list[str]
    train_from: dt.datetime
    train_until: dt.datetime  # the time split: test tickets were created at or after it
    valid_from: dt.datetime
    n_train: int
    n_test: int
    base_rate: float
    auc: float
    auc_ci_low: float
    auc_ci_high: float
    brier: float
    brier_base_rate: float
    calibration: str
    small_sample: bool
    precision_at_k: pd.DataFrame
    reliability: pd.DataFrame
    candidates: pd.DataFrame  # both algorithms on the same held-out tickets
    importance: pd.DataFrame  # mean and largest |effect| of each feature on the validation slice
    retired: list[str] = field(default_factory=list)
    run_id: str | None = None
    withheld: dict[str, int] = field(default_factory=dict)  # tickets left out of training, by reason

    def summary(self) -> str:
        flag = " (small test sample)" if self.small_sample else ""
        return (
            f"{self.model_id} [{self.algorithm}]: AUC {self.auc:.3f} "
            f"(95% CI {self.auc_ci_low:.3f}-{self.auc_ci_high:.3f}), Brier {self.brier:.3f} "
            f"vs {self.brier_base_rate:.3f} for the base rate; n_test = {self.n_test:,}, "
            f"base rate {self.base_rate:.1%}{flag}"
        )


@dataclass
class RetrainReport:
    new: RiskModelReport
    previous_model_id: str | None
    compared_on: int  # held-out tickets neither model was trained on
    new_auc: float | None
    previous_auc: float | None
    previous_auc_ci: tuple[float, float] | None
    promoted: bool
    reason: str
    drift: pd.DataFrame


@dataclass
class RiskReport:
    """The active model of a target: its evaluation, versions, and the latest scores."""

    model: dict[str, Any]
    candidates: pd.DataFrame
    precision_at_k: pd.DataFrame
    reliability: pd.DataFrame
    importance: pd.DataFrame
    versions: pd.DataFrame
    band_counts: dict[str, int]
    top_scores: pd.DataFrame


def candidates_frame(candidates: list[dict[str, Any]]) -> pd.DataFrame:
    """The candidates' held-out figures, one row each (the chosen one flagged)."""
    cols = [
        "algorithm",
        "chosen",
        "valid_auc",
        "auc",
        "auc_ci_low",
        "auc_ci_high",
        "brier",
        "brier_base_rate",
        "calibration",
        "n",
        "positives",
    ]
    return pd.DataFrame([{k: c.get(k) for k in cols} for c in candidates], columns=cols)


def model_report(trained: Trained, target: str, stored: StoredVersion, *, active: bool) -> RiskModelReport:
    """The report of a trained model just stored as `stored`."""
    test, split, model = trained.test, trained.split, trained.model
    return RiskModelReport(
        model_id=stored.model_id,
        target=target,
        version=stored.version,
        algorithm=model.algorithm,
        status="active" if active else "retired",
        features=model.features,
        valid_from=split.valid_from.to_pydatetime(),
        brier_base_rate=test["brier_base_rate"],
        calibration=model.calibrator.method,
        small_sample=test["small_sample"],
        precision_at_k=pd.DataFrame(test["precision_at_k"]),
        reliability=pd.DataFrame(test["reliability"]),
        candidates=candidates_frame(trained.candidates),
        importance=pd.DataFrame(model.global_importance),
        retired=stored.retired,
        run_id=stored.run_id,
        **trained.figures(),
    )


def top_factor_text(factors: list[dict[str, Any]]) -> str:
    """`reopen_count=2 (+12.3 pts), resolution_hours=10 h 13 min (-3.5 pts)`: the factors as one line,
    in the shapes every interface uses (insightdesk.model.display)."""
    return (
        ", ".join(
            f"{f['feature']}={display.attribute(f['feature'], f['value'])} "
            f"({display.share_difference(f['effect'])})"
            for f in factors or []
        )
        or "-"
    )
