"""Daily KPI roll-ups answer what they cover with the live engine's numbers, and nothing else.

Every comparison runs the same request twice, `rollups=False` (live, from the facts) and with the
roll-ups, and asserts equal frames: values, intervals, n, flags and extras.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.metrics import MetricsConfig, compute, compute_many, list_kpis, overview
from insightdesk.metrics import rollup as rollup_module
from insightdesk.metrics.rollup import build_rollups, drop_rollups, rollup_status, rollups_current
from insightdesk.store import Store, open_store
from tests.support.stores import SMALL_DESK, LoadedStores, load_small_desk

UNTIL = "2026-03-01"
REQUESTS = (
    {},
    {"by": ["channel"], "grain": "month"},
    {"by": ["team"], "grain": "day"},
    {"where": {"channel": "email"}, "grain": "week"},
    {"by": ["customer_tier"], "where": {"priority": ["high", "low"]}},
    {"since": "2026-01-01", "until": UNTIL},
    {"by": ["agent", "region"], "since": "2026-01-05"},
)
LIVE_ALWAYS = {  # snapshots, and facts that depend on the snapshot time (open tickets' SLA clocks)
    "backlog",
    "backlog_age_median",
    "backlog_aged_share",
    "sla_response_attainment",
    "sla_resolution_attainment",
    "sla_breaches",
}


def assert_same(live: pd.DataFrame, rolled: pd.DataFrame, context: str) -> None:
    assert rolled.attrs["source"] == "rollup", context
    pd.testing.assert_frame_equal(
        live.reset_index(drop=True),
        rolled.reset_index(drop=True),
        check_dtype=False,
        rtol=1e-9,
        atol=1e-9,
        obj=context,
    )


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def rolled_desk(
    request: pytest.FixtureRequest, loaded_stores: LoadedStores, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, list[Any]]]:
    """A copy of the hand-built desk on each engine with every roll-up built, and what the build
    returned: built once for the tests that only read them, not once per test."""
    if request.param == "postgres":
        request.getfixturevalue("pg_template")  # skips, or fails under INSIGHTDESK_REQUIRE_POSTGRES
    folder = tmp_path_factory.mktemp("rolled")
    with (
        loaded_stores.copy(SMALL_DESK, request.param, load_small_desk, folder) as url,
        open_store(url) as store,
    ):
        yield store, build_rollups(store)


def requests_for(kpi):
    for request in REQUESTS:
        if kpi.snapshot and "grain" in request:
            continue
        if kpi.kind == "share" and "category" in request.get("by", []):
            continue
        yield request


def test_every_kpi_from_the_rollups_equals_live_on_both_engines(rolled_desk):
    store, results = rolled_desk
    live_only = {r.kpi for r in results if r.skipped}
    assert live_only == LIVE_ALWAYS
    assert rollups_current(store)
    for kpi in list_kpis():
        for request in requests_for(kpi):
            live = compute(kpi.name, store=store, rollups=False, **request)
            found = compute(kpi.name, store=store, **request)
            if kpi.name in LIVE_ALWAYS:
                assert found.attrs["source"] == "live"
                continue
            assert_same(live, found, f"{kpi.name} {request}")


def test_overview_and_compute_many_read_the_rollups_together(rolled_desk):
    store, _ = rolled_desk
    names = [k.name for k in list_kpis()]
    live = compute_many(names, store=store, by=["channel"], grain="month", rollups=False)
    batched = compute_many(names, store=store, by=["channel"], grain="month")
    for name in names:
        if name in LIVE_ALWAYS:
            assert batched[name].attrs["source"] == "live"
        else:
            assert_same(live[name], batched[name], name)
    frame = overview(store, by=["channel"], until=UNTIL)
    assert set(frame["kpi"]) == set(names)


def test_one_compiled_rollup_query_serves_any_filters_and_kpis(fresh_desk, monkeypatch):
    """A dashboard's first visit of a new filter combination runs a query, it does not compile one."""
    from insightdesk.metrics import rollup_read

    kpis = ["csat", "fcr", "frt_median", "ces_mean"]
    build_rollups(fresh_desk, kpis=kpis)  # only the KPIs read here
    compiled: list[str] = []
    real_compile = rollup_read.compile_sql

    def counting_compile(backend, expr):
        compiled.append("x")
        return real_compile(backend, expr)

    monkeypatch.setattr(rollup_read, "compile_sql", counting_compile)
    combinations = (
        {},
        {"channel": "email"},
        {"channel": "chat", "priority": "high"},
        {"customer_tier": "gold", "channel": "phone", "team": "Team 1"},
        {"priority": 'it\'s "quoted"'},  # no such value: empty cells, and quotes stay data
    )
    for i, where in enumerate(combinations):
        names = kpis[: 2 + i % 3]
        live = compute_many(names, store=fresh_desk, grain="week", where=where, rollups=False)
        found = compute_many(names, store=fresh_desk, grain="week", where=where)
        for name in names:
            assert_same(live[name], found[name], f"{name} {where}")
    assert len(compiled) == 1, "every later filter combination and KPI list reused the first query"


def test_requests_the_rollup_does_not_cover_are_computed_live(fresh_desk):
    build_rollups(fresh_desk, kpis=["csat"])  # only the KPI read here
    import ibis

    uncovered = (
        {"since": "2026-01-05 12:00"},  # not a whole day
        {"where": ibis._.channel == "email"},  # an expression filter
        {"by": ["cohort_month"]},  # cohorts move with every new customer
    )
    for request in uncovered:
        found = compute("csat", store=fresh_desk, **request)
        assert found.attrs["source"] == "live", request
    # A roll-up kept by channel alone does not answer a cut by team.
    build_rollups(fresh_desk, kpis=["csat"], dimsets=[("channel",)])
    assert compute("csat", store=fresh_desk, by=["team"]).attrs["source"] == "live"
    assert compute("csat", store=fresh_desk, by=["channel"]).attrs["source"] == "rollup"


def test_a_rollup_the_data_moved_past_is_never_used(desk_file):
    with open_store(desk_file) as store:
        build_rollups(store, kpis=["ticket_volume"])  # only the KPI this test reads
        before = compute("ticket_volume", store=store)
        assert before.attrs["source"] == "rollup"
        store.duckdb.execute(
            "INSERT INTO tickets SELECT * REPLACE ('extra:' || id AS id) FROM tickets WHERE status != 'cancelled'"
        )
        store.changed()  # what ingestion does after a commit
        after = compute("ticket_volume", store=store)
        assert after.attrs["source"] == "live"
        assert after["value"].iloc[0] == 2 * before["value"].iloc[0]
        states = {s["kpi"]: s["state"] for s in rollup_status(store)}
        assert states["ticket_volume"] == "stale: the data changed"
        build_rollups(store, kpis=["ticket_volume"])
        again = compute("ticket_volume", store=store)
        assert again.attrs["source"] == "rollup"
        assert again["value"].iloc[0] == after["value"].iloc[0]


def test_changed_settings_make_the_rollup_stale(rolled_desk):
    store, _ = rolled_desk
    other = MetricsConfig(repeat_days=1)
    found = compute("repeat_contact_rate", store=store, config=other)
    assert found.attrs["source"] == "live"
    assert compute("repeat_contact_rate", store=store).attrs["source"] == "rollup"


def _rollup_rows(store: Store) -> pd.DataFrame:
    """Every roll-up row, ordered by every column: rows tied on a few columns may come back in
    either order on PostgreSQL."""
    columns = len(store.query_df("SELECT * FROM kpi_rollups LIMIT 0").columns)
    return store.query_df(f"SELECT * FROM kpi_rollups ORDER BY {', '.join(map(str, range(1, columns + 1)))}")


def test_a_failed_build_leaves_the_previous_rollups(rolled_desk, monkeypatch):
    store, _ = rolled_desk
    kept = _rollup_rows(store)
    real = rollup_module.build_one
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(rollup_module, "build_one", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        build_rollups(store)
    now = _rollup_rows(store)
    pd.testing.assert_frame_equal(kept, now)
    assert "kpi_rollups_next" not in store.ibis().list_tables()
    assert rollups_current(store)


def test_binned_medians_stay_within_half_the_bin_and_say_so(desk_file):
    with open_store(desk_file) as store:
        build_rollups(store, kpis=["ttr_median", "frt_median"], median_resolution=0.01)
        for name in ("ttr_median", "frt_median"):
            live = compute(name, store=store, by=["channel"], rollups=False)
            binned = compute(name, store=store, by=["channel"])
            assert binned.attrs["source"] == "rollup"
            assert binned["method"].iloc[0].endswith("(values binned to 1.0%)")
            for col in ("value", "ci_low", "ci_high"):
                a, b = live[col].to_numpy(float), binned[col].to_numpy(float)
                ok = (abs(a - b) <= 0.005 * abs(a) + 1e-12) | (pd.isna(a) & pd.isna(b))
                assert ok.all(), (name, col, a, b)
            assert (live["n"] == binned["n"]).all()


def test_cli_builds_reports_and_drops_rollups(desk_file):
    db = str(desk_file)
    runner = CliRunner()
    built = runner.invoke(app, ["metrics", "rollup", "build", "--db", db])
    assert built.exit_code == 0, built.output
    assert "live: a snapshot at one instant" in built.output
    status = runner.invoke(app, ["metrics", "rollup", "status", "--db", db])
    assert status.exit_code == 0 and "current" in status.output
    bad = runner.invoke(
        app, ["metrics", "rollup", "build", "--dims", "channel,shoe_size", "--db", db]
    )  # a refused option is a usage error (2)
    assert bad.exit_code == 2 and "shoe_size" in bad.output
    dropped = runner.invoke(app, ["metrics", "rollup", "drop", "--db", db])
    assert dropped.exit_code == 0 and "dropped" in dropped.output
    with open_store(db) as store:
        assert store.count("kpi_rollups") == 0
        assert compute("csat", store=store).attrs["source"] == "live"


def test_server_state_builds_rollups_for_a_small_store(desk_file):
    from insightdesk.api.state import AppState, ServerSettings

    with open_store(desk_file) as store:
        state = AppState(store, ServerSettings(warm_up=False))
        thread = state.refresh_rollups(wait=True)
        assert thread is not None
        assert rollups_current(store)
        # Nothing changed: a second request finds them current and builds nothing.
        built_at = store.scalar("SELECT max(built_at) FROM kpi_rollup_builds")
        state.refresh_rollups(wait=True)
        assert store.scalar("SELECT max(built_at) FROM kpi_rollup_builds") == built_at
        drop_rollups(store)
        assert compute("csat", store=store).attrs["source"] == "live"


def test_rollup_dims():
    """The store names the roll-up's dimension columns without importing metrics: kept equal here."""
    from insightdesk.metrics.dimensions import CUSTOMER_DIMS, TEAM_DIMS, TICKET_DIMS
    from insightdesk.store.tables.rollups import ROLLUP_DIMS, kpi_rollups

    assert (*TICKET_DIMS, *TEAM_DIMS, *CUSTOMER_DIMS) == ROLLUP_DIMS
    assert set(ROLLUP_DIMS) <= set(kpi_rollups.c.keys())


def test_whole_day_bounds_only():
    from insightdesk.metrics.rollup_read import _whole_day

    assert _whole_day(None)
    assert _whole_day(dt.datetime(2026, 1, 5))
    assert not _whole_day(dt.datetime(2026, 1, 5, 0, 0, 1))


def test_a_served_dashboard_builds_rollups_and_answers_with_the_live_numbers(sample_db):
    from tests.support.web_server import live_server

    server = live_server("rollups", rollups=True)
    deadline = time.monotonic() + 300
    with server.client("analyst") as client:
        while client.get("/api/v1/health").json()["warm_up"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the warm-up did not finish in 5 minutes"
            time.sleep(0.5)
        assert client.get("/api/v1/health").json()["warm_up"] == "done"
        served = client.get("/api/v1/kpis/csat?by=channel&grain=month&region=EMEA")
        assert served.status_code == 200, served.text
        tiles = client.get("/api/v1/overview?channel=chat&region=APAC")
        assert tiles.status_code == 200 and len(tiles.json()["tiles"]) == 8
    with open_store(sample_db, read_only=True) as store:
        live = compute(
            "csat",
            store=store,
            by=["channel"],
            grain="month",
            where={"region": "EMEA"},
            min_n=30,
            rollups=False,
        )
    rows = served.json()["rows"]
    assert len(rows) == len(live) > 0
    for row, (_, expected) in zip(rows, live.iterrows(), strict=True):
        assert row["channel"] == expected["channel"] and row["n"] == expected["n"]
        assert row["value"] == pytest.approx(expected["value"], rel=1e-9)
        assert row["ci_low"] == pytest.approx(expected["ci_low"], rel=1e-9)
