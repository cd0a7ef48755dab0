"""Dissatisfaction risk: train, version, score and watch a model of low CSAT, detractors or repeat contacts.

    report = train_risk_model(store, target="low_csat")      # new version, the previous one retired
    scores = score_tickets(store, target="low_csat")         # open and just-resolved tickets
    drift = check_drift(store, target="low_csat")            # PSI per feature, recent vs training

Each function reads the ticket features and the stored models through `persistence`, computes with
`training`, `model`, `evaluation` and `drift` (no I/O), stores what it made and returns frames or
the reports of `reports`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from insightdesk.insights.common.features import OUTCOMES, ticket_features
from insightdesk.insights.common.runs import from_json
from insightdesk.insights.risk.config import (
    ALGORITHMS,
    CLOSED_STATUSES,
    JUST_RESOLVED_DAYS,
    MIN_PER_CLASS_TEST,
)
from insightdesk.insights.risk.drift import drift_table
from insightdesk.insights.risk.evaluation import auc_delong
from insightdesk.insights.risk.model import prepare
from insightdesk.insights.risk.persistence import (
    active_row,
    list_models,
    load_artefact,
    load_model,
    require_row,
    save_model,
    save_scores,
    stored_scores,
)
from insightdesk.insights.risk.reports import (
    RetrainReport,
    RiskModelReport,
    RiskReport,
    candidates_frame,
    model_report,
)
from insightdesk.insights.risk.training import train
from insightdesk.metrics.config import MetricsConfig
from insightdesk.text.consent_scope import training_rows

if TYPE_CHECKING:
    from insightdesk.store import Store


def _check_target(target: str) -> None:
    if target not in OUTCOMES:
        raise ValueError(f"unknown risk target {target!r}; choose from {', '.join(OUTCOMES)}")


# -- training ---------------------------------------------------------------------------------------
def train_risk_model(
    store: Store,
    target: str = "low_csat",
    split_at: Any = None,
    *,
    test_share: float = 0.2,
    algorithms: Sequence[str] = ALGORITHMS,
    config: MetricsConfig | None = None,
    started_by: str = "cli",
) -> RiskModelReport:
    """Train every candidate on tickets created before `split_at` (default: the last `test_share` of
    labelled tickets are held out), keep the best on the validation slice, store it as the target's
    new active version (the previous one is retired) and return its held-out evaluation.

    Raises RiskDataError (target and counts named) when there are too few labelled tickets.
    """
    _check_target(target)
    cfg = config or MetricsConfig()
    frame, withheld = _training_frame(store, cfg)
    trained = train(frame, target, split_at, test_share, algorithms, cfg)
    params = {
        "target": target,
        "split_at": split_at,
        "test_share": test_share,
        "algorithms": list(algorithms),
    }
    stored = save_model(store, trained, target, params, activate=True, started_by=started_by)
    report = model_report(trained, target, stored, active=True)
    report.withheld = withheld
    return report


def _training_frame(store: Store, cfg: MetricsConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """The tickets whose customers may train a model (the consent ledger's `model_training`
    purpose, text.consent_scope), and how many were left out by reason."""
    frame = ticket_features(store, config=cfg)
    owners = store.query_df("select id as ticket_id, customer_id from tickets")
    customer_ids = frame[["ticket_id"]].merge(owners, on="ticket_id", how="left")["customer_id"]
    kept, left_out, reason = training_rows(store, frame, customer_ids)
    return kept, ({reason: left_out} if left_out else {})


def retrain_risk_model(
    store: Store,
    target: str = "low_csat",
    split_at: Any = None,
    *,
    keep_better: bool = False,
    test_share: float = 0.2,
    config: MetricsConfig | None = None,
    started_by: str = "cli",
) -> RetrainReport:
    """Train a new version on the current data and compare it with the active one.

    Both are compared on the new held-out tickets created after the active model's own split (the
    ones neither was trained on). The new version is activated unless `keep_better` is set and the
    active one does better there; then it is stored retired.
    """
    _check_target(target)
    cfg = config or MetricsConfig()
    frame, withheld = _training_frame(store, cfg)
    previous = active_row(store, target)
    drift = pd.DataFrame()
    if previous is not None:
        drift = _drift_for(previous, frame[frame["created_at"] >= pd.Timestamp(previous["train_until"])])
    trained = train(frame, target, split_at, test_share, ALGORITHMS, cfg)
    promoted, reason = True, "no previous model"
    new_auc = prev_auc = None
    prev_ci = None
    compared = 0
    if previous is not None:
        old = load_artefact(previous)
        unseen = trained.split.test[trained.split.test["created_at"] >= pd.Timestamp(previous["train_until"])]
        y = unseen[target].to_numpy(dtype=int)
        compared = len(unseen)
        if min(int(y.sum()), len(y) - int(y.sum())) < MIN_PER_CLASS_TEST:
            reason = (
                f"not compared: {len(y)} held-out tickets after {previous['model_id']}'s split "
                f"({int(y.sum())} positive); new version activated"
            )
        else:
            new_auc = auc_delong(y, trained.model.predict(unseen))[0]
            prev_auc, lo, hi = auc_delong(y, old.predict(unseen))
            prev_ci = (lo, hi)
            if keep_better and prev_auc > new_auc:
                promoted = False
                reason = (
                    f"{previous['model_id']} kept: AUC {prev_auc:.3f} vs {new_auc:.3f} on {len(y):,} tickets"
                )
            else:
                reason = f"new AUC {new_auc:.3f} vs {prev_auc:.3f} for {previous['model_id']} on {len(y):,} tickets"
    params = {"target": target, "split_at": split_at, "retrain": True, "keep_better": keep_better}
    stored = save_model(store, trained, target, params, activate=promoted, started_by=started_by)
    report = model_report(trained, target, stored, active=promoted)
    report.withheld = withheld
    return RetrainReport(
        new=report,
        previous_model_id=None if previous is None else previous["model_id"],
        compared_on=compared,
        new_auc=new_auc,
        previous_auc=prev_auc,
        previous_auc_ci=prev_ci,
        promoted=promoted,
        reason=reason,
        drift=drift,
    )


# -- scoring ----------------------------------------------------------------------------------------
def _select(frame: pd.DataFrame, ticket_ids: Sequence[str] | None, scope: str, days: float) -> pd.DataFrame:
    if ticket_ids is not None:
        wanted = set(ticket_ids)
        chosen = frame[frame["ticket_id"].isin(wanted)]
        missing = wanted - set(chosen["ticket_id"])
        if missing:
            shown = ", ".join(sorted(missing)[:5])
            raise LookupError(f"{len(missing)} ticket(s) not in the store (or cancelled): {shown}")
        return chosen
    if scope == "all":
        return frame
    if scope != "recent":
        raise ValueError(f"scope must be 'recent' or 'all', got {scope!r}")
    # "Now" is the latest moment in the data, so a historical store has recent tickets too.
    as_of = pd.concat([frame["created_at"], frame["resolved_at"]]).max()  # NaT-safe
    open_ = ~frame["status"].isin(CLOSED_STATUSES)
    just_resolved = frame["resolved_at"] >= as_of - pd.Timedelta(days=days)
    return frame[open_ | (just_resolved & (frame["status"] != "cancelled"))]


def score_tickets(
    store: Store,
    target: str = "low_csat",
    ticket_ids: Sequence[str] | None = None,
    *,
    scope: Literal["recent", "all"] = "recent",
    just_resolved_days: float = JUST_RESOLVED_DAYS,
    model_id: str | None = None,
    top_factors: int = 3,
    write: bool = True,
    started_by: str = "cli",
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Risk of `target` for tickets, highest first, with each ticket's top factors; stored in `risk_scores`.

    Tickets: `ticket_ids`, else (scope `recent`) every open ticket and every ticket resolved in the
    last `just_resolved_days` before the latest timestamp in the data, or (scope `all`) every ticket.
    Columns: ticket_id, score, band (high / medium / low), top_factors (list of {feature, value,
    effect}: effect = risk minus the risk with that feature at its typical value), model_id.
    """
    _check_target(target)
    clock = time.perf_counter()
    steps = timings if timings is not None else {}
    row, model = load_model(store, target, model_id)
    steps["load_model"] = time.perf_counter() - clock
    clock = time.perf_counter()
    frame = _select(ticket_features(store), ticket_ids, scope, just_resolved_days)
    steps["features"] = time.perf_counter() - clock
    clock = time.perf_counter()
    scores, factors = model.predict_explained(frame, top=top_factors)
    steps["predict_explain"] = time.perf_counter() - clock
    out = pd.DataFrame(
        {
            "ticket_id": frame["ticket_id"].to_numpy(),
            "score": scores,
            "band": model.band(scores),
            "top_factors": factors,
            "model_id": row["model_id"],
        }
    )
    if write and len(out):
        clock = time.perf_counter()
        params = {
            "target": target,
            "model_id": row["model_id"],
            "scope": scope if ticket_ids is None else "ids",
        }
        save_scores(store, out, params, started_by=started_by)
        steps["store"] = time.perf_counter() - clock
    return out.sort_values("score", ascending=False, ignore_index=True)


# -- report and drift ------------------------------------------------------------------------------
def risk_report(store: Store, target: str = "low_csat", *, top: int = 20) -> RiskReport:
    """The active model of `target`: held-out figures of both candidates, versions and the latest scores."""
    _check_target(target)
    row = require_row(store, target, None)
    metrics = from_json(row["metrics"]) or {}
    test = metrics.get("test", {})
    model = {k: v for k, v in row.items() if k not in ("artefact", "reference_profile", "metrics")}
    model["features"] = from_json(row["features"])
    model.update(
        brier_base_rate=test.get("brier_base_rate"),
        brier_skill=test.get("brier_skill"),
        calibration=test.get("calibration"),
        small_sample=test.get("small_sample"),
        positives=test.get("positives"),
        bands=metrics.get("bands"),
        valid_from=metrics.get("valid_from"),
    )
    scores = stored_scores(store, target, row["model_id"])
    return RiskReport(
        model=model,
        candidates=candidates_frame(metrics.get("candidates", [])),
        precision_at_k=pd.DataFrame(test.get("precision_at_k", [])),
        reliability=pd.DataFrame(test.get("reliability", [])),
        importance=pd.DataFrame(metrics.get("importance", [])),
        versions=list_models(store, target),
        band_counts={str(k): int(v) for k, v in scores["band"].value_counts().items()},
        top_scores=scores.head(top),
    )


def _drift_for(row: dict[str, Any], recent: pd.DataFrame) -> pd.DataFrame:
    profile = from_json(row["reference_profile"]) or {}
    features = from_json(row["features"]) or []
    cats = [f for f in features if profile.get(f, {}).get("kind") == "categorical"]
    nums = [f for f in features if profile.get(f, {}).get("kind") == "numeric"]
    out = drift_table(profile, prepare(recent, cats, nums))
    out.attrs["model_id"] = row["model_id"]
    return out


def check_drift(
    store: Store,
    target: str = "low_csat",
    *,
    since: Any = None,
    until: Any = None,
    model_id: str | None = None,
) -> pd.DataFrame:
    """PSI of every model feature between its training data and tickets created in [since, until).

    `since` defaults to the model's time split (tickets it was not trained on). Columns: feature,
    kind, psi, status (stable < 0.1 <= moderate < 0.25 <= major), n_reference, n_recent, low_n,
    largest_change (the category level whose share moved most).
    """
    _check_target(target)
    row = require_row(store, target, model_id)
    start = since if since is not None else row["train_until"]
    recent = ticket_features(store, since=start, until=until)
    out = _drift_for(row, recent)
    out.attrs["since"] = pd.Timestamp(start)
    return out
