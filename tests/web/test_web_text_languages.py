"""Language on the text pages in a real browser (issue 17, goal 4): the themes list and a theme's
page show their texts by detected language, languages without a sentiment model marked as such,
and the language filter narrows the figures and the chart."""

from __future__ import annotations

from typing import Any

from tests.support.browser import launched_chromium, login, require_playwright, wait_for_charts
from tests.support.web_server import LiveServer

require_playwright()  # skips the module without Chromium (an error under CI)


def test_an_analyst_breaks_themes_down_by_language(insights_server: LiveServer) -> None:
    with launched_chromium() as browser:
        page: Any = browser.new_page(
            base_url=insights_server.base_url, viewport={"width": 1280, "height": 900}
        )
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            login(page, "analyst")
            page.goto("/themes")
            table = page.locator("table[data-testid=text-languages]")
            english = table.locator("tr[data-language=en]")
            assert english.count() == 1 and "scored" in english.inner_text()
            # The sample holds a German tweet: counted, marked as having no model, never scored.
            german = table.locator("tr[data-language=de]")
            assert german.count() == 1 and "no model" in german.inner_text()
            assert german.locator("td").nth(3).inner_text() == "0"  # with sentiment
            page.select_option("select[data-testid=language-filter]", "en")
            page.click("form[role=search] button[type=submit]")
            page.wait_for_url("**/themes?*language=en*")
            assert "English texts only" in page.inner_text("[data-testid=themes-count]")
            assert wait_for_charts(page) == []
            assert "(English texts)" in page.inner_text("h2.card-title")

            page.locator("table[data-testid=themes] tbody tr a").first.click()
            page.wait_for_url("**/themes/T*")
            assert page.locator("table[data-testid=text-languages] tbody tr").count() >= 1
            page.select_option("select[data-testid=language-filter]", "en")
            page.click("form[aria-label='Language of the texts'] button[type=submit]")
            page.wait_for_url("**language=en*")
            assert "English texts only" in page.inner_text("[data-testid=language-note]")
            assert "English texts" in page.inner_text("[data-testid=chart-summary]")
        finally:
            page.context.close()
    assert errors == [], errors
