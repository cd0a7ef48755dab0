"""The "generic" file format: one file per kind, canonical business columns plus the source `id`.

Shared by the bundled sample builder and the synthetic generator so both write exactly what
`insightdesk ingest --profile generic` reads: references hold source ids (ingestion prefixes them),
timestamps are ISO 8601 UTC with a trailing `Z`, booleans `true`/`false`, empty means null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insightdesk.store.tables.canonical import business_columns, metadata

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# Ingestion order: a kind only references kinds listed before it.
GENERIC_KINDS: tuple[str, ...] = (
    "organisations",
    "customers",
    "teams",
    "agents",
    "problems",
    "changes",
    "articles",
    "tickets",
    "ticket_events",
    "ticket_articles",
    "interactions",
    "feedback",
)

# Customers may carry contact points; ingestion turns them into customer_contacts rows.
_EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"customers": ("email", "phone")}

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def generic_columns(kind: str) -> list[str]:
    """Columns of a generic file of `kind`, in file order: id, business columns, allowed extras."""
    if kind not in GENERIC_KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(GENERIC_KINDS)}")
    cols = [c for c in business_columns(kind) if c != "is_stub"]
    return ["id", *cols, *_EXTRA_COLUMNS.get(kind, ())]


def column_types(kind: str) -> dict[str, str]:
    """Column name -> one of text, integer, double, boolean, timestamp (extras are text)."""
    import sqlalchemy as sa

    table = metadata.tables[kind]
    kinds: dict[str, str] = {}
    for name in generic_columns(kind):
        col = table.columns.get(name)
        type_ = type(col.type) if col is not None else sa.String
        kinds[name] = {
            sa.Integer: "integer",
            sa.Float: "double",
            sa.Boolean: "boolean",
            sa.DateTime: "timestamp",
        }.get(type_, "text")
    return kinds


def to_generic_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Order and format a frame's columns as the generic format wants (missing columns become null)."""
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for name, type_ in column_types(kind).items():
        values = frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if type_ == "timestamp":
            ts = pd.to_datetime(values)
            out[name] = ts.dt.strftime(TIMESTAMP_FORMAT).where(ts.notna(), None)
        elif type_ == "boolean":
            out[name] = values.map(lambda v: None if v is None or pd.isna(v) else ("true" if v else "false"))
        elif type_ == "integer":
            out[name] = values.astype("Int64")
        else:
            out[name] = values
    return out


def format_arrow_table(kind: str, table: pa.Table) -> pa.Table:
    """Arrow counterpart of `to_generic_frame` for the generator: timestamps as ISO strings with `Z`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    types = column_types(kind)
    arrays = []
    for name in generic_columns(kind):
        if name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, pa.string()))
            continue
        col = table[name]
        if types[name] == "timestamp":
            # Casting to text then patching the separator is ~10x faster than pc.strftime.
            text = col.cast(pa.timestamp("s")).cast(pa.string())
            col = pc.binary_join_element_wise(pc.replace_substring(text, " ", "T"), pa.scalar("Z"), "")
        arrays.append(col)
    return pa.table(arrays, names=generic_columns(kind))
