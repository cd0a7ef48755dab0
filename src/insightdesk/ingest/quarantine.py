"""Look at rejected records and re-run them once the mapping or the referenced data is fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.ingest.pipeline import IngestError, IngestResult, ProgressFn, ingest_file
from insightdesk.ingest.workdir import private_workdir

if TYPE_CHECKING:
    from insightdesk.ingest.mapping import Mapping
    from insightdesk.ingest.minimise import RedactFn
    from insightdesk.store import Store

SUMMARY_SQL = """
SELECT q.batch_id, q.kind, q.source_file, q.status, q.field, q.reason, count(*) AS records, min(q.line) AS first_line
FROM quarantine q {where}
GROUP BY q.batch_id, q.kind, q.source_file, q.status, q.field, q.reason
ORDER BY q.batch_id DESC, records DESC
"""


def _where(batch_id: str | None, status: str | None, kind: str | None) -> tuple[str, dict[str, str]]:
    clauses, params = [], {}
    if batch_id:
        clauses.append("q.batch_id = :batch_id")
        params["batch_id"] = batch_id
    if status and status != "all":
        clauses.append("q.status = :status")
        params["status"] = status
    if kind:
        clauses.append("q.kind = :kind")
        params["kind"] = kind
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def summary(
    store: Store, *, batch_id: str | None = None, status: str | None = "open", kind: str | None = None
) -> pd.DataFrame:
    """Rejected records grouped by batch, field and reason."""
    where, params = _where(batch_id, status, kind)
    return store.query_df(SUMMARY_SQL.format(where=where), params)


def records(
    store: Store,
    *,
    batch_id: str | None = None,
    status: str | None = "open",
    kind: str | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """Individual rejected records with their line, field, value, reason and raw source record."""
    where, params = _where(batch_id, status, kind)
    return store.query_df(
        f"SELECT q.quarantine_id, q.batch_id, q.kind, q.source_file, q.line, q.record_key, q.field, q.value, "
        f"q.reason, q.errors, q.raw, q.status FROM quarantine q {where} ORDER BY q.batch_id, q.line LIMIT {int(limit)}",
        params,
    )


def retry(
    store: Store,
    batch_id: str,
    *,
    profile: str | None = None,
    mapping: str | Path | Mapping | None = None,
    progress: ProgressFn | None = None,
    redact_text: RedactFn | None = None,
) -> IngestResult:
    """Re-ingest the open rejected records of a batch through the (possibly fixed) mapping.

    Records accepted now are marked resolved; those rejected again stay in quarantine under the
    new batch, and their old rows are marked superseded.
    """
    rows = store.query_df(
        "SELECT quarantine_id, kind, raw, line, source_file FROM quarantine WHERE batch_id = :b AND status = 'open' ORDER BY line",
        {"b": batch_id},
    )
    if rows.empty:
        raise IngestError(f"batch {batch_id} has no open quarantined records")
    kinds = set(rows["kind"])
    if len(kinds) != 1:
        raise IngestError(f"batch {batch_id} mixes kinds {sorted(kinds)}")
    kind = kinds.pop()
    batch = store.query_df("SELECT profile FROM ingest_batches WHERE batch_id = :b", {"b": batch_id})
    if profile is None and mapping is None and not batch.empty:
        profile = batch["profile"].iloc[0]
    # The raw records hold personal data: written to the private staging folder, never to /tmp.
    with private_workdir(store) as tmp:
        path = tmp / f"retry-{batch_id}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for raw in rows["raw"]:
                record = json.loads(raw)
                if set(record) == {"__line"}:
                    raise IngestError(
                        f"batch {batch_id} holds lines that could not be parsed at all (e.g. a wrong column "
                        "count); fix the file and ingest it again instead"
                    )
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        result = ingest_file(
            store,
            path,
            kind,
            profile=profile,
            mapping=mapping,
            fmt="jsonl",
            retry_of=batch_id,
            progress=progress,
            redact_text=redact_text,
        )
    # Line i of the retry file is the i-th record retried: map the new batch's rejects back.
    again = store.query_df(
        "SELECT quarantine_id, line FROM quarantine WHERE batch_id = :b", {"b": result.batch_id}
    )
    again_by_line = dict(zip(again["line"], again["quarantine_id"], strict=True))
    with store.begin() as conn:
        for i, (qid, line, src) in enumerate(
            zip(rows["quarantine_id"], rows["line"], rows["source_file"], strict=True)
        ):
            new_qid = again_by_line.get(i + 1)
            conn.execute(
                sa.text(
                    "UPDATE quarantine SET status = :s, resolved_batch_id = :nb WHERE quarantine_id = :q"
                ),
                {"s": "superseded" if new_qid else "resolved", "nb": result.batch_id, "q": qid},
            )
            if new_qid:
                conn.execute(
                    sa.text(
                        "UPDATE quarantine SET line = :line, source_file = :src WHERE quarantine_id = :q"
                    ),
                    {"line": int(line), "src": src, "q": new_qid},
                )
    return result
