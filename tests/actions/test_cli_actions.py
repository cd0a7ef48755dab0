"""The rules and tasks commands: a user's mistake is one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.config import reset_settings

RULE = """rule: detractors
event: feedback_received
when: {all: [{field: nps_category, op: eq, value: detractor}]}
actions: [{type: task, kind: callback, title: "Call {customer_id}"}]
"""


def test_rules_and_tasks_commands(tmp_path, duckdb_template, monkeypatch):
    db = str(tmp_path / "s.duckdb")
    shutil.copyfile(duckdb_template, db)  # migrated already: each command opens it without upgrading
    monkeypatch.setenv("INSIGHTDESK_ACTIONS_DESTINATIONS", str(tmp_path / "none.yaml"))
    runner = CliRunner()
    rule = tmp_path / "rule.yaml"
    rule.write_text(RULE)
    saved = runner.invoke(app, ["rules", "save", str(rule), "--db", db, "--actor", "ana"])
    assert saved.exit_code == 0 and "detractors v1: draft" in saved.output
    dry = runner.invoke(app, ["rules", "dry-run", "detractors", "--db", db])
    assert dry.exit_code == 0 and "0 of 0 events matched" in dry.output
    assert (
        runner.invoke(app, ["rules", "activate", "detractors", "--version", "1", "--db", db]).exit_code == 0
    )
    listed = runner.invoke(app, ["rules", "list", "--db", db])
    assert "v1" in listed.output and "active" in listed.output
    for args, message in (
        (["rules", "save", str(tmp_path / "missing.yaml")], "cannot read rule file"),
        (["rules", "dry-run", "nope"], "no rule 'nope'"),
        (["rules", "rollback", "detractors"], "no version was active before"),
        (["rules", "dry-run", "detractors", "--days", "0"], "dry-run days"),
        (["tasks", "update", "task-x", "--status", "done"], "no task 'task-x'"),
        (["rules", "replay", "msg-x"], "no outbox message"),
    ):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
    run = runner.invoke(app, ["rules", "run", "--db", db])
    assert run.exit_code == 0 and "detractors v1" in run.output
    deliver = runner.invoke(app, ["rules", "deliver", "--db", db, "--until-idle", "--interval", "0.05"])
    assert deliver.exit_code == 0, deliver.output
    assert "Outbox (0)" in runner.invoke(app, ["rules", "outbox", "--db", db]).output
    assert "checked 0 record(s)" in runner.invoke(app, ["rules", "sync", "--db", db]).output
    (tmp_path / "bad.yaml").write_text("ops: {kind: pager, url: http://x}")
    monkeypatch.setenv("INSIGHTDESK_ACTIONS_DESTINATIONS", str(tmp_path / "bad.yaml"))
    reset_settings()  # settings are read once per process
    refused = runner.invoke(app, ["rules", "deliver", "--db", db])
    assert refused.exit_code == 2 and "field kind must be one of" in refused.output
    inbox = runner.invoke(app, ["tasks", "inbox", "--db", db])
    assert inbox.exit_code == 0 and "Tasks (0)" in inbox.output
    kpis = runner.invoke(app, ["tasks", "kpis", "--db", db])
    assert kpis.exit_code == 0 and '"opened": 0' in kpis.output


def test_backlog_governance_commands(tmp_path, duckdb_template):
    db = str(tmp_path / "g.duckdb")
    shutil.copyfile(duckdb_template, db)
    runner = CliRunner()
    unknown = runner.invoke(app, ["tasks", "ack", "nope", "--db", db])
    assert (
        unknown.exit_code == 2 and "no notification" in unknown.output and "Traceback" not in unknown.output
    )
    assert "Verified pain points watched (0)" in runner.invoke(app, ["rules", "watch", "--db", db]).output
    assert "Unowned pain points (0)" in runner.invoke(app, ["rules", "unowned", "--db", db]).output
