"""Every CLI command against a DuckDB store another process holds: one line naming that process, no
traceback, exit 2; commands that do not touch the store still work.

The holder is a real second process with the file open for writing, as `insightdesk serve` keeps it;
the commands run in this process (Typer's runner), which is what a user's shell would see. The list of
commands comes from the Typer app itself, so a new command is tested the day it is added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode

# Commands that never open the store: they must still succeed while it is held.
STORELESS = {
    "version",
    "generate",
    "metrics list",
    "metrics dimensions",
    "metrics explain",
    "painpoints config",
    "privacy catalogue",
    "staffing erlang",
    "staffing pool",
    "surveys example",
    "surveys check",
}

# Syntactically valid arguments for commands that need some (the open must fail, not the parsing).
# A new command with required arguments gets "1" for each; give it real ones here if that is refused.
ARGS: dict[str, list[str]] = {
    "ingest": ["{csv}", "--kind", "tickets"],
    "generate": ["--tickets", "10", "--out", "{tmp}/generated"],
    "quickstart": ["--no-text"],
    "serve": ["--port", "1", "--no-warm-up", "--no-rollups"],
    "quarantine retry": ["--batch", "1"],
    "metrics explain": ["csat"],
    "metrics show": ["csat"],
    "themes rename": ["1", "billing"],
    "users add": ["bob", "--role", "viewer", "--generate-password"],
    "users set-role": ["bob", "viewer"],
    "audit export": ["--out", "{tmp}/audit.csv"],
    "settings set": ["alerts.enabled", "true"],
    "painpoints show": ["theme:1"],
    "painpoints update": ["theme:1"],
    "painpoints history": ["theme:1"],
    "impact did": ["--at", "2024-01-01", "-t", "team_id=1", "-c", "team_id=2"],
    "impact prepost": ["--at", "2024-01-01", "-t", "team_id=1"],
    "impact abtest": ["--kpi", "csat", "-t", "team_id=1", "-c", "team_id=2"],
    "privacy consent set": ["--customer", "c1", "--purpose", "survey", "--granted"],
    "privacy erase": ["--customer", "c1"],
    "privacy export": ["--customer", "c1", "--out", "{tmp}/export"],
    "qa coaching session": ["plan-1", "--held", "2024-01-01"],
    "staffing pool": ["--skill", "a=10:300", "--group", "g=2:a", "--hours", "5", "--replications", "2"],
    "qa evaluate": ["--rubric", "support", "--ticket", "T1", "--answer", "tone=3"],
    "packs build": ["viewer"],
    "qa rubric save": ["{tmp}/rubric.yaml"],
    "rules save": ["{tmp}/rule.yaml"],
    "surveys check": ["{tmp}/survey.yaml"],
    "surveys save": ["{tmp}/survey.yaml"],
    "sync": ["all", "--sources", "{tmp}/connectors.yaml"],
    "text label": ["tickets/T1/description", "sentiment", "negative"],
}

# Valid input files for the commands above that read one before they open the store.
INPUT_FILES = {
    "rule.yaml": (
        "rule: detractors\nevent: feedback_received\n"
        "when: {all: [{field: nps_category, op: eq, value: detractor}]}\n"
        'actions: [{type: task, kind: callback, title: "Call {customer_id}"}]\n'
    ),
    "rubric.yaml": (
        "id: support\nname: Support\nsections:\n"
        "  - name: Care\n    criteria: [{id: tone, label: Tone, points: 4, weight: 2}]\n"
    ),
    "connectors.yaml": (
        "sources:\n  desk:\n    vendor: zendesk\n    base_url: https://acme.zendesk.com\n"
        "    owner: alice\n    department: team-1\n"
        "    auth: {type: basic, user: a@acme.com/token, secret_env: ZENDESK_API_TOKEN}\n"
    ),
}


def _commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "commands"):  # a group
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    yield from walk(typer.main.get_command(app), [])


COMMANDS = dict(_commands())


def _args(name: str, tmp: Path) -> list[str]:
    command = COMMANDS[name]
    if name in ARGS:
        args = list(ARGS[name])
    else:
        args = []
        for param in command.params:
            if param.required:
                args += ["1"] if param.param_type_name == "argument" else [param.opts[0], "1"]
    csv = tmp / "tickets.csv"
    return [a.format(tmp=tmp, csv=csv) for a in args]


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A DuckDB store file held for writing by another process: (path, that process's id)."""
    folder = tmp_path_factory.mktemp("held")
    (folder / "tickets.csv").write_text("ticket_id,created_at\nT1,2024-01-01\n", encoding="utf-8")
    for name, text in INPUT_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    shutil.copyfile(
        files("insightdesk.surveys") / "examples" / "post_resolution.yaml", folder / "survey.yaml"
    )
    path = folder / "store.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('create table t (x int)'); "
            "print('ready', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    yield path, holder.pid
    assert holder.stdin is not None
    holder.stdin.close()  # the holder exits at the end of its input
    holder.wait(timeout=10)


def test_the_list_of_commands_is_complete():
    assert len(COMMANDS) >= 60 and {"db status", "db init", "quarantine list", "metrics headline"} <= set(
        COMMANDS
    )
    assert not set(ARGS) - set(COMMANDS), "ARGS names a command that no longer exists"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_on_a_held_store_says_who_holds_it(
    name: str, held: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, pid = held
    if name == "serve":  # should it ever get past the open, it must not start listening in the test
        monkeypatch.setattr(
            "insightdesk.api.server.serve", lambda *a, **k: pytest.fail("served a held store")
        )
    takes_db = any(p.name == "db" for p in COMMANDS[name].params)
    args = [*name.split(), *_args(name, path.parent), *(["--db", str(path)] if takes_db else [])]
    result = CliRunner().invoke(app, args, input="Pass-word-long-1\nPass-word-long-1\n")

    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    if name in STORELESS:
        assert result.exit_code == ExitCode.OK, result.output
        return
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert len(errors) == 1, result.stderr
    assert f"is in use by process {pid}" in errors[0] and "stop that process" in errors[0], errors[0]
    assert "PostgreSQL" in errors[0]  # and the way to share a store between processes


def test_quickstart_leaves_a_held_store_in_place(held: tuple[Path, int]) -> None:
    """`quickstart` starts afresh by deleting the file: never under a process that still writes to it."""
    path, _ = held
    inode = path.stat().st_ino
    result = CliRunner().invoke(app, ["quickstart", "--no-text", "--db", str(path)])
    assert result.exit_code == ExitCode.BAD_INPUT and "is in use by process" in result.stderr
    assert path.stat().st_ino == inode


def test_help_works_on_a_held_store(held: tuple[Path, int]) -> None:
    assert CliRunner().invoke(app, ["--help"]).exit_code == ExitCode.OK


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        (["--dims", "bogus"], "--dims: bogus cannot be rolled up; choose from channel"),
        (["--kpi", "nope"], "--kpi: unknown KPI 'nope'"),
        (["--median-resolution", "2"], "--median-resolution must be at least 0 and below 1"),
    ],
)
def test_rollup_build_refuses_a_bad_request_before_it_opens_the_store(
    option: list[str], problem: str, held: tuple[Path, int]
) -> None:
    """Checked first, so the answer is the request's problem even while the store is held (exit 2)."""
    result = CliRunner().invoke(app, ["metrics", "rollup", "build", *option, "--db", str(held[0])])
    assert result.exit_code == ExitCode.BAD_INPUT and result.stderr.startswith(f"error: {problem}"), (
        result.stderr
    )
