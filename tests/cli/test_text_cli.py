"""`insightdesk text ...` and `insightdesk themes ...` end to end on a DuckDB store."""

from __future__ import annotations

from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.store import open_store
from tests.support.text_seed import seed_texts

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_text_and_themes_commands(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    with open_store(db) as store:
        seed_texts(store)
    assert "22 texts analysed" in _run("text", "analyze", "--db", db)
    assert "0 texts analysed, 22 unchanged" in _run("text", "analyze", "--db", db)
    # Another sentiment model is another model version: every text is analysed again, once.
    assert "22 texts analysed" in _run("text", "analyze", "--db", db, "--sentiment", "transformer")
    with open_store(db) as store:
        names = store.query_df("select distinct model_name from text_analyses")["model_name"].tolist()
    assert len(names) == 1 and names[0].endswith("minilm-l6-ft-int8")
    assert "22 texts analysed" in _run("text", "analyze", "--db", db)
    refused = runner.invoke(app, ["text", "analyze", "--db", db, "--sentiment", "bert"])
    assert refused.exit_code == 2 and "unknown sentiment model" in refused.output
    assert "3 themes" in _run("themes", "discover", "--db", db, "--min-size", "3")
    listing = _run("themes", "list", "--db", db, "--json")
    ids = sorted(
        {line.split('"theme_id": "')[1][:5] for line in listing.splitlines() if '"theme_id"' in line}
    )
    assert len(ids) == 3
    assert "Renamed one" in (
        _run("themes", "rename", ids[0], "Renamed one", "--db", db)
        + _run("themes", "show", ids[0], "--db", db)
    )
    assert f"merged {ids[1]} into {ids[0]}" in _run("themes", "merge", ids[1], ids[0], "--db", db)
    shown = _run("themes", "show", ids[1], "--db", db)
    assert "merged" in shown
    # The CLI's edits go through the same curation service as the dashboard's: audited.
    from insightdesk.governance import audit

    with open_store(db) as store:
        rows, _ = audit.query(store.engine, limit=None)
    edits = [(r["action"], r["record_ids"]) for r in rows if r["action"].startswith("theme.")]
    assert [a for a, _ in edits] == ["theme.merge", "theme.rename"] and all(
        r["actor"].startswith("cli:") for r in rows
    )
    bad = runner.invoke(app, ["themes", "show", "T9999", "--db", db])
    assert bad.exit_code == 2 and "no theme 'T9999'" in bad.output
