"""Ingest one file of one entity kind into the store, as one atomic batch.

Stages: read the file into DuckDB as text -> type and check every field -> drop duplicate
ids -> fold event logs -> check references against the store -> merge (insert, update with
history, or leave unchanged) -> write rejected records to quarantine -> record the batch.
Everything between BEGIN and COMMIT: a crash at any point leaves the store as it was.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.ingest import fold as fold_sql
from insightdesk.ingest import minimise
from insightdesk.ingest.checkpoints import STAGES, StageFn, checkpointed
from insightdesk.ingest.consent_import import record_imported_consent
from insightdesk.ingest.erased_subjects import mark_erased
from insightdesk.ingest.mapping import (
    REFERENCE_TARGETS,
    STUBBABLE,
    KindMapping,
    Mapping,
    resolve_mapping,
)
from insightdesk.ingest.merge import insert_stubs, merge, merge_derived
from insightdesk.ingest.nul_bytes import nul_warnings
from insightdesk.ingest.quarantine_rows import build_quarantine
from insightdesk.ingest.readers import ROW, StagedFile, collect_csv_rejects, stage_file
from insightdesk.ingest.results import EntityCounts, IngestError, IngestResult, new_batch_id
from insightdesk.ingest.sql import hash_sql, lit, q, scalar
from insightdesk.ingest.staging import (
    ProgressFn,
    drop_staging,
    limit_memory,
    memory_limit,
    restore,
)
from insightdesk.ingest.target import Target, open_target
from insightdesk.ingest.typed_pass import type_and_check
from insightdesk.ingest.validate import CompiledKind, compile_kind, reader_null_values
from insightdesk.ingest.workdir import make_workdir, remove_workdir

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    from insightdesk.store import Store

log = logging.getLogger(__name__)


def _no_stage_hook(stage: str) -> None:
    """The default `on_stage`: nothing to do."""


def ingest_file(
    store: Store,
    path: str | Path,
    kind: str,
    *,
    profile: str | None = None,
    mapping: str | Path | Mapping | None = None,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    source_system: str | None = None,
    retry_of: str | None = None,
    progress: ProgressFn | None = None,
    on_stage: StageFn | None = None,
    before_commit: Callable[[Target, IngestResult], None] | None = None,
    redact_text: minimise.RedactFn | None = None,
) -> IngestResult:
    """Ingest `path` as `kind`. Raises IngestError (nothing written) when the file or mapping is unusable.

    `progress` gets (stage, fraction done) for a progress bar; `on_stage` gets the name of each of
    STAGES as the batch reaches it and of each statement in between (a seam for callers that must
    act at a known point, such as the kill -9 atomicity tests; see checkpoints.py). `before_commit`
    writes in the batch's transaction just before it commits (a connector's cursor: both or neither).
    `redact_text` is the text layer's redactor, needed when the mapping stores text redacted only.
    """
    import duckdb

    from insightdesk.ingest.mapping import MappingError
    from insightdesk.ingest.readers import SourceFileError, detect_format, read_error
    from insightdesk.ingest.validate import MissingColumnsError

    started = time.perf_counter()
    path = Path(path)
    try:
        resolved = mapping if isinstance(mapping, Mapping) else resolve_mapping(profile, mapping)
        if source_system:
            resolved = _with_source_system(resolved, source_system)
        plan = minimise.plan_minimisation(resolved, kind, redact_text, path, fmt, encoding)
        km = plan.kind
    except (MappingError, minimise.MinimisationError, SourceFileError) as exc:
        raise IngestError(str(exc)) from exc
    workdir = make_workdir(store)  # private (0700), beside the store: staged plaintext stays out of /tmp
    target = checkpointed(open_target(store, workdir), on_stage)
    con = target.staging
    con.execute("SET enable_progress_bar = false")
    stage_reached = on_stage or _no_stage_hook
    saved = limit_memory(con, workdir)
    plan.attach(con)  # after limit_memory: a redacting batch must not spill raw text to disk
    try:
        try:
            staged = stage_file(
                con,
                path,
                fmt=fmt,
                delimiter=delimiter or resolved.csv.get("delimiter"),
                encoding=encoding or resolved.csv.get("encoding"),
                workdir=workdir,
                null_values=reader_null_values(resolved.null_values),
            )
            stage_reached("read")
            compiled = compile_kind(resolved, km, staged.columns, reader_nulls=staged.reader_nulls)
            result = _run_batch(
                target, staged, resolved, km, compiled, str(path), retry_of, progress, stage_reached, plan
            )
        except (SourceFileError, MissingColumnsError) as exc:
            raise IngestError(f"{path}: {exc}" if str(path) not in str(exc) else str(exc)) from exc
        except duckdb.OutOfMemoryException as exc:
            raise IngestError(
                f"{path}: DuckDB ran out of its ingest memory ({memory_limit()}); "
                "raise INSIGHTDESK_INGEST_MEMORY (e.g. 2GB). Nothing was written."
            ) from exc
        except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException) as exc:
            # Only user-written SQL (a mapping's `expr`) can fail to bind against a file.
            raise IngestError(
                f"{path}: the mapping's SQL does not fit this file ({exc.__class__.__name__}): "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        except duckdb.Error as exc:
            # What staging could not see: a bad CSV line, a corrupt Parquet page (maybe a bare Thrift error).
            seen = isinstance(exc, duckdb.InvalidInputException | duckdb.IOException)
            if not seen and detect_format(path, fmt) != "parquet":
                raise
            raise IngestError(str(read_error(path, fmt, exc))) from exc
        stage_reached("before_commit")
        if before_commit is not None:
            before_commit(target, result)
        target.commit()
        store.changed()
        stage_reached("committed")
    except BaseException:
        target.rollback()
        raise
    finally:
        drop_staging(con)
        plan.detach(con)
        restore(con, saved)
        target.close()
        remove_workdir(workdir)
    result.seconds = time.perf_counter() - started
    if progress:
        progress("done", 1.0)
    return result


def _with_source_system(mapping: Mapping, source_system: str) -> Mapping:
    from dataclasses import replace

    return replace(mapping, source_system=source_system)


def _run_batch(
    target: Target,
    staged: StagedFile,
    mapping: Mapping,
    km: KindMapping,
    compiled: CompiledKind,
    source_file: str,
    retry_of: str | None,
    progress: ProgressFn | None,
    stage_reached: StageFn,
    plan: minimise.MinimisePlan,
) -> IngestResult:
    con = target.staging
    now = datetime.now(UTC).replace(tzinfo=None)
    batch_id = new_batch_id(now)
    kind = km.kind
    warnings = [
        f"column {c!r} named in the mapping is not in the file; its field stays empty"
        for c in compiled.missing_optional
    ]

    # The one full pass over the file: read, type, check and hash every record.
    con.execute(f"SET TimeZone = {lit(mapping.timezone)}")
    record_cols = [c for c in compiled.columns if c != "id"]
    hash_col = "" if km.fold else f", {hash_sql(record_cols)} AS record_hash"
    type_and_check(con, staged, compiled, hash_col, progress)
    staged.rows = scalar(con, "SELECT count(*) FROM stg_typed")
    collect_csv_rejects(con, staged)
    warnings.extend(nul_warnings(con, "stg_typed", staged.reread or staged.relation, compiled.read_columns))
    stage_reached("validate")
    # Duplicate ids within one file: keep the last occurrence, reject the others with a pointer to it.
    dup_sql = ""
    if km.fold is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stg_dups AS SELECT * FROM (SELECT __row, id, max(__row) OVER "
            "(PARTITION BY id) AS kept, count(*) OVER (PARTITION BY id) AS n FROM stg_typed WHERE __ok "
            "AND id IN (SELECT id FROM stg_typed WHERE __ok GROUP BY id HAVING count(*) > 1)) WHERE __row <> kept"
        )
        dup_sql = "SELECT __row, id, kept, n FROM stg_dups"
    columns = compiled.columns
    ok_filter = "__ok" + (" AND __row NOT IN (SELECT __row FROM stg_dups)" if dup_sql else "")
    con.execute("CREATE OR REPLACE TEMP TABLE stg_ref_rej (id VARCHAR, field VARCHAR, value VARCHAR)")
    # People erased earlier stay erased: their rows are rejected, without their values (tombstones).
    if mark_erased(target, kind, compiled.columns, compiled.extra_typed):
        ok_filter += " AND id NOT IN (SELECT id FROM stg_erased)"

    derived: dict[str, EntityCounts] = {}
    typed_ok = f"(SELECT * FROM stg_typed WHERE {ok_filter})"
    if km.fold:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stg_events AS "
            f"{fold_sql.events_sql(typed_ok, km.fold, 'created_at' in columns)}"
        )
        latest = f"({fold_sql.latest_per_record_sql(typed_ok, km.fold, columns)})"
        if "first_response_at" not in columns and "status" in km.fold.track:
            latest = (
                f"(SELECT l.*, f.first_response_at FROM {latest} l LEFT JOIN "
                f"({fold_sql.first_response_sql('stg_events')}) f ON f.ticket_id = l.id)"
            )
            columns = [*columns, "first_response_at"]
        record_cols = [c for c in columns if c != "id"]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stg_ok AS SELECT {', '.join(q(c) for c in columns)}, "
            f"{hash_sql(record_cols)} AS record_hash FROM {latest}"
        )
    else:
        # A view, not a copy: the merge reads the typed rows in place.
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW stg_ok AS SELECT {', '.join(q(c) for c in columns)}, record_hash "
            f"FROM stg_typed WHERE {ok_filter} AND id NOT IN (SELECT id FROM stg_ref_rej)"
        )
    if progress:
        progress("validate", 0.75)

    # References are checked in the store, where the referenced records live.
    ship_cols = [*columns, "record_hash"]
    target.ship("stg_ok", "stg_ok", ship_cols, like=kind)
    ref_rejects: list[tuple[str, str, str]] = []
    stubs: dict[str, int] = {}
    for name, policy in km.references.items():
        if name not in columns or policy == "ignore":
            continue
        ref_table = REFERENCE_TARGETS[name]
        same_kind = ref_table == kind
        exists = f"SELECT 1 FROM {q(ref_table)} r WHERE r.id = s.{q(name)}"
        if same_kind:
            exists += f" UNION ALL SELECT 1 FROM stg_ok r2 WHERE r2.id = s.{q(name)}"
        missing = (
            f"SELECT s.id, s.{q(name)} FROM stg_ok s WHERE s.{q(name)} IS NOT NULL AND NOT EXISTS ({exists})"
        )
        if policy == "reject":
            for rec_id, value in target.fetchall(missing):
                ref_rejects.append((rec_id, name, value))
        elif policy == "stub" and ref_table in STUBBABLE:
            n = insert_stubs(target, ref_table, name, exists, batch_id, now)
            if n:
                stubs[ref_table] = stubs.get(ref_table, 0) + n
    if ref_rejects:
        con.executemany("INSERT INTO stg_ref_rej VALUES (?, ?, ?)", ref_rejects)
        if km.fold:
            con.execute("DELETE FROM stg_ok WHERE id IN (SELECT id FROM stg_ref_rej)")
            con.execute("DELETE FROM stg_events WHERE ticket_id IN (SELECT id FROM stg_ref_rej)")
        if target.dialect != "duckdb":
            ids = ", ".join(lit(r[0]) for r in {r[0]: r for r in ref_rejects}.values())
            target.execute(f"DELETE FROM stg_ok WHERE id IN ({ids})")
    stage_reached("references")

    counts = merge(target, kind, "stg_ok", ship_cols, batch_id, now)
    if kind == "customers":
        record_imported_consent(target, "stg_ok", columns, batch_id, now)
    if progress:
        progress("merge", 0.9)
    stage_reached("merge")

    if km.fold:
        derived["ticket_events"] = merge_derived(
            target, "ticket_events", "stg_events", mapping.source_system, batch_id, now
        )
    if kind == "customers" and any(c.startswith("__contact_") for c in compiled.extra_typed):
        _build_contacts(con, compiled, ok_filter)
        derived["customer_contacts"] = merge_derived(
            target, "customer_contacts", "stg_contacts", mapping.source_system, batch_id, now
        )

    raw_items = plan.quarantine_raw(compiled.read_columns)
    rejected = build_quarantine(con, staged, compiled, batch_id, kind, source_file, now, dup_sql, raw_items)
    if rejected:
        target.append("stg_quarantine", "quarantine", _QUARANTINE_COLUMNS)
    if retry_of is None:
        # A re-run of the same file replaces the open rejects of earlier runs of it.
        target.execute(
            f"UPDATE quarantine SET status = 'superseded' WHERE status = 'open' AND kind = {lit(kind)} "
            f"AND source_file = {lit(source_file)} AND batch_id <> {lit(batch_id)}"
        )
    received = staged.received
    accepted = received - rejected
    if not received:
        # Not an error: an incremental export with nothing new is a header alone (the CLI exits 0).
        warnings.append("the file holds no records (a header alone): nothing to ingest")
    target.execute(
        "INSERT INTO ingest_batches (batch_id, kind, source_file, file_sha256, profile, mapping_sha256, retry_of, "
        "status, started_at, finished_at, received, accepted, inserted, updated, unchanged, rejected) VALUES ("
        f"{lit(batch_id)}, {lit(kind)}, {lit(source_file)}, {lit(_sha256(staged.path))}, {lit(mapping.name)}, "
        f"{lit(mapping.digest)}, {lit(retry_of) if retry_of else 'NULL'}, 'committed', "
        f"TIMESTAMP '{now.isoformat(sep=' ')}', TIMESTAMP '{datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ')}', "
        f"{received}, {accepted}, {counts.inserted}, {counts.updated}, {counts.unchanged}, {rejected})"
    )
    return IngestResult(
        batch_id=batch_id,
        kind=kind,
        source_file=source_file,
        received=received,
        accepted=accepted,
        rejected=rejected,
        counts=counts,
        derived=derived,
        stubs=stubs,
        warnings=warnings,
        folded=km.fold is not None,
    )


_QUARANTINE_COLUMNS = [
    "quarantine_id",
    "batch_id",
    "kind",
    "source_file",
    "line",
    "record_key",
    "field",
    "value",
    "reason",
    "errors",
    "raw",
    "status",
    "created_at",
]


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _build_contacts(con: duckdb.DuckDBPyConnection, compiled: CompiledKind, ok_filter: str) -> None:
    parts = []
    for name in compiled.extra_typed:
        if not name.startswith("__contact_"):
            continue
        kind = name.removeprefix("__contact_")
        parts.append(
            f"SELECT id || ':{kind}:' || {q(name)} AS id, id AS customer_id, '{kind}' AS kind, "
            f"{q(name)} AS value, TRUE AS is_primary FROM stg_typed WHERE {ok_filter} AND {q(name)} IS NOT NULL"
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_contacts AS SELECT DISTINCT ON (id) * FROM ("
        + " UNION ALL ".join(parts)
        + ")"
    )


__all__ = [
    "ROW",
    "STAGES",
    "EntityCounts",
    "IngestError",
    "IngestResult",
    "ProgressFn",
    "StageFn",
    "ingest_file",
    "new_batch_id",
]
