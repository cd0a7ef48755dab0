"""Every read and write of identity's tables, and the reads of the records and tickets it links.

Writes take the caller's transaction, so a run either replaces the whole resolution or leaves the
store as it was. Bulk rows go in through DuckDB's frame scan or PostgreSQL's COPY, not row inserts.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.identity.pipeline import Constraints
from insightdesk.store.rows import utcnow
from insightdesk.store.tables.identity import (
    identity_constraints,
    identity_links,
    identity_person_values,
    identity_persons,
    identity_review_pairs,
    identity_runs,
    identity_threads,
)
from insightdesk.store.tables.people import customer_contacts, customers
from insightdesk.store.tables.work import tickets


def pair_id(left: str, right: str) -> str:
    a, b = sorted((left, right))
    return hashlib.sha1(f"{a}\x1f{b}".encode()).hexdigest()[:16]


def read_frame(conn: sa.Connection, query: sa.Executable) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def load_records(conn: sa.Connection) -> pd.DataFrame:
    """Customer records with their primary (else first) email and phone, in the shape of a record
    frame, and all their addresses and numbers (`emails`, `phones`: tuples) for the keys."""
    people = read_frame(
        conn,
        sa.select(
            customers.c.id.label("record_id"),
            customers.c.source_system,
            customers.c.name,
            customers.c.country,
            customers.c.organisation_id,
            sa.func.coalesce(customers.c.last_changed_at, customers.c.created_at).label("updated_at"),
        ).where(customers.c.is_stub.is_(False)),
    )
    contacts = read_frame(
        conn,
        sa.select(
            customer_contacts.c.customer_id,
            customer_contacts.c.kind,
            customer_contacts.c.value,
            customer_contacts.c.is_primary,
        ),
    )
    for kind in ("email", "phone"):
        ordered = (
            contacts.loc[contacts["kind"] == kind]
            .assign(_primary=lambda f: f["is_primary"].fillna(False).astype(bool))
            .sort_values(["customer_id", "_primary", "value"], ascending=[True, False, True])
        )
        chosen = ordered.drop_duplicates("customer_id").set_index("customer_id")["value"]
        people[kind] = people["record_id"].map(chosen)
        # Every address or number is a deterministic key (identity.prepare.contact_keys).
        every = ordered.groupby("customer_id", sort=False)["value"].agg(tuple)
        people[f"{kind}s"] = people["record_id"].map(every)
    return people.sort_values("record_id").reset_index(drop=True)


def load_tickets(conn: sa.Connection) -> pd.DataFrame:
    return read_frame(
        conn,
        sa.select(
            tickets.c.id.label("ticket_id"),
            tickets.c.customer_id,
            tickets.c.channel,
            tickets.c.category,
            tickets.c.created_at,
        ).where(tickets.c.customer_id.is_not(None)),
    )


def load_constraints(conn: sa.Connection) -> Constraints:
    rows = conn.execute(
        sa.select(
            identity_constraints.c.record_id_l,
            identity_constraints.c.record_id_r,
            identity_constraints.c.kind,
        )
    ).all()
    return Constraints(
        must_link=[(r.record_id_l, r.record_id_r) for r in rows if r.kind == "must_link"],
        cannot_link=[(r.record_id_l, r.record_id_r) for r in rows if r.kind == "cannot_link"],
    )


def load_links(conn: sa.Connection) -> dict[str, str]:
    rows = conn.execute(sa.select(identity_links.c.record_id, identity_links.c.person_id)).all()
    return {r.record_id: r.person_id for r in rows}


def latest_run(conn: sa.Connection, *, mode: str | None = None) -> Any:
    query = sa.select(identity_runs).where(identity_runs.c.finished_at.is_not(None))
    if mode is not None:
        query = query.where(identity_runs.c.mode == mode)
    return conn.execute(query.order_by(identity_runs.c.started_at.desc()).limit(1)).first()


def _bulk_insert(conn: sa.Connection, table: sa.Table, rows: pd.DataFrame) -> None:
    """Insert a frame into `table` inside the caller's transaction (frame scan or COPY)."""
    if rows.empty:
        return
    rows = rows[[c.name for c in table.columns]].astype(object).where(rows.notna(), None)
    cols = ", ".join(f'"{c}"' for c in rows.columns)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "duckdb":
        # The SQLAlchemy connection is a cursor on the store's DuckDB connection: same transaction.
        view = f"_{table.name}_in"
        raw.register(view, rows)
        try:
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {view}")
        finally:
            raw.unregister(view)
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
        for record in rows.itertuples(index=False, name=None):
            copy.write_row(record)


def insert_run(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(identity_runs.insert().values(**row))


def finish_run(conn: sa.Connection, run_id: str, summary: dict[str, Any]) -> None:
    conn.execute(
        identity_runs.update()
        .where(identity_runs.c.run_id == run_id)
        .values(summary=json.dumps(summary, default=str, sort_keys=True), finished_at=utcnow())
    )


def replace_resolution(
    conn: sa.Connection,
    run_id: str,
    links: pd.DataFrame,
    persons: pd.DataFrame,
    values: pd.DataFrame,
    review: pd.DataFrame,
    threads: pd.DataFrame,
) -> None:
    """Replace links, golden records, pending review pairs and threads with this run's."""
    now = utcnow()
    for table in (identity_links, identity_persons, identity_person_values, identity_threads):
        conn.execute(table.delete())
    conn.execute(identity_review_pairs.delete().where(identity_review_pairs.c.status == "pending"))
    _bulk_insert(conn, identity_links, links.assign(run_id=run_id))
    _bulk_insert(conn, identity_persons, persons.assign(run_id=run_id, updated_at=now))
    _bulk_insert(conn, identity_person_values, values)
    _bulk_insert(conn, identity_threads, threads.assign(run_id=run_id))
    decided = {r.pair_id for r in conn.execute(sa.select(identity_review_pairs.c.pair_id))}
    queued = review.assign(
        pair_id=[pair_id(a, b) for a, b in zip(review["record_id_l"], review["record_id_r"], strict=True)],
        status="pending",
        run_id=run_id,
        queued_at=now,
        decided_by=None,
        decided_at=None,
    )
    _bulk_insert(conn, identity_review_pairs, queued.loc[~queued["pair_id"].isin(decided)])


def sa_select_links() -> sa.Select[Any]:
    return sa.select(identity_links)


def replace_derived(
    conn: sa.Connection, run_id: str, persons: pd.DataFrame, values: pd.DataFrame, threads: pd.DataFrame
) -> None:
    """Replace golden records and threads (the links stay as they are)."""
    for table in (identity_persons, identity_person_values, identity_threads):
        conn.execute(table.delete())
    _bulk_insert(conn, identity_persons, persons.assign(run_id=run_id, updated_at=utcnow()))
    _bulk_insert(conn, identity_person_values, values)
    _bulk_insert(conn, identity_threads, threads.assign(run_id=run_id))


def move_records(
    conn: sa.Connection, record_ids: list[str], person_id: str, method: str, reason: str
) -> None:
    conn.execute(
        identity_links.update()
        .where(identity_links.c.record_id.in_(record_ids))
        .values(person_id=person_id, method=method, reason=reason, match_probability=None)
    )


def review_pairs(
    conn: sa.Connection, status: str | None, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    """A page of review pairs (uncertain band by probability, key conflicts first) and the total."""
    query = sa.select(identity_review_pairs)
    count = sa.select(sa.func.count()).select_from(identity_review_pairs)
    if status is not None:
        query = query.where(identity_review_pairs.c.status == status)
        count = count.where(identity_review_pairs.c.status == status)
    query = (
        query.order_by(
            (identity_review_pairs.c.reason == "key_conflict").desc(),
            identity_review_pairs.c.match_probability.desc().nulls_last(),
            identity_review_pairs.c.pair_id,
        )
        .limit(limit)
        .offset(offset)
    )
    return read_frame(conn, query), int(conn.execute(count).scalar_one())


def review_pair(conn: sa.Connection, pid: str) -> Any:
    return conn.execute(
        sa.select(identity_review_pairs).where(identity_review_pairs.c.pair_id == pid)
    ).first()


def records_by_id(conn: sa.Connection, ids: list[str]) -> pd.DataFrame:
    """Customer records (name, contacts, organisation, source) with their person, for display."""
    people = load_records(conn)
    people = people.loc[people["record_id"].isin(ids)]
    links = read_frame(conn, sa.select(identity_links).where(identity_links.c.record_id.in_(ids)))
    return people.merge(links[["record_id", "person_id", "method", "reason"]], on="record_id", how="left")


def decide_pair(conn: sa.Connection, pid: str, status: str, by: str) -> None:
    conn.execute(
        identity_review_pairs.update()
        .where(identity_review_pairs.c.pair_id == pid)
        .values(status=status, decided_by=by, decided_at=utcnow())
    )


def upsert_constraint(conn: sa.Connection, left: str, right: str, kind: str, origin: str, by: str) -> None:
    a, b = sorted((left, right))
    conn.execute(
        identity_constraints.delete().where(
            (identity_constraints.c.record_id_l == a) & (identity_constraints.c.record_id_r == b)
        )
    )
    conn.execute(
        identity_constraints.insert().values(
            record_id_l=a, record_id_r=b, kind=kind, origin=origin, decided_by=by, decided_at=utcnow()
        )
    )


def person_records(conn: sa.Connection, person_id: str) -> list[str]:
    rows = conn.execute(sa.select(identity_links.c.record_id).where(identity_links.c.person_id == person_id))
    return sorted(r.record_id for r in rows)


def counts(conn: sa.Connection) -> dict[str, Any]:
    def one(query: sa.Executable) -> int:
        return int(conn.execute(query).scalar_one())

    methods = conn.execute(
        sa.select(identity_links.c.method, sa.func.count()).group_by(identity_links.c.method)
    ).all()
    statuses = conn.execute(
        sa.select(identity_review_pairs.c.status, sa.func.count()).group_by(identity_review_pairs.c.status)
    ).all()
    return {
        "records": one(sa.select(sa.func.count()).select_from(identity_links)),
        "persons": one(sa.select(sa.func.count()).select_from(identity_persons)),
        "multi_record_persons": one(
            sa.select(sa.func.count()).select_from(identity_persons).where(identity_persons.c.records > 1)
        ),
        "methods": {m: int(n) for m, n in methods},
        "review": {s: int(n) for s, n in statuses},
        "constraints": one(sa.select(sa.func.count()).select_from(identity_constraints)),
        "threads": one(sa.select(sa.func.count(sa.distinct(identity_threads.c.thread_id)))),
        "threaded_tickets": one(sa.select(sa.func.count()).select_from(identity_threads)),
    }
