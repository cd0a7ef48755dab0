"""Compiled KPI facts are shared by the stores of one process only where their tables have the same
columns; a shared fact gives the numbers a fresh compile gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from insightdesk.metrics import MetricsConfig, compute, plan
from insightdesk.metrics.execute import SHARED_FACTS, clear_cache
from insightdesk.metrics.fact_sql import schema_fingerprint
from insightdesk.store import open_store
from tests.support.stores import SMALL_DESK, LoadedStores, load_small_desk

CONFIG = MetricsConfig(as_of=dt.datetime(2026, 7, 1))
# A business-hours KPI (its fact reads the calendar's temporary table), a snapshot KPI (its fact
# embeds the snapshot time), a person KPI (it reads identity_links) and a plain one.
KPIS = ("frt_business_median", "backlog_age_median", "fcr_person", "csat")


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The facts compiled from Ibis expressions from here on."""
    seen: list[str] = []
    real = plan.compile_sql

    def counting(backend: object, expr: object) -> str:
        sql = real(backend, expr)
        seen.append(sql)
        return sql

    monkeypatch.setattr(plan, "compile_sql", counting)
    return seen


def _numbers(url: str) -> list[pd.DataFrame]:
    with open_store(url) as store:
        backend = store.ibis()
        return [compute(kpi, store=backend, by=["channel"], config=CONFIG) for kpi in KPIS]


def test_a_second_store_of_the_same_schema_compiles_no_fact_and_counts_the_same(
    engine: str, loaded_stores: LoadedStores, tmp_path: Path, compiles: list[str]
) -> None:
    (tmp_path / "second").mkdir()
    with loaded_stores.copy(SMALL_DESK, engine, load_small_desk, tmp_path) as first:
        before = _numbers(first)  # compiles each fact, unless a store before it in this process did
        compiled_for_first = len(compiles)
        assert SHARED_FACTS
    with loaded_stores.copy(SMALL_DESK, engine, load_small_desk, tmp_path / "second") as second:
        reused = _numbers(second)
        assert len(compiles) == compiled_for_first  # every fact came from the first store's SQL
        with open_store(second) as store:
            backend = store.ibis()
            clear_cache(backend)  # forgets the shared facts too: a fresh compile of each
            assert not SHARED_FACTS
            fresh = [compute(kpi, store=backend, by=["channel"], config=CONFIG) for kpi in KPIS]
    assert len(compiles) == compiled_for_first + len(KPIS)
    for a, b, c in zip(before, reused, fresh, strict=True):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(b, c)


def test_a_store_with_other_columns_compiles_its_own(
    loaded_stores: LoadedStores, tmp_path: Path, compiles: list[str]
) -> None:
    (tmp_path / "b").mkdir()
    with (
        loaded_stores.copy(SMALL_DESK, "duckdb", load_small_desk, tmp_path) as plain,
        loaded_stores.copy(SMALL_DESK, "duckdb", load_small_desk, tmp_path / "b") as changed,
    ):
        with open_store(changed) as store, store.begin() as conn:
            conn.execute(sa.text("ALTER TABLE agents ADD COLUMN shift VARCHAR"))
        _numbers(plain)
        compiled_for_plain = len(compiles)
        with open_store(plain) as one, open_store(changed) as other:
            assert schema_fingerprint(one.ibis()) != schema_fingerprint(other.ibis())
        _numbers(changed)
    assert len(compiles) > compiled_for_plain


def test_a_snapshot_fact_is_not_reused_at_another_snapshot_time(
    loaded_stores: LoadedStores, tmp_path: Path, compiles: list[str]
) -> None:
    with loaded_stores.copy(SMALL_DESK, "duckdb", load_small_desk, tmp_path) as url, open_store(url) as store:
        backend = store.ibis()
        compute("backlog_age_median", store=backend, config=CONFIG)
        compiled = len(compiles)
        later = MetricsConfig(as_of=dt.datetime(2026, 8, 1))
        compute("backlog_age_median", store=backend, config=later)
        assert len(compiles) == compiled + 1
