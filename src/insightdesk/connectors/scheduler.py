"""The sync scheduler inside `insightdesk serve` (off unless INSIGHTDESK_SYNC_SCHEDULER is true).

One daemon thread wakes every `tick` seconds and pulls each source whose interval has passed since
its last run started, or that has webhook signals waiting; sources sync one at a time, under the
server's write lock (a DuckDB store has one writer). A failed sync is recorded in its run and
retried at the next interval; nothing it raises stops the thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from insightdesk.connectors.runs import utcnow
from insightdesk.connectors.sources import SourceConfig, SourceConfigError, load_sources
from insightdesk.connectors.sync import SyncError, sync_source
from insightdesk.connectors.webhooks import consume, pending_sources
from insightdesk.store import Store
from insightdesk.store.tables.connectors import connector_runs

log = logging.getLogger(__name__)


class SyncScheduler:
    """Start with `start()`, stop with `stop()`; `run_due()` is one tick (tests call it directly)."""

    def __init__(
        self,
        store: Store,
        *,
        lock: Any = None,
        tick: float = 15.0,
        load: Callable[[], dict[str, SourceConfig]] = load_sources,
        sync: Callable[..., Any] = sync_source,
        after_pulls: Callable[[Store], Any] | None = None,
    ) -> None:
        self.store, self.tick, self._load, self._sync = store, tick, load, sync
        # Told after each tick that pulled (or failed to): the layer above raises sync-lag alerts.
        self._after_pulls = after_pulls
        self._lock = lock or contextlib.nullcontext()
        self._stop, self._wake = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="insightdesk-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Run a tick now (a webhook arrived)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.tick)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_due()
            except Exception:  # the scheduler outlives any one failure; the run row has the details
                log.exception("the sync scheduler's tick failed")

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Sync every due source once; returns their names."""
        try:
            sources = self._load()
        except SourceConfigError as exc:
            log.warning("sync scheduler: %s", exc)
            return []
        now = now or utcnow()
        signalled = set(pending_sources(self.store.engine))
        synced, attempted = [], False
        for name, source in sources.items():
            trigger = "webhook" if name in signalled else "schedule"
            if trigger == "schedule" and not self._due(name, source, now):
                continue
            started, attempted = utcnow(), True
            with self._lock:
                try:
                    self._sync(self.store, source, trigger=trigger)
                except (SyncError, SourceConfigError) as exc:
                    log.warning("sync of %s failed: %s", name, exc)
                    continue
            consume(self.store.engine, name, started)  # the signals this pull answered
            synced.append(name)
        if attempted and self._after_pulls is not None:
            with self._lock:
                try:
                    self._after_pulls(self.store)
                except Exception:  # an alerting failure must not stop the pulls
                    log.exception("the sync scheduler's after-pull check failed")
        return synced

    def _due(self, name: str, source: SourceConfig, now: datetime) -> bool:
        with self.store.engine.connect() as conn:
            last = conn.execute(
                sa.select(sa.func.max(connector_runs.c.started_at)).where(connector_runs.c.source == name)
            ).scalar()
        return last is None or now - last >= timedelta(minutes=source.interval_minutes)
