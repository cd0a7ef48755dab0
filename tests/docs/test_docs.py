"""Documentation that cannot drift: the data model doc matches the tables, every CLI command is in the README."""

from __future__ import annotations

from pathlib import Path

import typer.main

from insightdesk.cli import app
from insightdesk.store.tables import load_all_tables
from insightdesk.store.tables.docs import render

ROOT = Path(__file__).resolve().parents[2]


def test_data_model_doc_is_current():
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/data-model.md is stale: run python scripts/gen_data_model_doc.py"


def test_every_column_is_documented():
    undocumented = [
        f"{t.name}.{c.name}" for t in load_all_tables().tables.values() for c in t.columns if not c.comment
    ]
    assert undocumented == []


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    missing = []
    for name, command in group.commands.items():
        subs = getattr(command, "commands", None)
        names = [f"{name} {sub}" for sub in subs] if subs else [name]
        missing += [n for n in names if f"insightdesk {n}" not in readme]
    assert missing == [], f"commands missing from README.md: {missing}"
