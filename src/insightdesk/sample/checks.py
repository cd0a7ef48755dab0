"""Consistency checks of a folder of generic files (the bundled sample, a generated desk, an export).

`problems(folder)` answers in words what is wrong: unknown columns, duplicate ids, references that
do not resolve, values outside the canonical vocabularies, scores off their scale. DuckDB reads the
files, so the checks scale to generated desks of millions of rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insightdesk.model import enums
from insightdesk.sample.generic import GENERIC_KINDS, column_types, generic_columns

# (kind, column) -> kind whose ids the column holds.
REFERENCES: dict[tuple[str, str], str] = {
    ("customers", "organisation_id"): "organisations",
    ("agents", "team_id"): "teams",
    ("teams", "parent_team_id"): "teams",
    ("changes", "problem_id"): "problems",
    ("tickets", "team_id"): "teams",
    ("tickets", "agent_id"): "agents",
    ("tickets", "customer_id"): "customers",
    ("tickets", "organisation_id"): "organisations",
    ("tickets", "problem_id"): "problems",
    ("tickets", "change_id"): "changes",
    ("ticket_events", "ticket_id"): "tickets",
    ("ticket_articles", "ticket_id"): "tickets",
    ("ticket_articles", "article_id"): "articles",
    ("interactions", "ticket_id"): "tickets",
    ("interactions", "customer_id"): "customers",
    ("interactions", "agent_id"): "agents",
    ("feedback", "ticket_id"): "tickets",
    ("feedback", "customer_id"): "customers",
    ("feedback", "agent_id"): "agents",
}

# The canonical vocabularies (one source: model/enums.py), checked like ingestion checks them.
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = enums.VOCABULARIES

_ISO_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def find_file(folder: Path, kind: str) -> Path | None:
    for suffix in (".csv", ".csv.gz", ".parquet"):
        if (folder / f"{kind}{suffix}").exists():
            return folder / f"{kind}{suffix}"
    return None


def _row(con: Any, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The one row of an aggregate query."""
    row = con.execute(sql) if params is None else con.execute(sql, params)
    found = row.fetchone()
    assert found is not None  # an aggregate without GROUP BY always answers one row
    return tuple(found)


def problems(folder: str | Path) -> list[str]:
    """Every inconsistency found in the generic files of `folder` (empty list = consistent)."""
    from insightdesk.store import scratch_duckdb

    folder = Path(folder)
    con = scratch_duckdb()
    found: list[str] = []
    present = []
    for kind in GENERIC_KINDS:
        path = find_file(folder, kind)
        if path is None:
            found.append(f"{kind}: no file in {folder}")
            continue
        reader = (
            f"read_parquet('{path}')"
            if path.suffix == ".parquet"
            else f"read_csv('{path}', all_varchar=true, header=true)"
        )
        con.execute(f'create table "{kind}" as select * from {reader}')
        present.append(kind)
        columns = [r[0] for r in con.execute(f'describe "{kind}"').fetchall()]
        if columns != generic_columns(kind):
            found.append(f"{kind}: columns {columns} differ from {generic_columns(kind)}")
            continue
        dupes = _row(con, f'select count(*) - count(distinct id), count(*) - count(id) from "{kind}"')
        if dupes[0] or dupes[1]:
            found.append(f"{kind}: {dupes[0]} duplicate and {dupes[1]} empty ids")
        if path.suffix != ".parquet":
            for column, type_ in column_types(kind).items():
                if type_ != "timestamp":
                    continue
                bad = _row(
                    con,
                    f'select count(*) from "{kind}" where "{column}" is not null '
                    f"and not regexp_matches(\"{column}\", '{_ISO_UTC}')",
                )[0]
                if bad:
                    found.append(f"{kind}.{column}: {bad} values not ISO 8601 UTC with Z")
    for (kind, column), target in REFERENCES.items():
        if kind in present and target in present:
            missing = _row(
                con,
                f'select count(*) from "{kind}" a where a."{column}" is not null '
                f'and not exists (select 1 from "{target}" b where b.id = a."{column}")',
            )[0]
            if missing:
                found.append(f"{kind}.{column}: {missing} references not found in {target}")
    for (kind, column), allowed in VOCABULARIES.items():
        if kind in present:
            values = {r[0] for r in con.execute(f'select distinct "{column}" from "{kind}"').fetchall()} - {
                None
            }
            if values - set(allowed):
                found.append(f"{kind}.{column}: non-canonical values {sorted(values - set(allowed))}")
    if "feedback" in present:
        for scale, (low, high) in enums.SCALE_RANGES.items():
            bad = _row(
                con,
                "select count(*) from feedback where scale = ? and (cast(scale_min as int) <> ? "
                "or cast(scale_max as int) <> ? or cast(score as double) not between ? and ?)",
                [scale, low, high, low, high],
            )[0]
            if bad:
                found.append(f"feedback: {bad} {scale} rows off the {low}-{high} scale")
    return found
