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

from insightdesk.connectors.cursors import commit_hook, read_state, write_cursor
from insightdesk.connectors.http import TerminalVendorError, VendorClient, VendorError
from insightdesk.connectors.prefetch import prefetched
from insightdesk.connectors.runs import RunCounts, finish_run, register_source, start_run
from insightdesk.connectors.sources import SourceConfig, SourceConfigError, credentials
from insightdesk.connectors.streams import Cursor, Page, Stream, newest
from insightdesk.connectors.tombstones import tombstones
from insightdesk.connectors.vendors import streams_for
from insightdesk.ingest import IngestError, ingest_file, load_profile
from insightdesk.ingest.mapping import Mapping
from insightdesk.ingest.workdir import make_workdir, remove_workdir
from insightdesk.store import Store
from insightdesk.text.pipeline import ingest_redactor

log = logging.getLogger(__name__)
PREFETCH_RECORDS = 50_000  # records fetched ahead of the ingest (about 35 MB of Zendesk tickets)

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


def _system(source: SourceConfig, stream: Stream) -> str:
    """The source system a stream's records are stored under (a tombstone's: its vendor profile's)."""
    return source.source_system or _profile(stream.records_of or stream.profile).source_system


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
    client: VendorClient | None = None
    try:
        with client_factory(source) as client:
            for stream in streams:
                _sync_stream(store, source, stream, client, counts, warnings, on_point)
    except VendorError as exc:
        counts.requests = client.requests_made if client else 0
        transient = not isinstance(exc, TerminalVendorError)
        finish_run(store, run_id, counts, error=str(exc), error_kind="transient" if transient else "terminal")
        raise SyncError(f"sync of {source.name} stopped: {exc}", transient=transient) from exc
    except (SourceConfigError, IngestError) as exc:
        counts.requests = client.requests_made if client else 0
        finish_run(store, run_id, counts, error=str(exc), error_kind="terminal")
        raise SyncError(f"sync of {source.name} stopped: {exc}", transient=False) from exc
    counts.requests = client.requests_made
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
    cursor, committed_newest, seen = read_state(store, source.name, stream.name)
    batch: _Batch | None = None
    pending: _Fetched | None = None
    pending_newest = committed_newest
    pages = (_Fetched.of(page, stream.tombstones) for page in stream.pages(client, cursor, source))
    # Fetch ahead up to ~PREFETCH_RECORDS records (as JSON Lines text, not dicts): the next batch's
    # pages arrive while the current one is ingested, instead of two pages and then a stall.
    depth = max(2, PREFETCH_RECORDS // max(source.page_size, 1))
    try:
        for page in prefetched(pages, depth=depth):
            counts.pages += 1
            counts.received += page.count
            # Drift: a field neither documented nor sent before by this stream (reported once).
            if stream.known_fields:
                counts.new_fields |= page.keys - stream.known_fields - seen
            seen = seen | page.keys
            batch = batch or _Batch(store, f"sync-{source.name}-{stream.name}.jsonl")
            if stream.tombstones:  # read in this thread: the store is written here too
                stored = tombstones(store, _system(source, stream), stream.kind, page.records)
                batch.write(_lines(stored), len(stored))
            else:
                batch.write(page.lines, page.count)
            pending, pending_newest = page, newest([page.newest], pending_newest)
            point(stream.name, "fetched")
            if batch.records >= source.batch_records:
                _commit(
                    store, source, stream, batch, (page.cursor, pending_newest, seen), counts, warnings, point
                )
                batch, pending = None, None
        if pending is not None and batch is not None and batch.records:
            _commit(
                store, source, stream, batch, (pending.cursor, pending_newest, seen), counts, warnings, point
            )
        elif pending is not None and pending.cursor != cursor:
            write_cursor(store, source.name, stream.name, pending.cursor, pending_newest, seen)
            point(stream.name, "cursor")
    finally:
        if batch is not None:
            batch.discard()
    counts.newest_source_update = newest([pending_newest], counts.newest_source_update)


@dataclass(frozen=True)
class _Fetched:
    """A page as the ingest side needs it, made in the fetching thread: its records as JSON Lines
    text and the keys they use (the dicts are dropped, except for tombstones, which need them)."""

    cursor: Cursor
    newest: datetime | None
    count: int
    keys: frozenset[str]
    lines: str
    records: list[dict[str, Any]]

    @classmethod
    def of(cls, page: Page, keep_records: bool) -> _Fetched:
        keys = frozenset(key for record in page.records for key in record)
        lines = "" if keep_records else _lines(page.records)
        kept = page.records if keep_records else []
        return cls(page.cursor, page.newest, len(page.records), keys, lines, kept)


def _lines(records: Sequence[dict[str, Any]]) -> str:
    """The records as JSON Lines (built in the fetching thread, off the ingest's path)."""
    return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)


class _Batch:
    """A JSON Lines file of records in a private staging folder (mode 0700), appended page by page
    so a large batch never sits in memory; deleted once ingested or abandoned."""

    def __init__(self, store: Store, name: str) -> None:
        self.workdir = make_workdir(store)
        self.path = self.workdir / name
        self._out = self.path.open("w", encoding="utf-8")
        self.records = 0

    def write(self, lines: str, records: int) -> None:
        self._out.write(lines)
        self.records += records

    def close(self) -> Path:
        self._out.close()
        return self.path

    def discard(self) -> None:
        self._out.close()
        remove_workdir(self.workdir)


def _commit(
    store: Store,
    source: SourceConfig,
    stream: Stream,
    batch: _Batch,
    state: tuple[Cursor, datetime | None, frozenset[str]],
    counts: RunCounts,
    warnings: list[str],
    point: BatchHook,
) -> None:
    """Ingest one batch of records with the cursor that follows them, in one transaction."""
    hook = commit_hook(source.name, stream.name, *state)

    def write_cursor_then_report(target: Any, result: Any) -> None:
        hook(target, result)
        point(stream.name, "ingested")

    try:
        result = ingest_file(
            store,
            batch.close(),
            stream.kind,
            mapping=_profile(stream.profile),
            fmt="jsonl",
            source_system=_system(source, stream) if stream.tombstones else source.source_system,
            before_commit=write_cursor_then_report,
            redact_text=ingest_redactor(),  # used when the mapping stores text redacted only
        )
    finally:
        batch.discard()
    point(stream.name, "cursor")
    counts.accepted += result.accepted
    counts.ingest_seconds += result.seconds
    counts.rejected += result.rejected
    counts.inserted += result.inserted
    counts.updated += result.updated
    warnings.extend(f"{stream.name}: {w}" for w in result.warnings)
    if result.rejected:
        warnings.append(
            f"{stream.name}: {result.rejected} record(s) quarantined with their reasons "
            f"(`insightdesk quarantine list --batch {result.batch_id}`)"
        )
