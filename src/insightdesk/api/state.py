"""What the running app holds: the store opened once, its locks, and small caches.

DuckDB allows one process per file, so the server opens the store once. Requests then use:
- `engine`: a pool over the one open store (`store.serving.share_between_threads`: a DuckDB cursor
  per connection, or PostgreSQL's own pool), also installed as `store.engine`, so features called
  from many threads never share one connection;
- `write_lock`: one writer at a time inside the process (Datasette's single-writer pattern);
  uploads first queue on `upload_gate` in the event loop, so waiting uploads hold no thread;
- `metrics_lock`: the Ibis backend of the metrics engine is one connection, used by one thread
  at a time; KPI results are cached until the data changes, so the lock is rarely held long.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from insightdesk.api.upload_limits import UploadLimits
from insightdesk.config import get_settings
from insightdesk.explore import data_stamp
from insightdesk.governance.roles import Principal
from insightdesk.governance.settings import SETTINGS, get_setting
from insightdesk.governance.users import LoginPolicy
from insightdesk.store import Store
from insightdesk.store.serving import has_table, share_between_threads

log = logging.getLogger(__name__)
_AUTH_TTL_S = 5.0


@dataclass(frozen=True)
class Identity:
    principal: Principal
    csrf_token: str | None  # None for bearer tokens: no cookie, so no cross-site forgery
    session_secret: str | None = None


class AuthCache:
    """Recently checked sessions and tokens, so a burst of requests costs one lookup.

    Cleared on every logout, revocation and account change made through this process; a change
    made elsewhere (the CLI on PostgreSQL) applies within `_AUTH_TTL_S` seconds.
    """

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Identity | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Identity | None]:
        with self._lock:
            hit = self._data.get(key)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def put(self, key: str, value: Identity | None) -> None:
        with self._lock:
            if len(self._data) > 10000:
                self._data.clear()
            self._data[key] = (time.monotonic() + _AUTH_TTL_S, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass(frozen=True)
class ServerSettings:
    """Settings of `insightdesk serve`, resolved once in the CLI and passed down."""

    secure_cookies: bool = False
    """Mark cookies Secure (set when served over HTTPS, e.g. behind a TLS proxy)."""
    session_hours: float = 12.0
    login_policy: LoginPolicy = field(default_factory=LoginPolicy)
    upload: UploadLimits = field(default_factory=lambda: UploadLimits.from_settings(get_settings()))
    """Upload limits (INSIGHTDESK_UPLOAD_*), read from the environment's settings at start."""
    warm_up: bool = True
    """Compute the default dashboard views in the background at start."""
    materialise_facts_max_tickets: int = 500_000
    """On DuckDB, keep KPI facts as temporary tables up to this many tickets (faster filtered views)."""
    rollups_max_tickets: int = 500_000
    """Build the KPI roll-ups at start and after each data change up to this many tickets; a larger
    store keeps the roll-ups `insightdesk metrics rollup build` made, used while they are current."""


class ResultCache:
    """Results keyed by request and the store's data version; evicts least recently used."""

    def __init__(self, size: int = 2048) -> None:
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = fn()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def peek(self, key: tuple[Any, ...]) -> Any:
        """The cached value, or None (never computes)."""
        with self._lock:
            return self._data.get(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class AppState:
    def __init__(self, store: Store, settings: ServerSettings) -> None:
        self.store = store
        self.settings = settings
        self.engine = share_between_threads(store)
        self.write_lock = threading.RLock()
        self.upload_gate = asyncio.Lock()
        self.metrics_lock = threading.RLock()
        self.cache = ResultCache()
        self.auth_cache = AuthCache()
        self.auth_lock = threading.Lock()
        self._version: tuple[Any, ...] = ()
        self._version_checked = 0.0
        self._version_lock = threading.Lock()
        self.started = time.time()
        self._settings: dict[str, tuple[float, Any]] = {}
        self.warm_state = "off" if not settings.warm_up else "pending"
        self._rollup_lock = threading.Lock()
        self._rollup_wanted = threading.Event()
        self._materialise_facts_if_small()

    def setting(self, name: str, ttl_s: float = 5.0, *, region: str | None = None) -> Any:
        """A run-time setting (governance.settings), re-read at most every `ttl_s`; with `region` (a
        view filtered to one region) that region's active override (actions' change control) if any."""
        now = time.monotonic()
        key = name if region is None else f"{name}@{region}"
        found = self._settings.get(key)
        if found and now - found[0] < ttl_s:
            return found[1]
        if region is not None and self.has_table("action_config_changes"):
            from insightdesk.actions.changes import in_force

            value = in_force(self.store, name, region)
        else:
            value = get_setting(self.engine, name) if self.has_table("settings") else SETTINGS[name].default
        self._settings[key] = (now, value)
        return value

    def settings_changed(self) -> None:
        """A setting changed in this process: read it again and drop results that used the old one."""
        self._settings.clear()
        self.cache.clear()

    def _materialise_facts_if_small(self) -> None:
        """On an embedded store of desk size, KPI facts are kept as tables rather than views.

        Every filtered view then scans one small table (milliseconds) instead of re-running the
        fact's joins. Above the limit facts stay views, so memory does not grow with the data.
        """
        from insightdesk.metrics.execute import materialise_facts

        if self.store.dialect != "duckdb" or not self.has_table("tickets"):
            return
        if self.store.count("tickets") <= self.settings.materialise_facts_max_tickets:
            materialise_facts(self.store.ibis())

    def refresh_rollups(self, wait: bool = False) -> threading.Thread | None:
        """Rebuild the KPI roll-ups in the background when the store is small enough.

        The build runs on a connection of its own, so requests keep being answered (live) while it
        runs; a request for another build meanwhile is folded into one more run after it.
        """
        if self.store.read_only or not self.has_table("kpi_rollups") or not self._rollups_wanted():
            return None
        self._rollup_wanted.set()
        if not self._rollup_lock.acquire(blocking=False):
            return None  # the running build loops once more for this request
        thread = threading.Thread(target=self._build_rollups, name="insightdesk-rollups", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _rollups_wanted(self) -> bool:
        if self.store.dialect not in ("duckdb", "postgresql"):
            return False
        return 0 < self.store.count("tickets") <= self.settings.rollups_max_tickets

    def _build_rollups(self) -> None:
        from insightdesk.metrics.rollup import build_rollups, rollups_current

        try:
            while self._rollup_wanted.is_set():
                self._rollup_wanted.clear()
                started = time.perf_counter()
                try:
                    if rollups_current(self.store):
                        continue
                    built = build_rollups(self.store, own_connection=True)
                    log.info(
                        "KPI roll-ups built for %d KPIs in %.1f s",
                        sum(r.skipped is None for r in built),
                        time.perf_counter() - started,
                    )
                except Exception:  # a failed build only costs speed: requests are answered live
                    log.warning("KPI roll-up build failed; KPIs are computed live", exc_info=True)
        finally:
            self._rollup_lock.release()

    def data_version(self, ttl_s: float = 5.0) -> tuple[Any, ...]:
        """Changes when a batch lands or text analyses change; checked at most every `ttl_s`."""
        now = time.monotonic()
        with self._version_lock:
            if now - self._version_checked < ttl_s and self._version:
                return self._version
        version = data_stamp(self.engine, self.has_table)
        with self._version_lock:
            changed = version != self._version and bool(self._version)
            if changed:
                log.info("data changed: dropping cached results")
                self.cache.clear()
            self._version, self._version_checked = version, now
        if changed:
            from insightdesk.metrics.execute import refresh_facts

            with self.metrics_lock:
                refresh_facts(self.store.ibis())
            self.refresh_rollups()
        return version

    def fresh_version(self, ttl_s: float = 5.0) -> tuple[Any, ...] | None:
        """The data version when checked within `ttl_s` (no query), else None."""
        with self._version_lock:
            if time.monotonic() - self._version_checked < ttl_s and self._version:
                return self._version
        return None

    def bump(self) -> None:
        """Forget cached results now (after an upload)."""
        with self._version_lock:
            self._version_checked = 0.0
        self.cache.clear()

    def has_table(self, name: str) -> bool:
        key = ("has_table", name)
        return bool(self.cache.get_or_compute(key, lambda: has_table(self.engine, name)))

    def close(self) -> None:
        if self.engine is not self.store.engine:
            self.engine.dispose()
        self.store.close()
