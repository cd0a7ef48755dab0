"""Search every text column of every table for a person's identifiers: what an erasure must leave at 0."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from insightdesk.store.tables import load_all_tables


def find_traces(conn: sa.Connection, needles: Iterable[str], skip: Iterable[str] = ()) -> dict[str, int]:
    """Rows per `table.column` whose text contains any of `needles` (case-insensitive); empty when none."""
    wanted = sorted({n.lower() for n in needles if n})
    skipped = set(skip)
    hits: dict[str, int] = {}
    if not wanted:
        return hits
    tables = [t for name, t in load_all_tables().tables.items() if name not in skipped]
    # One query finds the tables with rows, so the search reads only those.
    sizes = sa.union_all(
        *[
            sa.select(sa.literal(t.name).label("name"), sa.func.count().label("n")).select_from(t)
            for t in tables
        ]
    )
    filled = {row.name for row in conn.execute(sizes) if row.n}
    for table in tables:
        name = table.name
        if name not in filled:
            continue
        texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
        if not texts:
            continue
        counts = [
            sa.func.sum(
                sa.case(
                    (sa.or_(*[sa.func.lower(c).contains(n, autoescape=True) for n in wanted]), 1), else_=0
                )
            ).label(c.name)
            for c in texts
        ]
        row = conn.execute(sa.select(*counts).select_from(table)).one()
        for column, count in row._mapping.items():
            if count:
                hits[f"{name}.{column}"] = int(count)
    return hits
