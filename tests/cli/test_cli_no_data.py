"""A KPI without data says why in the CLI instead of printing an empty value with n = 0 (issue 16)."""

from __future__ import annotations

import pandas as pd
from rich.console import Console

from insightdesk.cli.metrics_cmds import kpi_table


def test_a_kpi_without_data_says_why_in_the_cli() -> None:
    frame = pd.DataFrame(
        [
            {"kpi": "sla_resolution_attainment", "unit": "share", "value": None, "ci_low": None},
            {"kpi": "ticket_volume", "unit": "tickets", "value": 852.0, "ci_low": 800.0},
        ]
    ).assign(ci_high=[None, 900.0], n=[0, 852], low_n=[True, False])
    console = Console(width=200, record=True)
    console.print(kpi_table(frame, "Headline KPIs", ""))
    text = console.export_text()
    assert "no tickets with an SLA resolution target and a known outcome in this period" in text
    assert "852 " in text and "852.00" not in text
