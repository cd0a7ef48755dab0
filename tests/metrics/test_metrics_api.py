"""Public API around the engine: docs that cannot drift, custom KPIs, comparisons, the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.metrics import KPI, compare, compute, headline, list_kpis, register_kpi, unregister_kpi
from insightdesk.metrics import docs as metrics_docs
from insightdesk.metrics.definitions.common import as_int, resolved_tickets

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_kpi_is_documented():
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    for kpi in list_kpis():
        assert f"#### `{kpi.name}`" in text, f"{kpi.name} is not in docs/metrics.md"
        for field in (
            "formula",
            "numerator",
            "denominator",
            "excludes",
            "edge_cases",
            "convention",
            "dated_by",
        ):
            assert getattr(kpi, field).strip(), f"{kpi.name}.{field} is empty"
    start, end = text.index(metrics_docs.BEGIN), text.index(metrics_docs.END) + len(metrics_docs.END)
    assert text[start:end] == metrics_docs.render(), "run: python -m insightdesk.metrics.docs docs/metrics.md"


def test_every_cli_metrics_command_is_documented():
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    for command in ("list", "explain", "show", "overview", "headline"):
        assert f"insightdesk metrics {command}" in text


def _knowledge(tables, config):
    t = resolved_tickets(tables)
    return t.mutate(hit=as_int(t.reopen_count.coalesce(0) == 0))


def test_custom_kpi_in_a_few_lines(duck_desk):
    kpi = register_kpi(
        KPI(
            name="first_time_fix",
            title="Never reopened",
            kind="proportion",
            fact=_knowledge,
            unit="share",
            family="custom",
            dated_by="tickets.resolved_at",
            formula="resolved tickets never reopened / resolved tickets",
            numerator="resolved tickets with reopen_count 0",
            denominator="resolved tickets",
            excludes="cancelled",
            edge_cases="none",
            convention="complement of the reopen rate",
        )
    )
    try:
        df = compute("first_time_fix", store=duck_desk, by=["channel"])
        assert dict(zip(df.channel, df.value, strict=True)) == {"chat": 0.0, "email": 1.0, "web": 1.0}
        assert "first_time_fix" in metrics_docs.render()
        with pytest.raises(ValueError, match="already registered"):
            register_kpi(kpi)
    finally:
        unregister_kpi("first_time_fix")


def test_compare_previous_period(duck_desk):
    out = compare("csat", against="previous", grain="month", store=duck_desk)
    assert list(out.period) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert np.isnan(out.reference[0])
    assert out.reference[1] == pytest.approx(2 / 3) and out.value[1] == pytest.approx(1 / 2)
    from statsmodels.stats.proportion import proportions_ztest

    assert out.p_value[1] == pytest.approx(proportions_ztest([1, 2], [2, 3])[1])
    assert out.p_adjusted[1] == pytest.approx(out.p_value[1])  # one test in the family


def test_compare_segment_vs_rest_adjusts(duck_desk):
    from statsmodels.stats.multitest import multipletests

    out = compare("csat", against="rest", by=["channel"], store=duck_desk)
    email = out[out.channel == "email"].iloc[0]
    assert (email.value, email.reference) == (1.0, pytest.approx(1 / 3))  # rest: chat 3, web 1 and 6/7
    np.testing.assert_allclose(out.p_adjusted, multipletests(out.p_value, method="holm")[1])
    means = compare("ces_mean", against="rest", by=["channel"], store=duck_desk)
    email_ces = means[means.channel == "email"].iloc[0]
    assert email_ces.reference == pytest.approx((5 + 7) / 2)  # chat 5, web 7 (rescaled)


def test_headline(duck_desk):
    frame = headline(duck_desk, until="2026-03-01")
    assert list(frame.kpi) == [
        "csat",
        "nps",
        "ces_mean",
        "fcr",
        "frt_median",
        "ttr_median",
        "sla_resolution_attainment",
        "backlog",
    ]
    assert frame.set_index("kpi").loc["fcr", "value"] == 0.5


def test_cli_show_formats(desk_file):
    runner = CliRunner()
    base = ["metrics", "show", "nps", "--by", "channel", "--grain", "month", "--db", str(desk_file)]
    table = runner.invoke(app, [*base, "--format", "table"])
    assert table.exit_code == 0, table.output
    assert "low n" in table.output and "chat" in table.output
    as_json = json.loads(runner.invoke(app, [*base, "--format", "json"]).output)
    assert {r["channel"] for r in as_json} == {"chat", "email", "web"}
    csv = pd.read_csv(
        io.StringIO(runner.invoke(app, [*base, "--format", "csv", "--since", "2026-02-01"]).output)
    )
    assert set(csv.columns) >= {"channel", "period", "value", "ci_low", "ci_high", "n", "low_n", "method"}
    assert len(csv) == 2


def test_cli_parquet_list_and_errors(desk_file, tmp_path):
    runner = CliRunner()
    target = tmp_path / "csat.parquet"
    result = runner.invoke(
        app,
        [
            "metrics",
            "show",
            "csat",
            "--where",
            "channel=email,chat",
            "--format",
            "parquet",
            "-o",
            str(target),
            "--db",
            str(desk_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(target).n.tolist() == [3]
    listed = runner.invoke(app, ["metrics", "list"])
    assert listed.exit_code == 0 and "nps" in listed.output
    bad = runner.invoke(app, ["metrics", "show", "nps", "--by", "colour", "--db", str(desk_file)])
    assert bad.exit_code != 0 and "unknown dimension" in bad.output
