"""Small files for every bundled profile, for tests that load each profile's paths end to end.

`generic_files` cuts the bundled sample down to a few coherent records of every kind (the tickets
that the dependent records point at come along); the vendor profiles use their fixtures in
tests/support/fixtures/profiles/.
"""

from __future__ import annotations

from pathlib import Path

from insightdesk.sample import sample_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "profiles"

# Load order: referenced kinds first, so `reject` references find their records.
GENERIC_KINDS = (
    "organisations",
    "customers",
    "teams",
    "agents",
    "problems",
    "changes",
    "articles",
    "tickets",
    "ticket_events",
    "interactions",
    "feedback",
    "ticket_articles",
)
# (profile, kind, fixture file): each vendor profile's paths that a generic file does not take:
# event-log folding, derived contacts, value maps, constant scales.
VENDOR_LOADS = (
    ("zendesk", "customers", "zendesk/users_end_users.jsonl"),
    ("freshdesk", "tickets", "freshdesk/tickets.csv"),
    ("jira", "tickets", "jira/issues.csv"),
    ("servicenow", "customers", "servicenow/users.csv"),
    ("servicenow", "tickets", "servicenow/incident_events.csv"),
)


def generic_files(folder: Path, tickets: int = 5) -> list[tuple[str, str, Path]]:
    """(profile, kind, path) of a few records of every kind, cut from the bundled sample."""
    import duckdb

    con = duckdb.connect()
    try:

        def read(kind: str) -> str:
            return f"read_csv('{sample_file(kind)}', all_varchar = true)"

        linked = con.execute(
            f"SELECT ticket_id, article_id FROM {read('ticket_articles')} LIMIT 3"
        ).fetchall()
        first = con.execute(f"SELECT id FROM {read('tickets')} LIMIT {tickets}").fetchall()
        ticket_ids = ", ".join(sorted({f"'{t}'" for (t,) in first} | {f"'{t}'" for t, _ in linked}))
        article_ids = ", ".join(f"'{a}'" for _, a in linked)
        where = {
            "tickets": f"id IN ({ticket_ids})",
            "articles": f"id IN ({article_ids})",
            **{k: f"ticket_id IN ({ticket_ids})" for k in ("ticket_events", "interactions", "feedback")},
            "ticket_articles": f"ticket_id IN ({ticket_ids}) AND article_id IN ({article_ids})",
        }
        loads = []
        for kind in GENERIC_KINDS:
            path = folder / f"generic-{kind}.csv"
            condition = where.get(kind, "TRUE")
            con.execute(f"COPY (SELECT * FROM {read(kind)} WHERE {condition} LIMIT 8) TO '{path}' (HEADER)")
            loads.append(("generic", kind, path))
        return loads
    finally:
        con.close()


def every_profile_loads(folder: Path) -> list[tuple[str, str, Path]]:
    """(profile, kind, path) covering every bundled profile, in a load order that works."""
    return [*generic_files(folder), *((p, k, FIXTURES / f) for p, k, f in VENDOR_LOADS)]
