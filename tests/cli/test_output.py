"""The CLI's shared output module: number formats, exit codes, errors without tracebacks."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode, compact, count, fail, kpi_value, num, pvalue, user_errors


def test_numbers_show_missing_values_as_a_dash():
    for missing in (None, math.nan, pd.NA, pd.NaT):
        assert num(missing) == "-" and count(missing) == "-" and compact(missing) == "-"
    assert num(math.nan, "+.2f", missing="") == ""
    assert num(math.inf, "+,.2f", finite=True) == "-" and num(math.inf, ".1f") == "inf"
    assert num(0.1234, ".1%") == "12.3%" and num(0.05, "+.1f", scale=100) == "+5.0"
    assert compact(12.345) == "12.3" and compact(12345.6) == "12,346"
    assert pvalue(0.0001) == "<0.001" and pvalue(0.04321) == "0.043"
    assert kpi_value(0.636, "share") == "63.6%" and kpi_value(1234, "tickets") == "1,234"
    assert kpi_value(5.2449, "hours") == "5 h 15 min" and kpi_value(852.0, "tickets") == "852"


def test_exit_codes_are_the_documented_ones():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3]


def test_user_errors_print_one_line_and_exit_without_a_traceback():
    demo = typer.Typer()

    @demo.command()
    def boom(kind: str) -> None:
        if kind == "value":
            with user_errors(ValueError):
                raise ValueError("bad [bold]input[/bold]")
        fail("nothing to act on", ExitCode.FAILED)

    result = CliRunner().invoke(demo, ["value"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit | None)  # not a traceback
    assert "error: bad [bold]input[/bold]" in result.stderr  # printed as given, not as markup
    assert CliRunner().invoke(demo, ["other"]).exit_code == 1


@pytest.mark.parametrize("args", [["db", "status", "--db", "postgresql://nobody@127.0.0.1:1/none"]])
def test_a_store_that_cannot_be_opened_is_the_users_error(args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == ExitCode.BAD_INPUT and "error: cannot reach PostgreSQL" in result.stderr
