"""What each KPI's roll-up was built from, and whether it still holds: the bookkeeping the builder
(rollup.py) writes and the reader (rollup_read.py) checks before it answers from a roll-up.

A roll-up is used only while the source tables are as they were when it was built (row counts and
ingest batches, see `source_fingerprint`) and the KPI's definition and settings are unchanged.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.execute import run_sql
from insightdesk.metrics.registry import list_kpis
from insightdesk.metrics.spec import KPI
from insightdesk.store.tables.rollups import ROLLUP_DIMS

if TYPE_CHECKING:
    from insightdesk.store import Store

ROLLUP_TABLE = "kpi_rollups"
BUILDS_TABLE = "kpi_rollup_builds"
ROLLUP_ENGINES = frozenset({"duckdb", "postgres"})
ROLLABLE_KINDS = frozenset({"proportion", "nps", "mean", "median", "count", "share"})
SOURCE_TABLES = ("tickets", "ticket_events", "feedback", "interactions", "customers", "teams")

STATE_KEY = "_insightdesk_rollups"
"""Where this process keeps what it read of the builds, on the Ibis backend (rollup_read.py)."""


def dimset_key(dims: Iterable[str]) -> str:
    """Dimensions in the fixed order of ROLLUP_DIMS, comma-separated: the `dimset` column value."""
    chosen = set(dims)
    return ",".join(d for d in ROLLUP_DIMS if d in chosen)


_FINGERPRINTS: dict[tuple[KPI, str], str] = {}


def definition_fingerprint(spec: KPI, config: MetricsConfig) -> str:
    """Changes when the KPI's definition, the package version or the metrics settings change.

    Kept per process: reading the definition's source costs milliseconds, and a dashboard asks
    for it on every request a roll-up might answer.
    """
    key = (spec, repr(config))
    found = _FINGERPRINTS.get(key)
    if found is None:
        found = _FINGERPRINTS[key] = _definition_fingerprint(spec, config)
    return found


def _definition_fingerprint(spec: KPI, config: MetricsConfig) -> str:
    from insightdesk import __version__

    try:
        source = inspect.getsource(spec.fact)
    except (OSError, TypeError):
        source = f"{getattr(spec.fact, '__module__', '')}.{getattr(spec.fact, '__qualname__', '')}"
    parts = (__version__, spec.name, spec.kind, repr(spec.scale), spec.formula, source, repr(config))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def source_fingerprint(backend: Any) -> str:
    """Row counts of the tables KPIs read plus the ingest batches: changes with every load.

    One query; DuckDB answers counts from its metadata. A change that bypasses ingestion and keeps
    every count (a hand-written UPDATE) is not seen: rebuild the roll-up after one.
    """
    parts = [f"(SELECT count(*) FROM {name}) AS {name}" for name in SOURCE_TABLES]
    parts += [
        "(SELECT count(*) FROM ingest_batches) AS batches",
        "(SELECT max(batch_id) FROM ingest_batches) AS last_batch",
        # KPIs that count persons change with every identity run and review decision (which leave
        # the canonical tables' counts as they were): the latest run and the latest decision.
        "(SELECT max(run_id) FROM identity_runs) AS identity_run",
        "(SELECT max(decided_at) FROM identity_constraints) AS identity_decision",
    ]
    row = run_sql(backend, "SELECT " + ", ".join(parts)).iloc[0]
    return json.dumps({k: None if v is None else str(v) for k, v in row.items()}, sort_keys=True)


def forget_builds(backend: Any) -> None:
    """Drop what this process remembers of the roll-up builds: the next request reads them again."""
    backend.__dict__.pop(STATE_KEY, None)


def why_live(spec: KPI) -> str | None:
    """Why a KPI is never rolled up, or None when it can be."""
    if spec.snapshot or spec.kind not in ROLLABLE_KINDS:
        return "a snapshot at one instant"
    return None


def rollups_current(store: Store, config: MetricsConfig | None = None) -> bool:
    """True when every KPI that can be rolled up has a current roll-up."""
    states = rollup_status(store, config)
    return all(s["state"] == "current" or s["state"].startswith("live:") for s in states)


def rollup_status(store: Store, config: MetricsConfig | None = None) -> list[dict[str, Any]]:
    """Per KPI: whether a roll-up exists, is current, and why a KPI is computed live."""
    cfg = config or MetricsConfig()
    backend = store.ibis()
    current = source_fingerprint(backend)
    builds = {r["kpi"]: r for r in store.query_df(f"SELECT * FROM {BUILDS_TABLE}").to_dict("records")}
    out = []
    for spec in list_kpis():
        row = builds.get(spec.name)
        live = why_live(spec)
        if row is None:
            state = "live: " + live if live else "not built"
        elif row["definition"] != definition_fingerprint(spec, cfg):
            state = "stale: the definition or settings changed"
        elif row["source_version"] != current:
            state = "stale: the data changed"
        elif row["live_reason"]:
            state = "live: " + row["live_reason"]
        else:
            state = "current"
        out.append(
            {
                "kpi": spec.name,
                "state": state,
                "rows": None if row is None else int(row["rows"]),
                "dimsets": None if row is None else json.loads(row["dimsets"]),
                "built_at": None if row is None else row["built_at"],
            }
        )
    return out
