"""Retention: a purge empties expired free text and anonymises expired identities, and the KPIs of
closed periods are the same before and after it (computed by the metrics engine, both engines)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy.retention import (
    RetentionError,
    purge,
    set_policy,
    unlisted_free_text_tables,
)
from insightdesk.metrics import compute
from insightdesk.store import open_store
from insightdesk.store.tables.privacy import legal_holds
from tests.support.stores import SMALL_DESK, load_small_desk

CLOSED = dt.datetime(2026, 6, 1)
# KPIs that read customers (repeat contact, tiers), tickets' lifecycle and survey answers.
KPIS = (
    ("csat", ["customer_tier"]),
    ("nps", []),
    ("ces_mean", ["customer_segment"]),
    ("fcr", []),
    ("repeat_contact_rate", []),
    ("reopen_rate", []),
    ("ttr_median", ["channel"]),
    ("ticket_volume", ["customer_region"]),
)


@pytest.fixture
def small_url(engine, loaded_stores, tmp_path):
    with loaded_stores.copy(SMALL_DESK, engine, load_small_desk, tmp_path) as url:
        yield url


def _kpis(store) -> dict[str, pd.DataFrame]:
    return {
        kpi: compute(kpi, store=store, by=by, grain="month", until=CLOSED, rollups=False).reset_index(
            drop=True
        )
        for kpi, by in KPIS
    }


def _texts(store) -> int:
    return int(
        store.scalar(
            "select (select count(*) from feedback where comment is not null) + "
            "(select count(*) from tickets where subject is not null or description is not null)"
        )
    )


def test_purge_keeps_closed_period_kpis_and_a_dry_run_changes_nothing(small_url):
    with open_store(small_url) as store:
        before = _kpis(store)
        customer = store.scalar("select min(id) from customers")
        with store.begin() as conn:
            set_policy(conn, "free_text", "*", 30, "alice")
            set_policy(conn, "identity", "*", 90, "alice")
            conn.execute(
                legal_holds.insert().values(
                    hold_id="h1", customer_id=customer, reason="case 7", placed_by="legal", placed_at=utcnow()
                )
            )
        texts = _texts(store)
        assert texts > 0
        dry = purge(store.engine, "alice", dry_run=True)
        assert dry.counts["identity:*"]["customers"] == 3
        assert (
            _texts(store) == texts
            and store.scalar("select count(*) from customers where id like 'erased:%'") == 0
        )
        report = purge(store.engine, "alice")
        after = _kpis(store)
        anonymous = store.scalar("select count(*) from customers where id like 'erased:%'")
        kept = store.scalar("select count(*) from customers where id = :c", {"c": customer})
        runs = store.scalar("select count(*) from retention_runs")
        assert _texts(store) == 0
    assert (report.held, anonymous, kept, runs) == (1, 2, 1, 2)
    for kpi, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[kpi], check_exact=False, rtol=1e-9, obj=kpi)


@pytest.mark.parametrize("engine", ["duckdb"])
def test_bad_policies_are_refused_and_every_free_text_table_ages(small_url):
    assert unlisted_free_text_tables() == []
    with open_store(small_url) as store, store.begin() as conn:
        with pytest.raises(RetentionError, match="cannot expire"):
            set_policy(conn, "scores", "*", 30, "alice")
        with pytest.raises(RetentionError, match="outside 1 to 36500"):
            set_policy(conn, "free_text", "EU", 0, "alice")
        set_policy(conn, "free_text", "EU", 365, "alice")
        set_policy(conn, "free_text", "EU", 100, "alice")  # replaces, not adds
        assert conn.execute(sa.text("select keep_days from retention_policies")).scalars().all() == [100]
