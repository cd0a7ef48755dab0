"""`insightdesk privacy ...`: export, four-eyes erasure with compaction, consent, mistakes as one line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.store import open_store
from tests.governance.privacy import erasure_data as desk

runner = CliRunner()


def _cli(*args: str, user: str = "alice", monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("LOGNAME", user)  # the CLI acts as cli:<OS user>
    result = runner.invoke(app, ["privacy", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("engine", ["duckdb"])  # PostgreSQL: the same service, over HTTP in test_privacy_api
def test_erasure_needs_a_second_person_and_leaves_nothing_in_the_file(desk_url, monkeypatch):
    store_url = desk_url
    db = ("--db", store_url)
    code, out = _cli("erase", "--email", desk.EMAIL, *db, monkeypatch=monkeypatch)
    assert code == 0, out
    request_id = out.split()[2]
    code, out = _cli("verify", request_id, *db, monkeypatch=monkeypatch)
    assert code == 0, (request_id, out)
    code, out = _cli("approve", request_id, *db, monkeypatch=monkeypatch)
    assert code == 2 and "cannot approve it" in out and "Traceback" not in out
    code, out = _cli("run", request_id, *db, monkeypatch=monkeypatch)
    assert code == 2 and "approved by a second person" in out
    assert _cli("approve", request_id, *db, user="bob", monkeypatch=monkeypatch)[0] == 0
    code, out = _cli("run", request_id, *db, user="bob", monkeypatch=monkeypatch)
    assert code == 0, out
    with open_store(store_url) as reopened, reopened.begin() as conn:
        state, subject = conn.execute(
            sa.text("select state, subject from privacy_requests where request_id = :r"), {"r": request_id}
        ).one()
        actions = conn.execute(sa.text("select action, record_ids, detail from audit_log order by seq")).all()
    assert (state, subject) == ("done", None)
    assert [a.action for a in actions if a.action.startswith("privacy")] == [
        "privacy.request.filed",
        "privacy.request.verify",
        "privacy.request.approve",
        "privacy.erasure",
    ]
    audit_text = json.dumps([tuple(a) for a in actions]).lower()
    assert not any(n.lower() in audit_text for n in desk.NEEDLES)
    if not store_url.startswith("postgresql"):
        assert not any(n.lower().encode() in Path(store_url).read_bytes().lower() for n in desk.NEEDLES)


@pytest.mark.parametrize("engine", ["duckdb"])
def test_export_writes_a_zip_and_an_unknown_person_is_no_records(desk_url, tmp_path, monkeypatch):
    db_file = desk_url
    db = ("--db", str(db_file))
    code, out = _cli(
        "export",
        "--customer",
        f"generic:{desk.SOURCE_ID}",
        "--out",
        str(tmp_path / "out"),
        *db,
        monkeypatch=monkeypatch,
    )
    assert code == 0, out
    (archive,) = (tmp_path / "out").glob("*.zip")
    assert "manifest.json" in zipfile.ZipFile(archive).namelist()
    code, out = _cli(
        "export",
        "--email",
        "nobody@example.org",
        "--out",
        str(tmp_path / "out"),
        *db,
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "no records" in out
    assert len(list((tmp_path / "out").glob("*.zip"))) == 1
    code, out = _cli("export", *db, monkeypatch=monkeypatch)
    assert code == 2 and "exactly one of --customer or --email" in out
    code, out = _cli(
        "consent",
        "set",
        "--customer",
        "generic:KIM1",
        "--purpose",
        "marketing",
        "--granted",
        *db,
        monkeypatch=monkeypatch,
    )
    assert code == 2 and "unknown consent purpose" in out
    code, out = _cli(
        "consent",
        "set",
        "--customer",
        "generic:KIM1",
        "--purpose",
        "contact",
        "--withdrawn",
        *db,
        monkeypatch=monkeypatch,
    )
    assert code == 0, out
    code, out = _cli("consent", "show", "--customer", "generic:KIM1", *db, monkeypatch=monkeypatch)
    assert code == 0 and "survey" in out and "cli" in out
