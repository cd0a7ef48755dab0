"""What every table module shares: the one metadata, documented columns, entity lineage, describing.

Every table of the store registers on `metadata`; `store/tables/__init__.py` imports the area
modules in registration order, which is the order docs/data-model.md lists the tables in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()


def documented_column(name: str, type_: sa.types.TypeEngine | type, doc: str, **kw: Any) -> sa.Column:
    """A column whose comment documents it (docs/data-model.md and the database catalog show it)."""
    return sa.Column(name, type_, comment=doc, **kw)


_col = documented_column


def stub_flag(doc: str = "True when created from a reference only (no export of it yet).") -> sa.Column:
    """`is_stub`: the row was created from a reference before its own export arrived."""
    return documented_column(
        "is_stub",
        sa.Boolean,
        doc,
        nullable=False,
        server_default=sa.text("false"),
    )


def lineage_columns() -> list[sa.Column]:
    """Where an entity row came from: source system, its id there, the batch that wrote it, its hash."""
    return [
        _col(
            "source_system",
            sa.String,
            "System the row came from (zendesk, servicenow, generic...).",
            nullable=False,
        ),
        _col("source_id", sa.String, "The row's id in its source system.", nullable=False),
        _col(
            "batch_id",
            sa.String,
            "Ingest batch that last wrote this row (ingest_batches.batch_id).",
            nullable=False,
        ),
        _col(
            "record_hash",
            sa.String,
            "Hash of the canonical values; equal hash means unchanged.",
            nullable=False,
        ),
        _col(
            "first_seen_at", sa.DateTime, "When InsightDesk first stored this record (UTC).", nullable=False
        ),
        _col(
            "last_changed_at", sa.DateTime, "When InsightDesk last changed this record (UTC).", nullable=False
        ),
    ]


def entity_table(name: str, doc: str, *columns: sa.Column) -> sa.Table:
    """A canonical entity table: `id`, the given columns, then the lineage columns."""
    return sa.Table(
        name,
        metadata,
        _col("id", sa.String, "Canonical id: `<source_system>:<source_id>`.", primary_key=True),
        *columns,
        *lineage_columns(),
        comment=doc,
    )


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    nullable: bool
    doc: str


def describe(table_name: str) -> list[ColumnDoc]:
    """Columns of a canonical table with their types and documentation."""
    table = metadata.tables[table_name]
    return [
        ColumnDoc(c.name, _type_name(c.type), bool(c.nullable) and not c.primary_key, c.comment or "")
        for c in table.columns
    ]


def _type_name(type_: sa.types.TypeEngine) -> str:
    return {
        sa.String: "text",
        sa.Text: "text",
        sa.Integer: "integer",
        sa.Float: "double",
        sa.Boolean: "boolean",
        sa.DateTime: "timestamp (UTC)",
    }.get(type(type_), type(type_).__name__.lower())


def business_columns(table_name: str) -> list[str]:
    """Columns a source mapping may fill (everything but id and lineage)."""
    lineage = {c.name for c in lineage_columns()} | {"id"}
    return [c.name for c in metadata.tables[table_name].columns if c.name not in lineage]
