"""Dissatisfaction risk: train, version, score and watch a model of low CSAT, detractors or repeat contacts.

    report = train_risk_model(store, target="low_csat")      # new version, the previous one retired
    scores = score_tickets(store, target="low_csat")         # open and just-resolved tickets
    drift = check_drift(store, target="low_csat")            # PSI per feature, recent vs training

Models live in the store (`risk_models`: the joblib artefact, its SHA-256, the held-out evaluation
and the training data's feature profile); scores and their top factors in `risk_scores`. An
artefact is only ever loaded from the store it was written to, after its SHA-256 is checked.
The modelling itself is in `risk_model` (no I/O) and the evaluation and drift figures in `risk_eval`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.features import CATEGORICAL, NUMERIC, OUTCOMES, ticket_features
from insightdesk.insights.common.runs import from_json, recorded_run, to_json, utcnow
from insightdesk.insights.risk.evaluation import drift_table, evaluate, feature_profile
from insightdesk.insights.risk.model import (
    ALGORITHMS,
    MIN_PER_CLASS_TEST,
    FittedRiskModel,
    RiskDataError,
    Split,
    prepare,
    time_split,
    train_candidates,
)
from insightdesk.metrics.config import MetricsConfig
from insightdesk.store.tables.insights import risk_models, risk_scores

if TYPE_CHECKING:
    from insightdesk.store import Store

__all__ = [
    "RetrainReport",
    "RiskDataError",
    "RiskModelError",
    "RiskModelReport",
    "RiskReport",
    "check_drift",
    "factors_json",
    "list_models",
    "load_model",
    "retrain_risk_model",
    "risk_report",
    "score_tickets",
    "stored_scores",
    "top_factor_text",
    "train_risk_model",
]

CLOSED_STATUSES = ("resolved", "closed", "cancelled")
JUST_RESOLVED_DAYS = 7


class RiskModelError(RuntimeError):
    """No model for the target, an unknown model id, or an artefact that fails its checksum."""


def _check_target(target: str) -> None:
    if target not in OUTCOMES:
        raise ValueError(f"unknown risk target {target!r}; choose from {', '.join(OUTCOMES)}")


# -- reports -------------------------------------------------------------------------------------
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


# -- training ------------------------------------------------------------------------------------
@dataclass
class _Trained:
    split: Split
    model: FittedRiskModel
    test: dict[str, Any]
    candidates: list[dict[str, Any]]
    profile: dict[str, Any]


def _train(
    frame: pd.DataFrame,
    target: str,
    split_at: Any,
    test_share: float,
    algorithms: Sequence[str],
    config: MetricsConfig,
) -> _Trained:
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
    return _Trained(split, model, test, candidates, profile)


def _artefact(model: FittedRiskModel) -> tuple[bytes, str]:
    import joblib

    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def _algorithm_label(model: FittedRiskModel) -> str:
    import sklearn

    name = type(model.pipeline.named_steps["model"]).__name__
    return f"{model.algorithm}: {name} (scikit-learn {sklearn.__version__}), calibration {model.calibrator.method}"


def _store_model(
    store: Store,
    trained: _Trained,
    target: str,
    params: dict[str, Any],
    *,
    activate: bool,
    started_by: str,
) -> RiskModelReport:
    artefact, sha = _artefact(trained.model)
    test, split, model = trained.test, trained.split, trained.model
    metrics = {
        "test": {k: v for k, v in test.items() if k not in ("algorithm", "chosen")},
        "candidates": trained.candidates,
        "bands": model.bands,
        "valid_from": split.valid_from,
        "n_fit": len(split.fit),
        "n_valid": len(split.valid),
        "reference_values": model.reference,
        "importance": model.global_importance,
    }
    with recorded_run(store, "risk_train", params, started_by=started_by) as run:
        version = (
            run.conn.execute(
                sa.select(sa.func.max(risk_models.c.version)).where(risk_models.c.target == target)
            ).scalar()
            or 0
        ) + 1
        model_id = f"{target}-v{version}"
        retired: list[str] = []
        if activate:
            retired = list(
                run.conn.execute(
                    sa.select(risk_models.c.model_id).where(
                        (risk_models.c.target == target) & (risk_models.c.status == "active")
                    )
                ).scalars()
            )
            run.conn.execute(
                risk_models.update()
                .where((risk_models.c.target == target) & (risk_models.c.status == "active"))
                .values(status="retired")
            )
        train_from = split.fit["created_at"].min().to_pydatetime()
        run.conn.execute(
            risk_models.insert().values(
                model_id=model_id,
                target=target,
                version=version,
                algorithm=_algorithm_label(model),
                features=to_json(model.features),
                train_from=train_from,
                train_until=split.split_at.to_pydatetime(),
                n_train=len(split.fit) + len(split.valid),
                n_test=len(split.test),
                base_rate=test["base_rate"],
                auc=test["auc"],
                auc_ci_low=test["auc_ci_low"],
                auc_ci_high=test["auc_ci_high"],
                brier=test["brier"],
                metrics=to_json(metrics),
                reference_profile=to_json(trained.profile),
                artefact=artefact,
                artefact_sha256=sha,
                status="active" if activate else "retired",
                trained_at=utcnow(),
            )
        )
        run.summary.update(
            model_id=model_id,
            algorithm=model.algorithm,
            auc=test["auc"],
            auc_ci=[test["auc_ci_low"], test["auc_ci_high"]],
            brier=test["brier"],
            n_test=len(split.test),
            active=activate,
        )
    return RiskModelReport(
        model_id=model_id,
        target=target,
        version=version,
        algorithm=model.algorithm,
        status="active" if activate else "retired",
        features=model.features,
        train_from=train_from,
        train_until=split.split_at.to_pydatetime(),
        valid_from=split.valid_from.to_pydatetime(),
        n_train=len(split.fit) + len(split.valid),
        n_test=len(split.test),
        base_rate=test["base_rate"],
        auc=test["auc"],
        auc_ci_low=test["auc_ci_low"],
        auc_ci_high=test["auc_ci_high"],
        brier=test["brier"],
        brier_base_rate=test["brier_base_rate"],
        calibration=model.calibrator.method,
        small_sample=test["small_sample"],
        precision_at_k=pd.DataFrame(test["precision_at_k"]),
        reliability=pd.DataFrame(test["reliability"]),
        candidates=_candidates_frame(trained.candidates),
        importance=pd.DataFrame(model.global_importance),
        retired=retired,
        run_id=run.run_id,
    )


def _candidates_frame(candidates: list[dict[str, Any]]) -> pd.DataFrame:
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
    trained = _train(ticket_features(store, config=cfg), target, split_at, test_share, algorithms, cfg)
    params = {
        "target": target,
        "split_at": split_at,
        "test_share": test_share,
        "algorithms": list(algorithms),
    }
    return _store_model(store, trained, target, params, activate=True, started_by=started_by)


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
    from insightdesk.insights.risk.evaluation import auc_delong

    _check_target(target)
    cfg = config or MetricsConfig()
    frame = ticket_features(store, config=cfg)
    previous = _active_row(store, target)
    drift = pd.DataFrame()
    if previous is not None:
        drift = _drift_for(previous, frame[frame["created_at"] >= pd.Timestamp(previous["train_until"])])
    trained = _train(frame, target, split_at, test_share, ALGORITHMS, cfg)
    promoted, reason = True, "no previous model"
    new_auc = prev_auc = None
    prev_ci = None
    compared = 0
    if previous is not None:
        old = _load_artefact(previous)
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
    report = _store_model(store, trained, target, params, activate=promoted, started_by=started_by)
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


# -- loading -------------------------------------------------------------------------------------
def _active_row(store: Store, target: str, model_id: str | None = None) -> dict[str, Any] | None:
    q = sa.select(risk_models)
    if model_id is not None:
        q = q.where(risk_models.c.model_id == model_id)
    else:
        q = q.where((risk_models.c.target == target) & (risk_models.c.status == "active"))
    with store.engine.connect() as conn:
        row = conn.execute(q.order_by(risk_models.c.version.desc()).limit(1)).mappings().first()
    return None if row is None else dict(row)


def _require_row(store: Store, target: str, model_id: str | None) -> dict[str, Any]:
    row = _active_row(store, target, model_id)
    if row is None:
        if model_id is not None:
            raise RiskModelError(f"no risk model {model_id!r} in this store")
        raise RiskModelError(
            f"no active {target} risk model in this store; train one with `insightdesk risk train --target {target}`"
        )
    return row


def _load_artefact(row: dict[str, Any]) -> FittedRiskModel:
    import joblib

    data = bytes(row["artefact"])
    if hashlib.sha256(data).hexdigest() != row["artefact_sha256"]:
        raise RiskModelError(
            f"the artefact of {row['model_id']} does not match its stored SHA-256; refusing to load it "
            "(retrain the model)"
        )
    return joblib.load(io.BytesIO(data))


def load_model(
    store: Store, target: str = "low_csat", model_id: str | None = None
) -> tuple[dict[str, Any], FittedRiskModel]:
    """The active model of `target` (or `model_id`): its row (without the artefact) and the model."""
    row = _require_row(store, target, model_id)
    model = _load_artefact(row)
    return {k: v for k, v in row.items() if k != "artefact"}, model


def list_models(store: Store, target: str | None = None) -> pd.DataFrame:
    """Every stored model version (newest first), without artefacts."""
    cols = [c for c in risk_models.c if c.name not in ("artefact", "reference_profile", "metrics")]
    q = sa.select(*cols).order_by(risk_models.c.target, risk_models.c.version.desc())
    if target is not None:
        q = q.where(risk_models.c.target == target)
    with store.engine.connect() as conn:
        result = conn.execute(q)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# -- scoring -------------------------------------------------------------------------------------
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
        with recorded_run(store, "risk_score", params, started_by=started_by) as run:
            _write_scores(run.conn, store.dialect, out)
            run.summary.update(
                model_id=row["model_id"],
                scored=len(out),
                bands={str(k): int(v) for k, v in out["band"].value_counts().items()},
            )
        steps["store"] = time.perf_counter() - clock
    return out.sort_values("score", ascending=False, ignore_index=True)


def factors_json(rows: Sequence[list[dict[str, Any]]]) -> list[str]:
    """Each row's factors as the JSON text `json.dumps(row, sort_keys=True)` gives, 3x faster.

    Feature names and category levels repeat, so their encodings are cached; numbers are written
    as Python's float repr, which is what the json module writes.
    """
    import json

    cache: dict[str, str] = {}

    def text(value: str) -> str:
        out = cache.get(value)
        if out is None:
            out = cache[value] = json.dumps(value)
        return out

    def scalar(value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, str):
            return text(value)
        return json.dumps(value)  # rare: ints or bools in a custom frame

    def number(value: Any) -> str:
        return repr(value) if type(value) is float else scalar(value)

    return [
        "["
        + ", ".join(
            f'{{"effect": {number(f["effect"])}, "feature": {text(f["feature"])}, "value": {number(f["value"])}}}'
            for f in row
        )
        + "]"
        for row in rows
    ]


def _write_scores(conn: sa.Connection, dialect: str, scores: pd.DataFrame) -> None:
    """Insert or replace the (model, ticket) scores in bulk inside the caller's transaction."""
    rows = pd.DataFrame(
        {
            "model_id": scores["model_id"].astype(str),
            "ticket_id": scores["ticket_id"].astype(str),
            "score": scores["score"].astype(float),
            "band": scores["band"].astype(str),
            "top_factors": factors_json(scores["top_factors"]),
            "scored_at": pd.Timestamp(utcnow()),
        }
    )
    cols = ", ".join(rows.columns)
    # An upsert, not delete + insert: deleting many keys from DuckDB's primary-key index is slow.
    upsert = (
        f"INSERT INTO risk_scores ({cols}) SELECT {cols} FROM _risk_scores_in "
        "ON CONFLICT (model_id, ticket_id) DO UPDATE SET score = excluded.score, band = excluded.band, "
        "top_factors = excluded.top_factors, scored_at = excluded.scored_at"
    )
    raw = conn.connection.driver_connection
    if dialect == "duckdb":
        # The SQLAlchemy connection is a cursor on the store's DuckDB connection: same transaction.
        raw.register("_risk_scores_in", rows)
        try:
            conn.exec_driver_sql(upsert)
        finally:
            raw.unregister("_risk_scores_in")
        return
    # PostgreSQL: COPY into a temporary table, then upsert, all on the transaction's connection.
    with raw.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _risk_scores_in (LIKE risk_scores) ON COMMIT DROP")
        with cur.copy(f"COPY _risk_scores_in ({cols}) FROM STDIN") as copy:
            for record in rows.itertuples(index=False, name=None):
                copy.write_row(record)
        cur.execute(upsert)


def stored_scores(store: Store, target: str = "low_csat", model_id: str | None = None) -> pd.DataFrame:
    """The stored scores of the active model (or `model_id`), highest first, factors parsed."""
    row = _require_row(store, target, model_id)
    with store.engine.connect() as conn:
        result = conn.execute(
            sa.select(risk_scores)
            .where(risk_scores.c.model_id == row["model_id"])
            .order_by(risk_scores.c.score.desc(), risk_scores.c.ticket_id)
        )
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    df["top_factors"] = [from_json(t) for t in df["top_factors"]]
    return df


# -- report and drift ----------------------------------------------------------------------------
def risk_report(store: Store, target: str = "low_csat", *, top: int = 20) -> RiskReport:
    """The active model of `target`: held-out figures of both candidates, versions and the latest scores."""
    _check_target(target)
    row = _require_row(store, target, None)
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
        candidates=_candidates_frame(metrics.get("candidates", [])),
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
    row = _require_row(store, target, model_id)
    start = since if since is not None else row["train_until"]
    recent = ticket_features(store, since=start, until=until)
    out = _drift_for(row, recent)
    out.attrs["since"] = pd.Timestamp(start)
    return out


def top_factor_text(factors: list[dict[str, Any]]) -> str:
    """`reopen_count=2 (+12.3 pts), ...`: the factors as one readable line."""
    return (
        ", ".join(f"{f['feature']}={f['value']} ({100 * f['effect']:+.1f} pts)" for f in factors or []) or "-"
    )
