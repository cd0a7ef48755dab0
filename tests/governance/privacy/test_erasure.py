"""Erasure verified to the byte on both engines, tombstones that survive a re-import, exports."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from insightdesk.governance.privacy.compaction import compact_duckdb
from insightdesk.governance.privacy.erasure import ErasureRefused, erase_subject
from insightdesk.governance.privacy.export import NoRecords, export_subject
from insightdesk.governance.privacy.traces import find_traces
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store
from insightdesk.store.tables.privacy import legal_holds
from tests.governance.privacy import erasure_data as desk


def _file_hits(folder: Path) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found = [n for n in desk.NEEDLES if n.lower().encode() in data]
            if found:
                hits[str(path.relative_to(folder))] = found
    return hits


def test_export_finds_every_record_through_email_and_refuses_nobody(desk_store, tmp_path):
    with desk_store.begin() as conn:
        result = export_subject(conn, tmp_path / "out" / "zelda.zip", email=desk.EMAIL.upper())
        with pytest.raises(NoRecords, match="no records"):
            export_subject(conn, tmp_path / "nobody.zip", email="nobody@example.org")
    assert not (tmp_path / "nobody.zip").exists()
    assert result.customer_ids == [f"generic:{desk.SOURCE_ID}"]
    assert result.counts["tickets"] == 1 and result.counts["feedback"] == 1
    assert result.counts["record_history"] >= 1 and result.counts["quarantine"] == 1
    with zipfile.ZipFile(result.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        tickets = json.loads(archive.read("tickets.json"))
        assert "tickets.csv" in archive.namelist()
    assert manifest["tables"]["tickets"]["columns"]["description"] == "free_text"
    assert tickets[0]["id"] == "generic:T1"


def test_erasure_leaves_no_trace_in_tables_or_files_and_stays_erased(
    engine, desk_store, desk_url, desk_exports
):
    store, store_url, tmp_path = desk_store, desk_url, desk_exports
    before = desk.table_counts(store)
    with store.begin() as conn:
        assert find_traces(conn, desk.NEEDLES)  # the search does see them before
        result = erase_subject(conn, customer_id=f"generic:{desk.SOURCE_ID}")
    assert result.residual == {}
    assert result.tombstones == 3  # customer id, email, phone
    with store.begin() as conn:
        assert find_traces(conn, desk.NEEDLES) == {}
        kept = conn.execute(sa.text("select count(*) from feedback where score = 2")).scalar_one()
        quotes = conn.execute(sa.text("select quotes from themes")).scalar_one()
    assert desk.table_counts(store) == before  # anonymous records stay: the KPIs hold
    assert kept == 1 and json.loads(quotes) == ["great"]
    # A re-import of the old exports brings nobody back, and keeps no value of theirs.
    again = ingest_file(store, desk.write(tmp_path, "customers-old.csv", desk.CUSTOMERS), "customers")
    assert (again.accepted, again.rejected) == (1, 1)
    old_tickets = ingest_file(store, desk.write(tmp_path, "tickets-old.csv", desk.TICKETS), "tickets")
    assert old_tickets.rejected == 1
    with store.begin() as conn:
        reasons = conn.execute(
            sa.text(
                "select reason, raw, record_key from quarantine where status = 'open' and reason = 'erased subject'"
            )
        ).all()
        assert find_traces(conn, desk.NEEDLES) == {}
    assert len(reasons) == 2 and all(r.raw is None and r.record_key is None for r in reasons)
    if engine == "duckdb":
        store.close()
        compact_duckdb(Path(store_url))
        assert _file_hits(Path(store_url).parent) == {}
        with open_store(store_url) as reopened:
            assert desk.table_counts(reopened) == before


@pytest.mark.parametrize("engine", ["duckdb"])
def test_duckdb_file_keeps_deleted_rows_until_compacted(desk_store, desk_url):
    with desk_store.begin() as conn:
        erase_subject(conn, email=desk.EMAIL)
    desk_store.duckdb.execute("CHECKPOINT")
    desk_store.close()
    path = Path(desk_url)
    tmp_path = path.parent
    raw_hits = _file_hits(tmp_path)
    compact_duckdb(path)
    # Without the rewrite the free blocks still held them (this is why erasure compacts).
    assert path.name in raw_hits, "expected the uncompacted file to hold the erased values"
    assert _file_hits(tmp_path) == {}


def test_erasure_under_legal_hold_is_refused_and_changes_nothing(desk_store):
    store = desk_store
    with store.begin() as conn:
        conn.execute(
            legal_holds.insert().values(
                hold_id="hold-1",
                customer_id=f"generic:{desk.SOURCE_ID}",
                reason="case 42",
                placed_by="legal",
                placed_at=sa.func.now(),
            )
        )
    with pytest.raises(ErasureRefused, match="legal hold hold-1"), store.begin() as conn:
        erase_subject(conn, customer_id=f"generic:{desk.SOURCE_ID}")
    with store.begin() as conn:
        assert find_traces(conn, [desk.EMAIL])


@pytest.mark.parametrize("engine", ["duckdb"])
def test_identity_resolution_joins_accounts_into_one_person(desk_store):
    from insightdesk.governance.privacy.subject import find_person
    from insightdesk.store.tables import load_all_tables

    links = load_all_tables().tables["identity_links"]
    with desk_store.begin() as conn:
        conn.execute(
            links.insert(),
            [
                {"record_id": f"generic:{c}", "person_id": "P-1", "method": "probabilistic", "run_id": "r1"}
                for c in (desk.SOURCE_ID, "KIM1")
            ],
        )
        person = find_person(conn, email=desk.EMAIL)
        alone = find_person(conn, email=desk.EMAIL, follow=False)
    assert person is not None and person.customer_ids == [f"generic:{desk.SOURCE_ID}", "generic:KIM1"]
    assert "kim@example.org" in person.emails
    assert alone is not None and alone.customer_ids == [f"generic:{desk.SOURCE_ID}"]
