"""Numbers that are right and readable (issue 16): effects in percentage points, one trend text for
CLI, API and page, tiles that say why they are empty, partial and low-n periods, units, filters."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.model import display
from tests.support.web_server import LiveServer

PTS = re.compile(r"([+-]\d+(?:\.\d+)?) pts")


def _spec(page: str, spec_id: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{re.escape(spec_id)}">(.*?)</script>', page, re.S
    )
    assert found, f"no chart spec {spec_id}"
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_driver_effects_are_percentage_points_and_the_words_match_the_chart(
    insights_server: LiveServer,
) -> None:
    with insights_server.client("viewer") as c:
        body = c.get("/api/v1/insights/drivers").json()
        page = c.get("/insights").text
    for d in body["outcomes"].values():
        for r in d["drivers"] + d["disparities"]:
            values = [v for v in (r["effect"], r["ci_low"], r["ci_high"]) if v is not None]
            assert all(-100 <= v <= 100 for v in values), r  # a share's effect, in points
            assert r["effect_text"] == display.points(r["effect"]) and r["effect_text"] in r["text"]
    shown = [float(x) for x in PTS.findall(page)]
    assert shown and all(-100 <= x <= 100 for x in shown), max(shown, key=abs)  # not "+2784.6 pts"
    spec = _spec(page, "drivers-spec-low_csat")
    by_driver = {v["driver"]: v for v in spec["data"]["values"]}
    words = re.search(r'data-testid="driver-words-low_csat">(.*?)</ul>', page, re.S)
    assert words, "the page states the largest significant drivers in words"
    for line in re.findall(r"<li>(.*?)</li>", words.group(1)):
        driver, rest = line.split(": ", 1)
        datum = by_driver[driver.replace("&#39;", "'")]
        assert rest.startswith(display.points(datum["effect"])) and datum["effect_text"] in line


def test_a_pain_points_trend_reads_the_same_in_cli_api_and_page(
    insights_server: LiveServer, tmp_path: Path
) -> None:
    with insights_server.client("viewer") as c:
        key = c.get("/api/v1/insights/painpoints", params={"limit": 1}).json()["items"][0]["painpoint_key"]
        detail = c.get(f"/api/v1/insights/painpoints/{key}").json()
        page = c.get(f"/painpoints/{key}")
        listed = c.get("/painpoints").text
    text = detail["trend_text"]
    assert text.startswith(display.change(detail["trend"]) + " tickets"), text  # +117%, not +17%
    assert page.status_code == 200 and f'data-testid="trend">Trend: {text}' in page.text.replace("&gt;", ">")
    assert text in listed.replace("&gt;", ">")
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(insights_server.snapshot, db)
    result = CliRunner().invoke(app, ["painpoints", "show", key, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"trend: {text}" in " ".join(result.output.split())  # Rich wraps long lines


def test_an_empty_tile_says_why_and_latest_is_a_complete_period_inside_the_data(
    insights_server: LiveServer,
) -> None:
    with insights_server.client("viewer") as c:
        empty = c.get("/api/v1/overview", params={"since": "2031-01-01"}).json()
        empty_page = c.get("/", params={"since": "2031-01-01"}).text
        body = c.get("/api/v1/overview").json()
        page = c.get("/").text
    for t in empty["tiles"]:  # a count of nothing is 0; any other KPI has no value and says why
        assert t["value"] == 0 if t["kind"] == "count" else t["no_data"].startswith("no "), t
    assert "No data: no answered CSAT questions with a score in this period." in empty_page
    csat_tile = empty_page.split('data-kpi="csat"', 1)[1].split('<div class="tile"', 1)[0]
    assert "n=0" not in csat_tile and "–" not in csat_tile.split("No data", 1)[0]
    first = pd.Timestamp(body["range"]["first_ticket"]).normalize()
    last = pd.Timestamp(body["range"]["last_ticket"])
    for t in body["tiles"]:
        if t["snapshot"]:
            continue
        assert t["series"] and all("partial" in r and "low_n" in r for r in t["series"])
        assert t["series"][-1]["partial"], t["name"]  # the data's last week is not complete
        if all(r["partial"] for r in t["series"]):  # e.g. the sample's NPS: answered after the window
            assert t["latest_period"] is None and t["change"] is None
            continue
        latest = pd.Timestamp(t["latest_period"])
        assert first <= latest and latest + pd.Timedelta(days=7) <= last, (t["name"], latest)
        assert not next(r for r in t["series"] if r["period"] == t["latest_period"])["partial"]
        if t["change"]:
            assert pd.Timestamp(t["change"]["period"]) <= latest
    assert "852.00" not in page and not re.search(r"n=\d+\.\d", page)
    volume = next(t for t in body["tiles"] if t["name"] == "ticket_volume")
    assert re.fullmatch(r"\d{1,3}(,\d{3})* tickets", volume["value_text"]), volume["value_text"]
    tile = page.split('data-kpi="ticket_volume"', 1)[1]
    assert f'<div class="value">{display.kpi_value(volume["value"], "tickets")} <span' in tile


def test_trend_rows_flag_partial_and_low_n_periods_and_the_chart_draws_them(
    insights_server: LiveServer,
) -> None:
    # NPS: the sample's rolling NPS survey starts small (5 answers in its first week), so its weekly
    # trend has low-n periods as well as complete ones and a partial last week.
    with insights_server.client("viewer") as c:
        rows = c.get("/api/v1/kpis/nps", params={"grain": "week"}).json()["rows"]
        page = c.get("/trends", params={"kpi": "nps", "grain": "week"}).text
    assert any(r["partial"] for r in rows) and any(r["low_n"] for r in rows)
    assert any(not r["partial"] and not r["low_n"] for r in rows)
    spec = _spec(page, "trend-spec")
    status = {v["period"]: v["status"] for v in spec["data"]["values"]}
    for r in rows:
        if r["value"] is not None:
            assert status[r["period"]] == (
                "partial" if r["partial"] else "low n" if r["low_n"] else "complete"
            )
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["transform"] == [{"filter": "datum.status === 'complete'"}]  # no "collapse" drawn
    labels = {v["label"] for v in spec["data"]["values"]}
    assert "partial" in " ".join(labels) and any("n=" in label for label in labels)
    assert 'data-testid="partial"' in page


def test_no_page_shows_a_count_with_decimals(insights_server: LiveServer) -> None:
    pages = ("/", "/trends?kpi=ticket_volume", "/compare?kpi=ticket_volume", "/painpoints", "/insights")
    with insights_server.client("analyst") as c:
        for path in pages:
            text = c.get(path).text
            assert not re.search(r"\d\.\d+\s*(<[^>]+>\s*)*tickets", text), path
            assert not re.search(r"n=\d[\d,]*\.\d", text), path
            assert not re.search(r"<td>\d[\d,]*\.0+</td>", text), path  # n columns of tables


def test_filters_offer_every_value_in_the_store(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        offered = c.get("/api/v1/dimensions").json()["filters"]
    con = duckdb.connect(str(insights_server.snapshot), read_only=True)
    try:

        def distinct(sql: str) -> set[str]:
            return {str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None}

        expected = {
            "channel": distinct(
                "select channel from tickets union select channel from feedback "
                "union select channel from interactions"
            ),
            "language": distinct("select language from tickets union select language from feedback"),
            "team": distinct(
                "select coalesce(m.name, t.team_id) from tickets t left join teams m on m.id = t.team_id"
            ),
            "product": distinct("select product from tickets"),
            "tier": distinct("select tier from customers"),
            "region": distinct("select region from tickets"),
        }
    finally:
        con.close()
    assert "email" in offered["channel"]
    for name, values in expected.items():
        assert set(offered[name]) == values, name
        assert len(offered[name]) == len(values)
