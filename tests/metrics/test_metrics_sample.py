"""Every KPI on the bundled sample desk agrees with an independent hand-written DuckDB query.

The hand-written SQL is the benchmark's (benchmarks/metrics.py): written separately from the
Ibis definitions, it pins down the same semantics on real-shaped data.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest

from insightdesk.metrics import compute, list_kpis
from insightdesk.metrics.calendar import BusinessCalendar, calendar_table
from insightdesk.store import open_store

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "metrics.py"
SINCE, UNTIL = dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)
# What the bundled sample holds: SLA targets, self-service and bot conversations are absent.
EMPTY_ON_SAMPLE = {
    "sla_response_attainment",
    "sla_resolution_attainment",
    "sla_breaches",
    "backlog",
    "backlog_age_median",
    "backlog_aged_share",
    "self_service_deflection",
    "bot_containment",
}


@pytest.fixture(scope="module")
def sample(sample_db, tmp_path_factory):
    """A copy of the session's sample store (the checks register temporary tables on it)."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    shutil.copyfile(sample_db, path)
    with open_store(path) as store:
        yield store


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("metrics_benchmark", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_kpi_matches_hand_written_sql_on_the_sample(sample, bench):
    con = sample.duckdb
    con.register("bench_calendar_df", calendar_table(BusinessCalendar()))
    con.execute("CREATE OR REPLACE TEMP TABLE bench_calendar AS SELECT * FROM bench_calendar_df")
    for kpi in list_kpis():
        mine = compute(kpi.name, store=sample, by=["channel"], since=SINCE, until=UNTIL)
        theirs = bench.hand(con, bench.HAND_SQL[kpi.name], SINCE, UNTIL)
        assert bench.agree(mine, theirs), kpi.name
        total = mine.numerator.sum() if kpi.kind == "share" else mine.n.sum()
        assert (total == 0) == (kpi.name in EMPTY_ON_SAMPLE), kpi.name


def test_sample_headline_values(sample):
    nps = compute("nps", store=sample)
    assert nps.n[0] > 500 and -100 <= nps.value[0] <= 100
    assert nps.ci_low[0] < nps.value[0] < nps.ci_high[0]
    esc = compute("escalation_rate", store=sample)
    assert 0 < esc.value[0] < 1  # reassignment events name teams by their source ids
