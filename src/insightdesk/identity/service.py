"""Identity runs on a store: read the customer records, resolve them, write persons, golden records,
review queue and conversation threads in one transaction, and audit it.

`run_identity(mode="auto")` links only the records no run has placed yet when a model exists (new
records join existing persons, whose ids do not change), and resolves everything otherwise.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from insightdesk.governance import audit
from insightdesk.identity import persistence as db
from insightdesk.identity.golden import golden_records
from insightdesk.identity.pipeline import Resolution, resolve, resolve_incremental
from insightdesk.identity.prepare import RecordError, prepare_records
from insightdesk.identity.spark_engine import (
    BACKENDS,
    DEFAULT_MASTER,
    Backend,
    identity_session,
    spark_missing,
)
from insightdesk.identity.spec import MatchSpec
from insightdesk.identity.splink_model import TrainedModel
from insightdesk.identity.stitching import stitch_threads

if TYPE_CHECKING:
    import sqlalchemy as sa

    from insightdesk.governance import Actor
    from insightdesk.store import Store

Mode = Literal["auto", "full", "incremental"]
MAX_RECORDS = 5_000_000  # past this one machine's DuckDB is the wrong tool: say so before starting
ON_SPARK = "run Splink on Spark instead: `insightdesk identity run --backend spark` (docs/identity.md)"


class IdentityError(ValueError):
    """A request the identity service cannot carry out (one sentence naming what and why)."""


class IdentityNotFound(IdentityError):
    """The pair or person a request names does not exist."""


@dataclass
class RunResult:
    run_id: str
    mode: str
    threshold: float
    threshold_source: str
    summary: dict[str, Any]


def _new_run_id() -> str:
    return f"identity-{db.utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def _stored_model(row: Any) -> TrainedModel | None:
    if row is None or not row.model:
        return None
    data = json.loads(row.model)
    return TrainedModel(
        settings=data["settings"], fields=data["fields"], blocking_rules=data["blocking_rules"]
    )


def derived_tables(
    conn: sa.Connection, records: pd.DataFrame, links: pd.DataFrame, spec: MatchSpec
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(golden persons, value provenance, threads) from record -> person links."""
    linked = records.merge(links[["record_id", "person_id"]], on="record_id")
    prepared = prepare_records(records).set_index("record_id")
    linked["email"] = linked["record_id"].map(prepared["email"])
    linked["phone"] = linked["record_id"].map(prepared["phone"])
    linked["name"] = linked["name"].astype("string").str.strip().replace("", None)
    linked["updated_at"] = pd.to_datetime(linked["updated_at"])
    persons, values = golden_records(linked, spec.survivorship)
    person_of = links.set_index("record_id")["person_id"]
    threads = stitch_threads(
        db.load_tickets(conn), person_of, spec.thread_window_hours, spec.thread_same_issue
    )
    return persons, values, threads


def _resolve(
    conn: sa.Connection, records: pd.DataFrame, spec: MatchSpec, mode: Mode, spark: Any = None
) -> Resolution:
    prepared = prepare_records(records)
    constraints = db.load_constraints(conn)
    previous = db.load_links(conn)
    last = db.latest_run(conn)
    model = _stored_model(last)
    new_ids = set(prepared["record_id"]) - set(previous)
    if mode == "incremental" and model is None:
        raise IdentityError(
            "no identity run has trained a model yet: run `insightdesk identity run --full` first"
        )
    gone = set(previous) - set(prepared["record_id"])
    if mode == "auto":
        mode = "incremental" if model is not None and not gone else "full"
    if mode == "incremental" and model is not None:
        existing = {r: p for r, p in previous.items() if r not in gone}
        return resolve_incremental(
            prepared, new_ids, existing, model, float(last.threshold), spec, constraints, spark=spark
        )
    return resolve(prepared, spec, constraints, previous, spark=spark)


def run_identity(
    store: Store,
    spec: MatchSpec | None = None,
    *,
    mode: Mode = "auto",
    actor: Actor,
    backend: Backend = "duckdb",
    spark_master: str | None = None,
    spark_session: Any = None,
) -> RunResult:
    """Resolve the store's customer records into persons (see the module docstring).

    `backend="spark"` trains and scores the Splink model on Spark: on `spark_session` when given
    (it must carry Splink's jar, see docs/identity.md), otherwise on a session started here at
    `spark_master` (default local[*]) and stopped afterwards. The store is read and written as ever."""
    spec = (spec or MatchSpec()).validated()
    if backend not in BACKENDS:
        raise IdentityError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if backend == "spark" and spark_session is None and (missing := spark_missing()):
        raise IdentityError(f"cannot run identity matching on Spark: {missing}")
    with store.engine.connect() as conn:
        records = db.load_records(conn)
    if backend == "duckdb" and len(records) > MAX_RECORDS:
        raise IdentityError(
            f"{len(records):,} customer records exceed the {MAX_RECORDS:,} one run on DuckDB handles: {ON_SPARK}"
        )
    if backend == "spark" and spark_session is None:
        master = spark_master or DEFAULT_MASTER
        try:
            session = identity_session(master)
        except Exception as exc:  # Java that does not start, a master that does not answer
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise IdentityError(f"Spark did not start at {master}: {first}") from None
        try:
            return _run(store, records, spec, mode, actor, backend, session)
        finally:
            session.stop()
    return _run(store, records, spec, mode, actor, backend, spark_session)


def _run(
    store: Store,
    records: pd.DataFrame,
    spec: MatchSpec,
    mode: Mode,
    actor: Actor,
    backend: Backend,
    spark: Any,
) -> RunResult:
    run_id = _new_run_id()
    with store.begin() as conn:
        try:
            result = _resolve(conn, records, spec, mode, spark if backend == "spark" else None)
        except RecordError as exc:
            raise IdentityError(str(exc)) from None
        persons, values, threads = derived_tables(conn, records, result.links, spec)
        db.insert_run(
            conn,
            {
                "run_id": run_id,
                "mode": result.summary["mode"],
                "params": json.dumps(spec.as_json(), sort_keys=True),
                "model": result.model.as_json() if result.model.settings else None,
                "threshold": result.threshold,
                "review_low": spec.review_low,
                "threshold_source": result.threshold_source,
                "started_by": actor.name,
                "started_at": db.utcnow(),
            },
        )
        db.replace_resolution(conn, run_id, result.links, persons, values, result.review, threads)
        summary = {
            **result.summary,
            "backend": backend,
            "threads": int(threads["thread_id"].nunique()) if len(threads) else 0,
        }
        db.finish_run(conn, run_id, summary)
    store.changed()
    audit.append_by(
        store.engine,
        actor,
        "identity.run",
        "identity_runs",
        [run_id],
        {"mode": summary["mode"], "persons": summary["persons"], "records": summary["records"]},
    )
    return RunResult(run_id, summary["mode"], result.threshold, result.threshold_source, summary)


def refresh_derived(store: Store, spec: MatchSpec | None = None) -> None:
    """Rebuild golden records and threads from the current links (after a review decision or unmerge)."""
    spec = spec or MatchSpec()
    with store.begin() as conn:
        links = db.read_frame(conn, db.sa_select_links())
        records = db.load_records(conn)
        persons, values, threads = derived_tables(conn, records, links, spec)
        run_id = str(links["run_id"].iloc[0]) if len(links) else "none"
        db.replace_derived(conn, run_id, persons, values, threads)
    store.changed()


def status(store: Store) -> dict[str, Any]:
    """Counts of records, persons, methods, review pairs, constraints and threads, and the last run."""
    with store.engine.connect() as conn:
        result = db.counts(conn)
        last = db.latest_run(conn)
    result["last_run"] = (
        None
        if last is None
        else {
            "run_id": last.run_id,
            "mode": last.mode,
            "threshold": last.threshold,
            "threshold_source": last.threshold_source,
            "finished_at": last.finished_at,
            "summary": json.loads(last.summary or "{}"),
        }
    )
    return result
