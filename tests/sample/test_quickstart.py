"""The quickstart builds a populated store from the bundled sample with nothing rejected."""

from __future__ import annotations

from insightdesk.quickstart import build_sample_store, store_summary
from insightdesk.sample import SAMPLE_KINDS
from insightdesk.store import open_store


def test_sample_ingests_completely(store_url):
    report = build_sample_store(store_url)
    assert [r.kind for r in report.results] == list(SAMPLE_KINDS)
    assert report.reconciled
    assert all(r.rejected == 0 for r in report.results), [(r.kind, r.rejected) for r in report.results]
    with open_store(store_url) as store:
        counts = store_summary(store)
        assert counts["tickets"] >= 2000 and counts["feedback"] >= 2000 and counts["interactions"] >= 1000
        assert counts["quarantine"] == 0
        # nothing had to be invented: every reference of the sample resolves to a real record
        for table in ("customers", "agents", "teams", "problems", "changes"):
            assert store.scalar(f"SELECT count(*) FROM {table} WHERE is_stub") == 0, table
        orphans = store.scalar(
            "SELECT count(*) FROM feedback f LEFT JOIN tickets t ON t.id = f.ticket_id "
            "WHERE f.ticket_id IS NOT NULL AND t.id IS NULL"
        )
        assert orphans == 0


def test_quickstart_shows_its_steps_reuses_an_unchanged_store_and_rebuilds_fresh(tmp_path):
    """Numbered steps on the first run; the second reuses the store (nothing rebuilt) until the store
    holds something the quickstart did not put there; built again, it is fresh and identical (one
    test, so the sample is loaded twice, not three times)."""
    from typer.testing import CliRunner

    from insightdesk.cli import app
    from insightdesk.ingest import ingest_file
    from insightdesk.quickstart.reuse import reusable, stamp_path

    db = tmp_path / "q.duckdb"
    runner = CliRunner()
    first = runner.invoke(app, ["quickstart", "--db", str(db), "--no-text"])
    said = " ".join(first.output.split())  # Rich wraps long lines
    assert first.exit_code == 0, first.output
    assert "[1/2] loading the bundled sample desk" in said and "done in" in said
    assert "kinds: 12 of 12 (100%" in said  # no terminal here: progress as plain lines
    assert "all counts reconcile" in said and stamp_path(db).is_file()
    with open_store(db) as store:
        first = store_summary(store)

    second = runner.invoke(app, ["quickstart", "--db", str(db), "--no-text"])
    said = " ".join(second.output.split())
    assert second.exit_code == 0, second.output
    # Rich may break a long path anywhere, even inside a word: compare it without any spaces.
    assert f"reusing{db}" in "".join(said.split()) and "loading" not in said
    assert "password printed when this store was built" in said

    teams = tmp_path / "teams.csv"
    teams.write_text("id,name,support_tier\nG-new,New team,L2\n", encoding="utf-8")
    with open_store(db) as store:
        ingest_file(store, teams, "teams", profile="generic")
    assert reusable(db, text=False) is None  # a batch the quickstart did not load: rebuild
    assert reusable(db, text=True) is None

    # Built again over it, the store is fresh (the extra batch gone) and identical to the first.
    build_sample_store(db)
    with open_store(db) as store:
        assert store_summary(store) == first
        assert store.count("ingest_batches") == len(SAMPLE_KINDS)
