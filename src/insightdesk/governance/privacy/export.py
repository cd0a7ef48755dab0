"""Subject access export: every record on one person across the catalogue, as a ZIP of JSON and CSV.

The ZIP holds, per table with rows of the person, `<table>.json` (a list of objects) and
`<table>.csv`, plus `manifest.json`: who asked, when, which identifiers were searched, the row count
per table and each column's data class. A person with no records is an error ("no records"), never
an empty ZIP.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy.catalogue import columns, customer_tables
from insightdesk.governance.privacy.subject import Person, find_person, row_filter
from insightdesk.model.csv_cells import csv_text
from insightdesk.store.tables import load_all_tables


class NoRecords(LookupError):
    """Nobody with that customer id or email is in the store."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    customer_ids: list[str]
    counts: dict[str, int]


def collect(conn: sa.Connection, person: Person) -> dict[str, list[dict[str, Any]]]:
    """Every row of the person per catalogued table (tables without rows are left out)."""
    found: dict[str, list[dict[str, Any]]] = {}
    tables = load_all_tables().tables
    for name in customer_tables():
        condition = row_filter(name, person)
        if condition is None:
            continue
        rows = [dict(r._mapping) for r in conn.execute(sa.select(tables[name]).where(condition))]
        if rows:
            found[name] = rows
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


@dataclass(frozen=True)
class SubjectExport:
    """What a subject access export holds: the manifest and each table's rows, JSON-ready."""

    customer_ids: list[str]
    manifest: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def build_export(
    conn: sa.Connection,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    request_id: str | None = None,
) -> SubjectExport:
    """Everything on the person; raises NoRecords when nobody matches."""
    person = find_person(conn, customer_id=customer_id, email=email)
    if person is None:
        asked = f"customer {customer_id}" if customer_id is not None else "that email address"
        raise NoRecords(f"no records: nobody in the store matches {asked}")
    found = {
        name: [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        for name, rows in collect(conn, person).items()
    }
    classes = {(c.table, c.column): c.data_class.value for c in columns()}
    manifest = {
        "request_id": request_id,
        "generated_at": utcnow().isoformat(),
        "customer_ids": person.customer_ids,
        "searched_by": "customer_id" if customer_id is not None else "email",
        "tables": {
            name: {
                "rows": len(rows),
                "files": [f"{name}.json", f"{name}.csv"],
                "columns": {col: classes.get((name, col), "none") for col in rows[0]},
            }
            for name, rows in found.items()
        },
    }
    return SubjectExport(person.customer_ids, manifest, found)


def zip_bytes(export: SubjectExport) -> bytes:
    """The export as the bytes of a ZIP: manifest.json, then `<table>.json` and `<table>.csv`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(export.manifest, indent=2, sort_keys=True))
        for name, rows in export.tables.items():
            archive.writestr(f"{name}.json", json.dumps(rows, indent=2, ensure_ascii=False))
            archive.writestr(f"{name}.csv", csv_text(list(rows[0]), rows))
    return buffer.getvalue()


def write_zip(export: SubjectExport, out: Path) -> Path:
    """The export as a ZIP at `out`, written beside it first and moved in whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(zip_bytes(export))
    partial.replace(out)
    return out


def export_subject(
    conn: sa.Connection,
    out: Path,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    request_id: str | None = None,
) -> ExportResult:
    """Write the person's ZIP to `out`; raises NoRecords when nobody matches (nothing is written)."""
    export = build_export(conn, customer_id=customer_id, email=email, request_id=request_id)
    return ExportResult(write_zip(export, out), export.customer_ids, export.counts)
