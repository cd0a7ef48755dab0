"""The resolved person behind a customer account, for the KPIs and insights that count people.

Identity resolution writes `identity_links` (customer record -> person). Metrics and insights sit
below identity in the layers, so they read that table through the store, never identity's code.
A customer no identity run has placed (every customer, before the first run) stands for itself:
its person key is its customer id. So a desk without identity resolution counts accounts, one
that has run it counts people, and `person_basis` says which of the two a result counted.

The fallback is part of the query (a left join and a coalesce), not a decision taken when the
query is built: compiled SQL is cached per backend, and an identity run must not need a restart.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insightdesk.metrics.spec import KPI

LINKS = "identity_links"
_HAS_LINKS = "_insightdesk_has_identity_links"
_BASIS = "_insightdesk_person_basis"
_BASIS_TTL_S = 1.0


def links_table(backend: Any) -> Any | None:
    """`identity_links` as an Ibis table, or None where the backend has no such table (Spark's
    Parquet views, a hand-made DuckDB): its callers then count customer accounts."""
    known = backend.__dict__.get(_HAS_LINKS)
    if known is None:
        # One catalog lookup per backend: the table exists from the store's creation on (migrations).
        try:
            known = LINKS in backend.list_tables()
        except Exception:  # a backend that cannot list its tables has none of ours
            known = False
        backend.__dict__[_HAS_LINKS] = known
    return backend.table(LINKS) if known else None


def with_person(table: Any, backend: Any, *, customer: str = "customer_id", out: str = "person_id") -> Any:
    """`table` plus column `out`: the person of `table[customer]`, else the customer id itself.

    Rows without a customer keep a null person. identity_links has one row per record (its primary
    key), so the left join never multiplies rows.
    """
    links = links_table(backend)
    if links is None:
        return table.mutate(**{out: table[customer]})
    links = links.select(_pl_record=links.record_id, _pl_person=links.person_id)
    joined = table.left_join(links, table[customer] == links._pl_record)
    return joined.mutate(**{out: joined._pl_person.coalesce(joined[customer])}).drop(
        "_pl_record", "_pl_person"
    )


def person_basis(backend: Any) -> dict[str, Any]:
    """What a person-counting result counted, for its metadata (`attrs`): resolved persons from
    the identity run named, or customer accounts (no run yet, or no identity table).

    Kept per backend for a second, and until this process's store reports a change (identity runs
    and decisions call `Store.changed()`): a dashboard asks it for every person KPI it shows.
    """
    generation = backend.__dict__.get("_insightdesk_generation", 0)
    kept = backend.__dict__.get(_BASIS)
    if kept is not None and kept[0] == generation and time.monotonic() - kept[1] < _BASIS_TTL_S:
        return dict(kept[2])
    basis = _read_basis(backend)
    backend.__dict__[_BASIS] = (generation, time.monotonic(), basis)
    return dict(basis)


def _read_basis(backend: Any) -> dict[str, Any]:
    links = links_table(backend)
    if links is not None:
        from insightdesk.metrics.execute import run_sql

        row = run_sql(
            backend,
            f"SELECT count(*) AS n, count(DISTINCT person_id) AS persons, max(run_id) AS run FROM {LINKS}",
        ).iloc[0]
        if int(row["n"]) > 0:
            return {
                "person_key": "identity",
                "identity_run": str(row["run"]),
                "identity_records": int(row["n"]),
                "identity_persons": int(row["persons"]),
                "person_note": "customers counted as resolved persons (identity_links); a customer "
                "added since the last identity run counts as a person of its own",
            }
    return {
        "person_key": "customer_id",
        "identity_run": None,
        "person_note": "no identity run: each customer account counts as one person "
        "(run `insightdesk identity run` to count people across accounts)",
    }


def person_attrs(spec: KPI, backend: Any) -> dict[str, Any]:
    """`person_basis` for a KPI that counts persons; nothing for the others."""
    return person_basis(backend) if spec.counts_persons else {}
