"""Pull a source: for each stream, page from its cursor and ingest the records with the cursor.

Records go through `ingest_file` with the stream's profile (validation, quarantine, merge with
history), written first as JSON Lines into ingest's private staging folder (mode 0700, deleted
after the batch), so a sync and a file export of the same data give the same store. Each batch
commits its cursor in its own transaction; a run is recorded in `connector_runs` whatever happens.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from insightdesk.connectors.cursors import commit_hook, read_cursor, write_cursor
from insightdesk.connectors.http import TerminalVendorError, VendorClient, VendorError
from insightdesk.connectors.runs import RunCounts, finish_run, register_source, start_run
from insightdesk.connectors.sources import SourceConfig, SourceConfigError, credentials
from insightdesk.connectors.streams import Cursor, Page, Stream, new_fields, newest
from insightdesk.connectors.vendors import streams_for
from insightdesk.ingest import IngestError, ingest_file, load_profile
from insightdesk.ingest.mapping import Mapping
from insightdesk.ingest.workdir import private_workdir
from insightdesk.store import Store

log = logging.getLogger(__name__)

ClientFactory = Callable[[SourceConfig], VendorClient]
BatchHook = Callable[[str, str], None]
"""Told (stream, point) at `fetched`, `ingested` and `cursor`: a seam for the kill -9 tests."""


class SyncError(RuntimeError):
    """A sync stopped; the message (one sentence, no secret) says why. `transient`: try again later."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class SyncReport:
    source: str
    run_id: str
    counts: RunCounts
    warnings: list[str]


@functools.lru_cache(maxsize=8)
def _profile(name: str) -> Mapping:
    """A profile parsed once per process: parsing its YAML costs more than a small batch's merge."""
    return load_profile(name)


def default_client(source: SourceConfig) -> VendorClient:
    return VendorClient(source.base_url, vendor=source.vendor.title(), auth=credentials(source))


def sync_source(
    store: Store,
    source: SourceConfig,
    *,
    trigger: str = "cli",
    client_factory: ClientFactory = default_client,
    on_point: BatchHook | None = None,
) -> SyncReport:
    """Pull every stream of `source` to the end of what exists now; raises SyncError on failure."""
    streams = streams_for(source)
    register_source(store, source)
    run_id = start_run(store, source.name, trigger)
    counts, warnings = RunCounts(), list[str]()
    try:
        with client_factory(source) as client:
            for stream in streams:
                _sync_stream(store, source, stream, client, counts, warnings, on_point)
            counts.requests = client.requests_made
    except VendorError as exc:
        transient = not isinstance(exc, TerminalVendorError)
        finish_run(store, run_id, counts, error=str(exc), error_kind="transient" if transient else "terminal")
        raise SyncError(f"sync of {source.name} stopped: {exc}", transient=transient) from exc
    except (SourceConfigError, IngestError) as exc:
        finish_run(store, run_id, counts, error=str(exc), error_kind="terminal")
        raise SyncError(f"sync of {source.name} stopped: {exc}", transient=False) from exc
    if counts.new_fields:
        warnings.append(
            f"{source.name} sent fields the connector does not know, ignored: {', '.join(sorted(counts.new_fields))}"
        )
    finish_run(store, run_id, counts)
    return SyncReport(source.name, run_id, counts, warnings)


def _sync_stream(
    store: Store,
    source: SourceConfig,
    stream: Stream,
    client: VendorClient,
    counts: RunCounts,
    warnings: list[str],
    on_point: BatchHook | None,
) -> None:
    point = on_point or (lambda stream_name, where: None)
    cursor, committed_newest = read_cursor(store, source.name, stream.name)
    buffered: list[dict[str, Any]] = []
    pending: Page | None = None
    pending_newest = committed_newest
    for page in stream.pages(client, cursor, source):
        counts.pages += 1
        counts.received += len(page.records)
        counts.new_fields |= new_fields(page.records, stream.known_fields)
        buffered.extend(page.records)
        pending, pending_newest = page, newest([page.newest], pending_newest)
        point(stream.name, "fetched")
        if len(buffered) >= source.batch_records:
            _commit(store, source, stream, buffered, page.cursor, pending_newest, counts, warnings, point)
            buffered, pending = [], None
    if pending is not None:
        if buffered:
            _commit(store, source, stream, buffered, pending.cursor, pending_newest, counts, warnings, point)
        elif pending.cursor != cursor:
            write_cursor(store, source.name, stream.name, pending.cursor, pending_newest)
            point(stream.name, "cursor")
    counts.newest_source_update = newest([pending_newest], counts.newest_source_update)


def _commit(
    store: Store,
    source: SourceConfig,
    stream: Stream,
    records: Sequence[dict[str, Any]],
    cursor: Cursor,
    newest_seen: datetime | None,
    counts: RunCounts,
    warnings: list[str],
    point: BatchHook,
) -> None:
    """Ingest one batch of records with the cursor that follows them, in one transaction."""
    with private_workdir(store) as workdir:
        path = Path(workdir) / f"sync-{source.name}-{stream.name}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False, default=str))
                out.write("\n")
        hook = commit_hook(source.name, stream.name, cursor, newest_seen)

        def write_cursor_then_report(target: Any, result: Any) -> None:
            hook(target, result)
            point(stream.name, "ingested")

        result = ingest_file(
            store,
            path,
            stream.kind,
            mapping=_profile(stream.profile),
            fmt="jsonl",
            source_system=source.source_system,
            before_commit=write_cursor_then_report,
        )
    point(stream.name, "cursor")
    counts.accepted += result.accepted
    counts.rejected += result.rejected
    counts.inserted += result.inserted
    counts.updated += result.updated
    warnings.extend(f"{stream.name}: {w}" for w in result.warnings)
    if result.rejected:
        warnings.append(
            f"{stream.name}: {result.rejected} record(s) quarantined with their reasons "
            f"(`insightdesk quarantine list --batch {result.batch_id}`)"
        )
