"""The same KPI definitions on Spark (PySpark local mode) give DuckDB's results.

Skips with the reason when pyspark or Java is missing (install the `[spark]` extra to run it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pandas as pd
import pytest

from insightdesk.metrics import compute, list_kpis
from insightdesk.metrics.tables import CANONICAL
from tests.support.spark import IN_SPARK_GROUP
from tests.support.stores import SMALL_DESK, load_small_desk

pytestmark = [
    pytest.mark.slow,
    IN_SPARK_GROUP,  # the process's one Spark session (tests/conftest.py), shared with identity
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (pip install '.[spark]')"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on PATH (Spark needs Java 17)"),
]
UNTIL = "2026-03-01"
# One KPI of every kind and fact shape keeps this module short; INSIGHTDESK_SPARK_FULL=1 runs all of them.
SAMPLE = (
    "csat",
    "nps",
    "ces_mean",
    "fcr",
    "escalation_rate",
    "tier_distribution",
    "ttr_business_median",
    "sla_breaches",
    "backlog",
    "self_service_deflection",
    "handle_time",
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory, loaded_stores, spark_session):
    from insightdesk.metrics.spark import spark_backend

    root = tmp_path_factory.mktemp("spark")
    duck = loaded_stores.shared(SMALL_DESK, "duckdb", load_small_desk)
    lake = root / "lake"  # the layout docs/scale.md describes: one Parquet folder per table
    for table in CANONICAL:
        (lake / table).mkdir(parents=True)
        duck.duckdb.execute(f"COPY {table} TO '{lake / table / 'part-0.parquet'}' (FORMAT parquet)")
    return duck, spark_backend(spark_session, parquet_root=str(lake))


def test_kpis_on_spark_match_duckdb(stores):
    duck, spark = stores
    full = os.environ.get("INSIGHTDESK_SPARK_FULL") == "1"
    for kpi in list_kpis():
        if not full and kpi.name not in SAMPLE:
            continue
        a = compute(kpi.name, store=duck, until=UNTIL)
        b = compute(kpi.name, store=spark, until=UNTIL)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, obj=kpi.name)


def test_cut_by_joined_dimensions_and_month_on_spark(stores):
    duck, spark = stores
    for name in ("nps", "backlog"):
        cut = dict(by=["channel", "customer_tier"], grain="month", until=UNTIL)
        pd.testing.assert_frame_equal(
            compute(name, store=duck, **cut), compute(name, store=spark, **cut), rtol=1e-9
        )
