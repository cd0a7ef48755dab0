"""The rules and tasks commands: a user's mistake is one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from insightdesk.cli import app

RULE = """rule: detractors
event: feedback_received
when: {all: [{field: nps_category, op: eq, value: detractor}]}
actions: [{type: task, kind: callback, title: "Call {customer_id}"}]
"""


def test_rules_and_tasks_commands(tmp_path):
    db = str(tmp_path / "s.duckdb")
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
    inbox = runner.invoke(app, ["tasks", "inbox", "--db", db])
    assert inbox.exit_code == 0 and "Tasks (0)" in inbox.output
    kpis = runner.invoke(app, ["tasks", "kpis", "--db", db])
    assert kpis.exit_code == 0 and '"opened": 0' in kpis.output
