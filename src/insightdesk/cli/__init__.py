"""The `insightdesk` command line: one Typer sub-module per command group.

A command parses its options (`options`), calls a service and hands the result to `output`, the
one place for tables, JSON and CSV, number formats, errors and exit codes (`output.ExitCode`).
"""

from __future__ import annotations

import importlib
import logging

import typer

from insightdesk import __version__

app = typer.Typer(
    name="insightdesk",
    help="InsightDesk: turn a service desk's tickets, surveys and conversations into customer insight.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Each module registers its commands on `app` through a `register(app)` function.
COMMAND_MODULES = (
    "insightdesk.cli.store_cmds",
    "insightdesk.cli.ingest_cmds",
    "insightdesk.cli.quickstart_cmds",
    "insightdesk.cli.generate_cmds",
    "insightdesk.cli.metrics_cmds",
    "insightdesk.cli.text_cmds",
    "insightdesk.cli.serve_cmds",
    "insightdesk.cli.users_cmds",
    "insightdesk.cli.audit_cmds",
    "insightdesk.cli.alerts_cmds",
    "insightdesk.cli.settings_cmds",
    "insightdesk.cli.painpoints_cmds",
    "insightdesk.cli.drivers_cmds",
    "insightdesk.cli.impact_cmds",
    "insightdesk.cli.risk_cmds",
    "insightdesk.cli.surveys_cmds",
    "insightdesk.cli.rules_cmds",
    "insightdesk.cli.tasks_cmds",
    "insightdesk.cli.packs_cmds",
    "insightdesk.cli.changes_cmds",
    "insightdesk.cli.cases_cmds",
    "insightdesk.cli.workforce_cmds",
    "insightdesk.cli.qa_cmds",
    "insightdesk.cli.identity_cmds",
    "insightdesk.cli.privacy_cmds",
    "insightdesk.cli.sync_cmds",
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )


@app.command("version")
def version() -> None:
    """Print the InsightDesk version."""
    typer.echo(__version__)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    from insightdesk.cli.process import tune_garbage_collector

    tune_garbage_collector()
    app()
