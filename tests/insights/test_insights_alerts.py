"""Anomaly and threshold alerts: detection on synthetic series, storage on both engines, delivery to
a real loopback HTTP server, and the generator's planted effects found on a small generated desk."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from insightdesk.insights.alerts import (
    AlertError,
    DetectionConfig,
    LogChannel,
    ThresholdRule,
    WebhookChannel,
    list_alerts,
    load_rules,
    run_alerts,
    set_alert_status,
)
from insightdesk.insights.alerts.anomalies import detect
from insightdesk.sample.generate import GeneratedDesk
from insightdesk.store import Store, open_store

WEEKDAY_PROFILE = np.array([1.25, 1.15, 1.1, 1.05, 0.95, 0.45, 0.35])


def _daily_counts(
    rng: np.random.Generator, level: float, days: int = 140
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    periods = pd.date_range("2025-01-06", periods=days, freq="D")
    return periods, rng.poisson(level * WEEKDAY_PROFILE[periods.weekday]).astype(float)


def _count_cells(
    periods: pd.DatetimeIndex, values: np.ndarray, series: str = "kpi:ticket_volume"
) -> pd.DataFrame:
    return pd.DataFrame(
        {"series": series, "segment": "all", "period": periods, "kind": "count", "value": values}
    )


# --- detection on synthetic series -------------------------------------------------------------


def test_spike_in_a_seasonal_daily_series_is_found_and_weekends_are_not() -> None:
    # (seed 1 draws an 83 where Poisson(50) is expected, p = 1e-5: detected, rightly, as a spike)
    rng = np.random.default_rng(5)
    periods, values = _daily_counts(rng, 40)
    at = 100  # a Wednesday: 3x its usual volume
    assert periods[at].weekday() == 2
    values[at] = 3 * 40 * WEEKDAY_PROFILE[2]
    out = detect(_count_cells(periods, values), "day")
    fired = out[out["anomaly"]]
    assert list(fired["period"]) == [periods[at]]
    assert fired["direction"].iloc[0] == "spike"
    row = fired.iloc[0]
    # The baseline is the same weekday's: about 44 on a Wednesday, not the weekly mean of 25.
    assert 35 < row["expected"] < 55 and row["expected_low"] < row["expected"] < row["expected_high"]
    assert row["q_value"] <= 0.05 and row["p_value"] < row["q_value"] + 1e-12
    # Quiet weekends were tested against weekend baselines, not flagged as drops.
    weekends = out[out["period"].dt.weekday >= 5]
    assert weekends["tested"].any() and not weekends["anomaly"].any()


def test_a_holiday_is_not_flagged_and_stays_out_of_the_baseline() -> None:
    rng = np.random.default_rng(2)
    periods, values = _daily_counts(rng, 60)
    holiday = periods[91]  # a Monday
    values[91] = 8.0  # the desk is nearly closed
    cells = _count_cells(periods, values)
    plain = detect(cells, "day")
    assert plain.loc[plain["period"] == holiday, "anomaly"].item()  # without the calendar: a drop
    cfg = DetectionConfig(holidays=(holiday.date(),))
    out = detect(cells, "day", cfg)
    cell = out[out["period"] == holiday].iloc[0]
    assert not cell["anomaly"] and not cell["tested"] and cell["reason"] == "holiday: drops not tested"
    # The next Monday's baseline leaves the holiday out: its median is a normal Monday's.
    next_monday = out[out["period"] == periods[98]].iloc[0]
    assert next_monday["baseline_periods"] == 7 and next_monday["expected"] > 60
    assert not out["anomaly"].any()


def test_low_volume_cells_are_not_tested() -> None:
    periods = pd.date_range("2025-01-06", periods=30, freq="W-MON")
    rng = np.random.default_rng(3)
    n = np.full(30, 12.0)
    k = rng.binomial(12, 0.8, 30).astype(float)
    k[25] = 0.0  # 0 of 12 satisfied: dramatic, but 12 answers are too few
    rates = pd.DataFrame(
        {
            "series": "kpi:csat",
            "segment": "team=Small",
            "period": periods,
            "kind": "proportion",
            "k": k,
            "n": n,
        }
    )
    counts = _count_cells(periods, np.r_[rng.poisson(2, 29), 9].astype(float), "theme:T1")
    out = detect(pd.concat([rates, counts], ignore_index=True), "week")
    small = out[(out["series"] == "kpi:csat") & (out["period"] == periods[25])].iloc[0]
    assert not small["tested"] and small["reason"] == "low volume"
    tiny = out[(out["series"] == "theme:T1") & (out["period"] == periods[29])].iloc[0]
    assert not tiny["tested"] and tiny["reason"] == "low volume"
    assert not out["anomaly"].any()
    # The same collapse with enough answers fires.
    big_k = rng.binomial(300, 0.8, 30).astype(float)
    big_k[25] = 150.0
    big = rates.assign(n=300.0, k=big_k)
    fired = detect(big, "week")
    assert list(fired.loc[fired["anomaly"], "period"]) == [periods[25]]
    assert fired.loc[fired["anomaly"], "direction"].item() == "drop"


def test_benjamini_hochberg_keeps_false_positives_down_on_pure_noise() -> None:
    rng = np.random.default_rng(4)
    periods = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    frames = []
    for i in range(120):
        level = rng.uniform(15, 300)
        frames.append(_count_cells(periods, rng.poisson(level, 60).astype(float), f"s{i}"))
        n = rng.poisson(rng.uniform(40, 400), 60).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "series": f"r{i}",
                    "segment": "all",
                    "period": periods,
                    "kind": "proportion",
                    "n": n,
                    "k": rng.binomial(n.astype(int), rng.uniform(0.5, 0.95)).astype(float),
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "series": f"e{i}",
                    "segment": "all",
                    "period": periods,
                    "kind": "estimate",
                    "value": rng.normal(10, 1, 60),
                    "se": 1.0,
                    "n": 100.0,
                }
            )
        )
    out = detect(pd.concat(frames, ignore_index=True), "week", DetectionConfig(fdr=0.05))
    tested = out[out["tested"]]
    assert len(tested) > 15_000
    raw = int((tested["p_value"] < 0.05).sum())
    assert raw > 100  # what testing each cell alone at 5% would raise
    assert int(out["anomaly"].sum()) <= 3


def test_detection_rejects_misaligned_periods_and_unknown_kinds() -> None:
    cells = _count_cells(pd.date_range("2025-01-07", periods=10, freq="D"), np.ones(10))
    with pytest.raises(ValueError, match="not week starts"):
        detect(cells, "week")  # a Tuesday
    with pytest.raises(ValueError, match="not day starts"):
        detect(cells.assign(period=cells["period"] + pd.Timedelta(hours=1)), "day")
    with pytest.raises(ValueError, match="unknown kind"):
        detect(cells.assign(kind="ratio"), "day")
    with pytest.raises(ValueError, match="fdr"):
        DetectionConfig(fdr=0)


def test_rules_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "rules.yaml"
    good.write_text(
        "holidays: [2025-12-25]\nrules:\n  - {kpi: csat, by: team, below: 0.7, periods: 2, grain: week}\n"
    )
    rules, holidays = load_rules(good)
    assert rules == [ThresholdRule("csat", below=0.7, by="team", periods=2, grain="week")]
    assert holidays == (dt.date(2025, 12, 25),)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {kpi: csat, below: 0.7, colour: red}\n")
    with pytest.raises(AlertError, match=r"unknown key.*colour"):
        load_rules(bad)
    with pytest.raises(AlertError, match="exactly one of"):
        ThresholdRule("csat")
    with pytest.raises(ValueError, match="unknown KPI"):
        ThresholdRule("happiness", below=1)


# --- delivery ---------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"bodies": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/secret-token", handler
    server.shutdown()
    server.server_close()


def test_webhook_posts_json_and_records_failures(receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    channel = WebhookChannel(url, timeout=2, retries=2, backoff=0.01, batch_size=2)
    assert "secret-token" not in channel.name
    alerts = [
        {"alert_id": f"a{i}", "series": "kpi:csat", "segment": "all", "observed": 0.5} for i in range(3)
    ]
    results = channel.deliver(alerts)
    assert [r.ok for r in results] == [True, True, True] and results[0].detail == "HTTP 200"
    assert [len(b["alerts"]) for b in handler.bodies] == [2, 1]  # batches of two
    assert handler.bodies[0]["source"] == "insightdesk" and handler.bodies[1]["alerts"][0]["alert_id"] == "a2"
    handler.status = 503
    failed = channel.deliver(alerts[:1])
    assert not failed[0].ok and failed[0].attempts == 3 and failed[0].detail == "HTTP 503"
    handler.status = 400
    refused = channel.deliver(alerts[:1])
    assert not refused[0].ok and refused[0].attempts == 1  # a client error is not retried
    with pytest.raises(ValueError, match="http"):
        WebhookChannel("ftp://example.org/x")


# --- on a generated desk, stored on both engines ------------------------------------------------


@pytest.fixture
def alerts_desk(generated_desk: Callable[..., GeneratedDesk]) -> GeneratedDesk:
    # Six months at about 4 "Double charge" tickets a week: the planted 5x week stands out.
    return generated_desk(tickets=5000, months=6, seed=11, interactions=False)


def _ingest(store: Store, desk) -> None:
    from insightdesk.ingest import ingest_file
    from insightdesk.sample.generic import GENERIC_KINDS

    for kind in GENERIC_KINDS:
        if kind in desk.files:
            ingest_file(store, desk.files[kind], kind, profile="generic")


def _planted(desk, name: str) -> dict:
    return next(e for e in desk.planted_effects["effects"] if e["name"] == name)


# The whole history is tested: the planted week is mid-period, not among the latest ones.
SCAN = {"kpis": ["ticket_volume", "csat"], "by": ["subcategory", "team"], "themes": False, "recent": None}
CSAT_RULE = ThresholdRule("csat", below=0.70, by="team", periods=2, grain="month", min_n=20)


def test_scan_stores_idempotent_alerts_with_evidence_and_delivers_once(
    store: Store, alerts_desk: GeneratedDesk, receiver: tuple[str, type[_Receiver]]
) -> None:
    desk = alerts_desk
    _ingest(store, desk)
    url, handler = receiver
    channels = [LogChannel(), WebhookChannel(url, backoff=0.01)]
    first = run_alerts(store, "week", rules=[CSAT_RULE], channels=channels, **SCAN)

    # The planted theme spike: "Double charge" tickets in the named ISO week.
    spike = _planted(desk, "theme_spike")
    monday = dt.datetime.fromisocalendar(*map(int, spike["iso_week"].replace("-W", " ").split()), 1)
    alerts = first.alerts
    hit = alerts[
        (alerts["series"] == "kpi:ticket_volume")
        & (alerts["segment"] == f"subcategory={spike['subcategory']}")
        & (alerts["kind"] == "anomaly")
    ]
    assert list(hit["period"]) == [pd.Timestamp(monday)]
    evidence = hit["evidence"].iloc[0]
    assert evidence["p_value"] < 1e-4 and evidence["q_value"] <= first.fdr
    assert evidence["expected_range"][1] < hit["observed"].iloc[0]
    assert (
        evidence["series_tail"][-1]["value"] == hit["observed"].iloc[0] and len(evidence["series_tail"]) > 4
    )
    assert hit["direction"].iloc[0] == "spike"

    # The planted low-CSAT team misses the 70% target for longer than any other team. (Teams that
    # get the hardest tickets miss it now and then too: the planted shift is "all else equal".)
    team = f"team={_planted(desk, 'low_csat_team')['team_name']}"
    missed = alerts[alerts["kind"] == "threshold"]
    months = missed.groupby("segment")["evidence"].agg(lambda e: sum(x["run_length"] for x in e))
    assert months.idxmax() == team and months[team] >= 4
    for evidence in missed["evidence"]:
        assert all(p["ci_high"] < 0.70 and p["n"] >= 20 for p in evidence["periods"])

    # Stored once, delivered once through each channel (the webhook path's token stays out of records).
    assert first.new == len(alerts) > 0 and first.already_known == 0
    assert first.delivered["log"] == {"ok": len(alerts), "failed": 0}
    assert sum(len(b["alerts"]) for b in handler.bodies) == len(alerts)
    assert "secret-token" not in json.dumps(list(alerts["delivered"]))
    assert all(d[channels[1].name]["ok"] for d in alerts["delivered"])

    # A re-run finds the same alerts: no duplicates, statuses kept, nothing sent twice.
    chosen = hit["alert_id"].iloc[0]
    set_alert_status(store, chosen, "acknowledged")
    second = run_alerts(store, "week", rules=[CSAT_RULE], channels=channels, **SCAN)
    assert second.new == 0 and second.already_known == len(alerts)
    assert store.count("alerts") == len(alerts)
    assert second.delivered == {}
    assert sum(len(b["alerts"]) for b in handler.bodies) == len(alerts)
    again = list_alerts(store, ids=[chosen]).iloc[0]
    assert again["status"] == "acknowledged" and again["run_id"] == second.run_id
    runs = store.query_df("SELECT kind, summary FROM insight_runs WHERE kind = 'alerts'")
    assert len(runs) == 2 and json.loads(runs["summary"][0])["cells_tested"] > 0

    # By default a scan tests only the last 4 complete weeks (reading just their baselines' data).
    latest = run_alerts(store, "week", kpis=["ticket_volume"], by=[], themes=False, rules=[], channels=[])
    params = json.loads(
        store.scalar("SELECT params FROM insight_runs WHERE run_id = :r", {"r": latest.run_id})
    )
    since, end = (
        pd.Timestamp(params["since"]),
        pd.Timestamp(store.scalar("SELECT MAX(created_at) FROM tickets")),
    )
    assert since.weekday() == 0 and pd.Timedelta(days=28) <= end - since < pd.Timedelta(days=35)
    assert 0 < latest.cells_tested <= 4

    set_alert_status(store, chosen, "closed")
    assert list(list_alerts(store, status="closed")["alert_id"]) == [chosen]
    assert len(list_alerts(store, status="open")) == len(alerts) - 1
    with pytest.raises(AlertError, match="no alert"):
        set_alert_status(store, "nope", "closed")
    with pytest.raises(AlertError, match="status"):
        set_alert_status(store, chosen, "snoozed")


def test_cli_run_list_ack_close(alerts_desk: GeneratedDesk, tmp_path: Path) -> None:
    from insightdesk.cli import app

    db = str(tmp_path / "cli.duckdb")
    with open_store(db) as store:
        _ingest(store, alerts_desk)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {kpi: csat, by: team, below: 0.7, periods: 2, grain: month, min_n: 20}\n")
    runner = CliRunner()
    ran = runner.invoke(
        app,
        [
            "alerts",
            "run",
            "--db",
            db,
            "--all",
            "--kpi",
            "ticket_volume",
            "--by",
            "subcategory",
            "--rules",
            str(rules),
            "-q",
        ],
    )
    assert ran.exit_code == 0, ran.output
    assert "anomalies" in ran.output and "threshold alerts" in ran.output
    listed = runner.invoke(app, ["alerts", "list", "--db", db, "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert rows and {"evidence", "status", "segment"} <= set(rows[0])
    first = rows[0]["alert_id"]
    acked = runner.invoke(app, ["alerts", "ack", first[:10], "--db", db])
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    closed = runner.invoke(app, ["alerts", "close", first, "--db", db])
    assert closed.exit_code == 0 and "closed" in closed.output
    missing = runner.invoke(app, ["alerts", "close", "zzzz", "--db", db])
    assert missing.exit_code == 2 and "no alert" in missing.output
    bad = runner.invoke(app, ["alerts", "run", "--db", db, "--grain", "fortnight"])
    assert bad.exit_code == 2 and "fortnight" in bad.output
