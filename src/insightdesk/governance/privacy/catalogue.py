"""The personal-data catalogue: every table, column and artefact that can hold personal data.

Generated from the schema's metadata: the tables are whatever `store.tables` registers, each column
classified by its table's entry (`catalogue_core`, `catalogue_features`, `catalogue_extensions`) or by `info={"pii": class}`
on the column itself. `problems()` lists what is unclassified or stale; a test fails on any, so a
new column cannot slip past export, erasure and retention unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from insightdesk.governance.privacy.catalogue_core import CORE_TABLES
from insightdesk.governance.privacy.catalogue_extensions import EXTENSION_TABLES
from insightdesk.governance.privacy.catalogue_features import FEATURE_TABLES
from insightdesk.governance.privacy.catalogue_model import Artefact, DataClass, Link, Subject, TableEntry
from insightdesk.store.tables import load_all_tables

ENTRIES: dict[str, TableEntry] = {**CORE_TABLES, **FEATURE_TABLES, **EXTENSION_TABLES}

ARTEFACTS: tuple[Artefact, ...] = (
    Artefact(
        "DuckDB store file",
        "`<store>.duckdb` (and its `.wal` while open)",
        (DataClass.IDENTITY, DataClass.CONTACT, DataClass.FREE_TEXT),
        "Deleted rows survive in free blocks until the file is rewritten: erasure rewrites it "
        "(`insightdesk privacy compact`).",
    ),
    Artefact(
        "Staged ingest files",
        "`.insightdesk-staging/` beside the store (or INSIGHTDESK_STAGING_DIR)",
        (DataClass.IDENTITY, DataClass.CONTACT, DataClass.FREE_TEXT),
        "Private folder (0700), emptied after each batch; a killed ingest's leftovers are swept by the next.",
    ),
    Artefact(
        "Subject access exports",
        "The ZIP written by `privacy export` where the operator says",
        (DataClass.IDENTITY, DataClass.CONTACT, DataClass.FREE_TEXT, DataClass.SCORE),
        "Handed to the person; InsightDesk keeps no copy, only the request row.",
    ),
    Artefact(
        "Excerpt exports",
        "The CSV written by `privacy excerpts`",
        (DataClass.FREE_TEXT,),
        "Redacted text only, released for groups of at least k people.",
    ),
    Artefact(
        "Audit key and checkpoints",
        "`<store>.audit-key`, `<store>.audit-checkpoints.jsonl` (INSIGHTDESK_AUDIT_DIR for PostgreSQL)",
        (DataClass.NONE,),
        "Hashes and sequence numbers only.",
    ),
    Artefact(
        "Embeddings and theme centroids",
        "themes.centroid (means over many texts); per-text embeddings are not stored",
        (DataClass.NONE,),
        "Rebuilt by the next theme fit.",
    ),
    Artefact(
        "Risk model artefacts",
        "risk_models.artefact (a fitted model over many tickets)",
        (DataClass.NONE,),
        "Per-ticket features are recomputed, never stored; scores are in risk_scores.",
    ),
    Artefact(
        "Logs",
        "stderr of the CLI and the server",
        (DataClass.NONE,),
        "Never personal data: errors name record ids and fields, not values.",
    ),
    Artefact(
        "PostgreSQL WAL and backups",
        "The server's data directory, WAL archive and backups (operator's)",
        (DataClass.IDENTITY, DataClass.CONTACT, DataClass.FREE_TEXT),
        "Operator duty: VACUUM FULL after erasure, expire backups and WAL within the retention period.",
    ),
)


@dataclass(frozen=True)
class ColumnClass:
    table: str
    column: str
    data_class: DataClass
    subject: Subject


def _info_class(column: sa.Column) -> DataClass | None:
    value = column.info.get("pii")
    return DataClass(value) if value is not None else None


def problems(metadata: sa.MetaData | None = None) -> list[str]:
    """One sentence per unclassified table or column, and per catalogue entry naming nothing."""
    metadata = metadata or load_all_tables()
    found: list[str] = []
    for name, table in metadata.tables.items():
        entry = ENTRIES.get(name)
        if entry is None:
            found.append(
                f"table {name} is not in the personal-data catalogue: add an entry to "
                "its area's governance/privacy/catalogue_*.py (docs/privacy.md, 'Classifying a new column')"
            )
            continue
        classes = entry.classes()
        for column in table.columns:
            if column.name not in classes and _info_class(column) is None:
                found.append(
                    f"column {name}.{column.name} is not classified: add it to the `personal` classes or the "
                    f"`plain` names of {name}'s entry in the catalogue, or give it info={{'pii': '<class>'}}"
                )
        for stale in sorted(set(classes) - set(table.columns.keys())):
            found.append(f"the catalogue classifies {name}.{stale}, which the table does not have: remove it")
        if entry.link is not None:
            found.extend(_link_problems(name, table, entry.link, metadata))
    for name in sorted(set(ENTRIES) - set(metadata.tables)):
        found.append(f"the catalogue has an entry for table {name}, which the store does not have: remove it")
    return found


def _link_problems(name: str, table: sa.Table, link: Link, metadata: sa.MetaData) -> list[str]:
    named = [link.column, link.entity_column, *link.embedded]
    wrong = [c for c in named if c is not None and c not in table.columns]
    if link.via is not None and (
        link.via not in metadata.tables or link.via_key not in metadata.tables[link.via].columns
    ):
        wrong.append(f"{link.via}.{link.via_key}")
    return [f"the catalogue links {name} to a person through {w}, which does not exist" for w in wrong]


def columns(metadata: sa.MetaData | None = None) -> list[ColumnClass]:
    """Every column with its class, in the store's table order."""
    metadata = metadata or load_all_tables()
    out = []
    for name, table in metadata.tables.items():
        entry = ENTRIES.get(name, TableEntry(Subject.NOBODY))
        classes = entry.classes()
        for column in table.columns:
            data_class = _info_class(column) or classes.get(column.name, DataClass.NONE)
            out.append(ColumnClass(name, column.name, data_class, entry.subject))
    return out


def customer_tables() -> dict[str, TableEntry]:
    """Tables holding customers' data with a link to them, in the store's table order."""
    metadata = load_all_tables()
    return {
        name: ENTRIES[name]
        for name in metadata.tables
        if name in ENTRIES and ENTRIES[name].subject is Subject.CUSTOMER and ENTRIES[name].link is not None
    }


def text_columns(table: str) -> list[str]:
    """The columns of `table` that can hold text (strings, JSON, free text): where identifiers hide."""
    return [
        c.name for c in load_all_tables().tables[table].columns if isinstance(c.type, sa.String | sa.Text)
    ]
