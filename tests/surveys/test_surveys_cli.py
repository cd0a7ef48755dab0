"""`insightdesk surveys ...`: a user's mistake is one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode
from tests.surveys.seed import example_text


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["surveys", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_survey_commands(tmp_path: Path, duckdb_template: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(duckdb_template, db)
    good = tmp_path / "csat.yaml"
    good.write_text(example_text(), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(example_text(**{'"answers.csat <= 2"': '"answers.effort <= 2"'}), encoding="utf-8")

    code, out, _ = _run("example")
    assert code == 0 and "survey: post-resolution" in out
    code, out, _ = _run("check", str(good))
    assert code == 0 and "is valid (5 questions, languages en, de)" in out
    code, _, err = _run("check", str(broken))
    assert code == ExitCode.BAD_INPUT and err.startswith(
        "error: survey 'post-resolution': questions (what_went_wrong)"
    )
    assert "Traceback" not in err and err.count("\n") == 1
    code, _, err = _run("save", str(tmp_path / "missing.yaml"), "--db", str(db))
    assert code == ExitCode.BAD_INPUT and "no such file" in err

    assert (
        _run("save", str(good), "--db", str(db))[1].strip()
        == "survey 'post-resolution' version 1: created (draft)"
    )
    assert "version 1 is published" in _run("publish", "post-resolution", "--db", str(db))[1]
    assert "published" in _run("list", "--db", str(db))[1]
    code, _, err = _run("event", "generic:none", "--db", str(db))
    assert code == ExitCode.BAD_INPUT and "ticket_id: ticket 'generic:none' is not in the store" in err
    code, _, err = _run("health", "--db", str(db))
    assert code == ExitCode.FAILED and "no invitations yet" in err
