"""Synthetic desks of any size, in the generic format, with known planted effects.

    desk = generate_desk("out/", tickets=100_000)          # CSV files + planted_effects.json
    desk.planted_effects["effects"][0]["team_name"]          # what analytics should find

Tickets are generated and written in chunks (numpy + Arrow), so memory stays bounded whatever
the size; the same seed and chunk size give identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from insightdesk.sample.generic import GENERIC_KINDS, column_types, format_arrow_table, generic_columns
from insightdesk.sample.planted import PlantedEffects

if TYPE_CHECKING:
    import pyarrow as pa

    from insightdesk.sample.tickets import Period

log = logging.getLogger(__name__)

Format = Literal["csv", "parquet"]
CHUNK_SIZE = 100_000
_ARROW_TYPES = {"text": "string", "integer": "int64", "double": "float64", "boolean": "bool_"}


@dataclass
class GeneratedDesk:
    out_dir: Path
    fmt: str
    seed: int
    counts: dict[str, int]
    files: dict[str, Path]
    planted_effects: dict[str, object]
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


def _schema(kind: str, fmt: Format) -> pa.Schema:
    import pyarrow as pa

    types = column_types(kind)
    fields = []
    for name in generic_columns(kind):
        if types[name] == "timestamp":
            # CSV carries ISO text with a Z; Parquet a real UTC timestamp.
            fields.append(pa.field(name, pa.string() if fmt == "csv" else pa.timestamp("s", tz="UTC")))
        else:
            fields.append(pa.field(name, getattr(pa, _ARROW_TYPES[types[name]])()))
    return pa.schema(fields)


class _Writers:
    """One open writer per kind; chunks are appended as they are produced."""

    def __init__(self, out_dir: Path, fmt: Format) -> None:
        self.out_dir, self.fmt = out_dir, fmt
        self.writers: dict[str, object] = {}
        self.counts: dict[str, int] = {}
        self.files: dict[str, Path] = {}

    def write(self, kind: str, table: pa.Table) -> None:
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        schema = _schema(kind, self.fmt)
        table = format_arrow_table(kind, table) if self.fmt == "csv" else _parquet_table(kind, table)
        table = table.cast(schema)
        if kind not in self.writers:
            path = self.out_dir / f"{kind}.{self.fmt}"
            self.files[kind] = path
            if self.fmt == "csv":
                options = pcsv.WriteOptions(quoting_style="needed")
                self.writers[kind] = pcsv.CSVWriter(path, schema, write_options=options)
            else:
                self.writers[kind] = pq.ParquetWriter(path, schema, compression="zstd")
            self.counts[kind] = 0
        self.writers[kind].write_table(table)  # type: ignore[attr-defined]
        self.counts[kind] += table.num_rows

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()  # type: ignore[attr-defined]


def _parquet_table(kind: str, table: pa.Table) -> pa.Table:
    import pyarrow as pa

    arrays = []
    for name in generic_columns(kind):
        arrays.append(table[name] if name in table.column_names else pa.nulls(table.num_rows, pa.string()))
    return pa.table(arrays, names=generic_columns(kind))


def _period(start: str, months: int, effects: PlantedEffects) -> tuple[Period, PlantedEffects]:
    import numpy as np

    from insightdesk.sample.tickets import DAY, Period

    first = dt.date.fromisoformat(start)
    year, month = divmod(first.month - 1 + months, 12)
    last = dt.date(first.year + year, month + 1, min(first.day, 28))
    n_days = (last - first).days
    start_s = int(dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC).timestamp())
    weekday = (first.weekday() + np.arange(n_days)) % 7
    # Monday is busiest, weekends quiet; volume grows ~15% over the period.
    factor = np.array([1.25, 1.15, 1.1, 1.05, 0.95, 0.45, 0.35])[weekday] * (
        1 + 0.15 * np.arange(n_days) / n_days
    )
    spike_day = first + dt.timedelta(days=int(n_days * 0.6))
    monday = spike_day - dt.timedelta(days=spike_day.weekday())
    iso = monday.isocalendar()
    if not effects.spike_iso_week:
        effects = replace(effects, spike_iso_week=f"{iso.year}-W{iso.week:02d}")
    else:
        y, w = effects.spike_iso_week.split("-W")
        monday = dt.date.fromisocalendar(int(y), int(w), 1)
    spike_s = start_s + (monday - first).days * DAY
    period = Period(
        start_s, start_s + n_days * DAY, factor / factor.sum(), weekday >= 5, spike_s, spike_s + 7 * DAY
    )
    return period, effects


def generate_desk(
    out_dir: str | Path,
    tickets: int,
    feedback_per_ticket: float = 1.0,
    seed: int = 0,
    fmt: Format = "csv",
    start: str = "2025-01-01",
    months: int = 12,
    interactions: bool = True,
    chunk_size: int = CHUNK_SIZE,
    effects: PlantedEffects | None = None,
    progress: Callable[[int], None] | None = None,
) -> GeneratedDesk:
    """Write a synthetic desk of `tickets` tickets and `round(tickets * feedback_per_ticket)` feedback
    rows to `out_dir` (one file per kind plus planted_effects.json). `progress(n)` is called after
    each chunk with the number of tickets just written."""
    import numpy as np

    from insightdesk.sample.entities import build_dimensions
    from insightdesk.sample.tickets import Context, make_chunk

    if tickets < 1:
        raise ValueError(f"tickets must be at least 1, got {tickets}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    began = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    period, fx = _period(start, months, effects or PlantedEffects())
    rng = np.random.default_rng([seed, 0])
    dims = build_dimensions(rng, tickets, period.start_s, np.random.default_rng([seed, 7]))
    n_cust = dims.tables["customers"].num_rows
    ctx = Context(
        dims=dims,
        period=period,
        effects=fx,
        customer_mood=rng.normal(0, fx.experience_model["customer_sd"], n_cust),
        consent_survey=dims.tables["customers"]["consent_survey"].to_numpy(zero_copy_only=False),
    )
    writers = _Writers(out, fmt)
    # Formatting and writing a chunk (Arrow, GIL released) overlaps generating the next one: two
    # cores busy, at most two chunks in memory.
    pool = ThreadPoolExecutor(max_workers=1)
    pending: Future[None] | None = None
    try:
        for kind in ("organisations", "customers", "teams", "agents", "problems", "changes", "articles"):
            writers.write(kind, dims.tables[kind])
        total_feedback = round(tickets * feedback_per_ticket)
        for i, first in enumerate(range(0, tickets, chunk_size)):
            n = min(chunk_size, tickets - first)
            # Exact total: each chunk takes its share of the feedback rows by cumulative rounding.
            n_fb = round((first + n) * total_feedback / tickets) - round(first * total_feedback / tickets)
            chunk = make_chunk(np.random.default_rng([seed, 1, i]), ctx, first, n, n_fb, interactions)
            if pending is not None:
                pending.result()
            pending = pool.submit(_write_chunk, writers, chunk, n, progress)
            del chunk
        if pending is not None:
            pending.result()
    finally:
        pool.shutdown(wait=True)
        writers.close()
    planted = {
        "seed": seed,
        "tickets": tickets,
        "feedback_per_ticket": feedback_per_ticket,
        "period": {"start": start, "months": months},
        **fx.to_json(),
    }
    planted["effects"] = _resolve_ids(planted["effects"], dims)  # type: ignore[arg-type]
    (out / "planted_effects.json").write_text(json.dumps(planted, indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - began
    log.info("generated %s tickets in %.1f s into %s", tickets, seconds, out)
    return GeneratedDesk(out, fmt, seed, writers.counts, writers.files, planted, seconds)


def _write_chunk(
    writers: _Writers, chunk: dict[str, pa.Table], n: int, progress: Callable[[int], None] | None
) -> None:
    for kind in GENERIC_KINDS:
        if kind in chunk:
            writers.write(kind, chunk[kind])
    if progress:
        progress(n)


def _resolve_ids(effects: list[dict[str, object]], dims: object) -> list[dict[str, object]]:
    """Add the team's source id next to its name, so the effect can be checked by id."""
    teams = dims.tables["teams"].to_pydict()  # type: ignore[attr-defined]
    by_name = dict(zip(teams["name"], teams["id"], strict=True))
    for effect in effects:
        if "team_name" in effect:
            effect["team_id"] = by_name[effect["team_name"]]
    return effects
