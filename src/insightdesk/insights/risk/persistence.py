"""The tables of the risk models: versions with their artefacts in `risk_models`, scores in `risk_scores`.

Models live in the store (`risk_models`: the joblib artefact, its SHA-256, the held-out evaluation
and the training data's feature profile); scores and their top factors in `risk_scores`. An
artefact is only ever loaded from the store it was written to, after its SHA-256 is checked.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.runs import from_json, read_frame, recorded_run, to_json, utcnow
from insightdesk.insights.risk.model import FittedRiskModel
from insightdesk.insights.risk.training import Trained
from insightdesk.store.tables.insights import risk_models, risk_scores

if TYPE_CHECKING:
    from insightdesk.store import Store


class RiskModelError(RuntimeError):
    """No model for the target, an unknown model id, or an artefact that fails its checksum."""


# -- model versions ----------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class StoredVersion:
    """Where `save_model` put a trained model: its id and version, the versions it retired, its run."""

    model_id: str
    version: int
    retired: list[str]
    run_id: str


def save_model(
    store: Store,
    trained: Trained,
    target: str,
    params: dict[str, Any],
    *,
    activate: bool,
    started_by: str,
) -> StoredVersion:
    """Store a trained model as the target's next version with its `risk_train` run, in one
    transaction; when `activate`, it becomes the active version and the active one is retired."""
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
        run.conn.execute(
            risk_models.insert().values(
                model_id=model_id,
                target=target,
                version=version,
                algorithm=_algorithm_label(model),
                features=to_json(model.features),
                **trained.figures(),
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
    return StoredVersion(model_id, version, retired, run.run_id)


def active_row(store: Store, target: str, model_id: str | None = None) -> dict[str, Any] | None:
    """The stored row (artefact included) of the target's active model, or of `model_id`; None if none."""
    q = sa.select(risk_models)
    if model_id is not None:
        q = q.where(risk_models.c.model_id == model_id)
    else:
        q = q.where((risk_models.c.target == target) & (risk_models.c.status == "active"))
    with store.engine.connect() as conn:
        row = conn.execute(q.order_by(risk_models.c.version.desc()).limit(1)).mappings().first()
    return None if row is None else dict(row)


def require_row(store: Store, target: str, model_id: str | None) -> dict[str, Any]:
    """As `active_row`, but a missing model is a RiskModelError that says how to get one."""
    row = active_row(store, target, model_id)
    if row is None:
        if model_id is not None:
            raise RiskModelError(f"no risk model {model_id!r} in this store")
        raise RiskModelError(
            f"no active {target} risk model in this store; train one with `insightdesk risk train --target {target}`"
        )
    return row


def load_artefact(row: dict[str, Any]) -> FittedRiskModel:
    """The model of a stored row, after its SHA-256 is checked against the one stored with it."""
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
    row = require_row(store, target, model_id)
    model = load_artefact(row)
    return {k: v for k, v in row.items() if k != "artefact"}, model


def list_models(store: Store, target: str | None = None) -> pd.DataFrame:
    """Every stored model version (newest first), without artefacts."""
    cols = [c for c in risk_models.c if c.name not in ("artefact", "reference_profile", "metrics")]
    q = sa.select(*cols).order_by(risk_models.c.target, risk_models.c.version.desc())
    if target is not None:
        q = q.where(risk_models.c.target == target)
    return read_frame(store, q)


# -- scores -----------------------------------------------------------------------------------------
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
    raw: Any = conn.connection.driver_connection  # the DBAPI connection of the transaction
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


def save_scores(store: Store, scores: pd.DataFrame, params: dict[str, Any], *, started_by: str) -> None:
    """Insert or replace scores (one model) in `risk_scores`, with their `risk_score` run."""
    model_id = scores["model_id"].iloc[0]
    with recorded_run(store, "risk_score", params, started_by=started_by) as run:
        _write_scores(run.conn, store.dialect, scores)
        run.summary.update(
            model_id=model_id,
            scored=len(scores),
            bands={str(k): int(v) for k, v in scores["band"].value_counts().items()},
        )


def stored_scores(store: Store, target: str = "low_csat", model_id: str | None = None) -> pd.DataFrame:
    """The stored scores of the active model (or `model_id`), highest first, factors parsed."""
    row = require_row(store, target, model_id)
    df = read_frame(
        store,
        sa.select(risk_scores)
        .where(risk_scores.c.model_id == row["model_id"])
        .order_by(risk_scores.c.score.desc(), risk_scores.c.ticket_id),
    )
    df["top_factors"] = [from_json(t) for t in df["top_factors"]]
    return df
