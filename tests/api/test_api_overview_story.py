"""The overview tells what changed and why (issue 16, item 14): the KPIs that moved most in the
latest complete week, significant ones first, with the metrics engine's numbers; the categories
behind each move; and every number a link to the records it is computed from, whose count is the
n printed beside it. A role that reads no records gets the numbers without links."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.web_server import LiveServer

LINK = re.compile(r'<a href="(/(?:tickets|feedback)\?[^"]*)">([^<]*)</a>')


def _movers(page: str) -> list[tuple[str, str]]:
    """(kpi, its block of HTML) per mover, in page order."""
    blocks = page.split('data-testid="mover" data-kpi="')[1:]
    return [(b.split('"', 1)[0], b.split('data-testid="mover"')[0]) for b in blocks]


@pytest.fixture(scope="module")
def overview(insights_server: LiveServer) -> str:
    with insights_server.client("admin") as c:
        r = c.get("/")
        assert r.status_code == 200
        return r.text


def test_movers_are_the_engines_changes_in_order(overview: str, insights_server: LiveServer) -> None:
    movers = _movers(overview)
    assert 1 <= len(movers) <= 3, movers
    week = re.search(r"What changed in the week of (\d{4}-\d\d-\d\d)", overview)
    assert week, "the story names the week it compares"
    flags = []
    with insights_server.client("admin") as c:
        for kpi, block in movers:
            rows = c.get(f"/api/v1/kpis/{kpi}", params={"grain": "week"}).json()["rows"]
            cell = next(r for r in rows if (r.get("period") or "").startswith(week.group(1)))
            links = [(html.unescape(h), t) for h, t in LINK.findall(block)]
            # The n beside the value is the engine's, and its link lists exactly those records.
            n_link = next(h for h, t in links if t == f"{cell['n']:,}")
            total = c.get("/api/v1" + n_link.replace("?", "?limit=1&", 1)).json()["total"]
            assert total == cell["n"], (kpi, n_link, total, cell["n"])
            assert parse_qs(urlsplit(n_link).query)["since"] == [week.group(1)]
            significant = "not significant" not in block.split("</p>")[0]
            p = float(re.search(r"Holm-adjusted p = ([0-9.]+)", block).group(1))  # type: ignore[union-attr]
            flags.append((not significant, p))
    assert flags == sorted(flags), "significant moves first, then the strongest evidence"


def test_categories_behind_a_move_come_from_the_engine(overview: str, insights_server: LiveServer) -> None:
    checked = 0
    with insights_server.client("admin") as c:
        for kpi, block in _movers(overview):
            behind = re.findall(r'data-testid="behind">(.*?)</li>', block, flags=re.S)
            if not behind:
                continue
            rows = c.get(
                f"/api/v1/compare/{kpi}", params={"by": "category", "against": "previous", "grain": "week"}
            ).json()["rows"]
            for item in behind:
                href, name = LINK.findall(item)[0]
                query = parse_qs(urlsplit(html.unescape(href)).query)
                category, since = query["category"][0], query["since"][0]
                row = next(
                    r for r in rows if r["category"] == category and (r.get("period") or "").startswith(since)
                )
                assert html.unescape(name) == category
                assert f'n = <a href="{href}">{int(row["n"]):,}</a>' in item
                total = c.get("/api/v1" + html.unescape(href).replace("?", "?limit=1&", 1)).json()["total"]
                assert total == row["n"], (kpi, category, total, row["n"])
                checked += 1
    assert checked, "at least one move has the categories behind it"


def test_tiles_link_to_their_records_and_a_viewer_gets_numbers_only(
    overview: str, insights_server: LiveServer
) -> None:
    volume = overview.split('data-kpi="ticket_volume"')[-1].split('class="tile"')[0]
    href, value = LINK.findall(volume)[0]
    with insights_server.client("admin") as c:
        total = c.get("/api/v1" + html.unescape(href).replace("?", "?limit=1&", 1)).json()["total"]
    assert f"{total:,}" == value
    with insights_server.client("viewer") as c:
        page = c.get("/").text
    assert 'data-testid="mover"' in page and not LINK.findall(page)
