"""The overview's "what changed and why" through the JSON API (issue 16, item 14): the same movers,
numbers and texts as the page, shaped by the one formatting module (`insightdesk.model.display`)."""

from __future__ import annotations

import html
import re

from insightdesk.model import display
from tests.support.web_server import LiveServer


def _blocks(page: str) -> list[tuple[str, str]]:
    """(kpi, its block of HTML) per mover, in page order."""
    blocks = page.split('data-testid="mover" data-kpi="')[1:]
    return [(b.split('"', 1)[0], b.split('data-testid="mover"')[0]) for b in blocks]


def _plain(fragment: str) -> str:
    """The block's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment)))


def test_the_api_and_the_page_tell_the_same_story(insights_server: LiveServer) -> None:
    with insights_server.client("admin") as c:
        page = c.get("/", params={"grain": "week"}, headers={"accept": "text/html"}).text
        got = c.get("/api/v1/overview/movers", params={"grain": "week"})
    assert got.status_code == 200, got.text
    story = got.json()
    blocks = _blocks(page)
    assert [m["name"] for m in story["movers"]] == [kpi for kpi, _ in blocks] and blocks
    assert f"What changed in the week of {story['period']}" in page
    assert story["significant"] == sum(m["significant"] for m in story["movers"])
    for m, (_, block) in zip(story["movers"], blocks, strict=True):
        text = _plain(block)
        # The texts are the display module's, and the page prints exactly them.
        assert m["value_text"] == display.kpi_value(m["value"], m["unit"])
        assert m["difference_text"] == display.kpi_difference(m["difference"], m["unit"])
        assert m["n_text"] == display.count(m["n"])
        sentence = (
            f"{m['title']} {m['direction']}: {m['value_text']} (95% CI {m['ci_text'] or 'none'}, "
            f"n = {m['n_text']}) against {m['reference_text']}"
        )
        assert sentence in text, (sentence, text[:400])
        assert f"the week before: {m['difference_text']}," in text
        assert ("not significant" not in text.split("Behind it")[0]) == m["significant"]
        assert m["link"] and f'href="{html.escape(m["link"])}"' in block
        for b in m["behind"]:
            line = f"{b['category']}: {b['reference_text']} → {b['value_text']} ({b['difference_text']}, n = {b['n_text']}"
            assert line in text, (line, text[:600])


def test_a_viewer_gets_the_numbers_without_links(insights_server: LiveServer) -> None:
    with insights_server.client("viewer") as c:
        story = c.get("/api/v1/overview/movers").json()
        denied = c.get("/api/v1/overview/movers", params={"grain": "fortnight"})
    assert story["movers"], story
    assert all(m["link"] is None and m["reference_link"] is None for m in story["movers"])
    assert all(b["link"] is None for m in story["movers"] for b in m["behind"])
    assert denied.status_code == 422
    with insights_server.client() as anonymous:
        assert anonymous.get("/api/v1/overview/movers").status_code == 401
