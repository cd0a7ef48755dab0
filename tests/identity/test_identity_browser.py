"""The identity review page in a real browser: the quickstart's customers resolved, an admin compares a
pair side by side and decides it; the page passes axe's serious and critical checks.

Skips with the reason when /usr/bin/chromium is absent, except under CI, where it must be there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import axe_violations, launched_chromium, login, require_playwright
from tests.support.web_server import LiveServer, live_server

require_playwright()  # skips the module without Chromium (an error under CI)

# Served from the sample with the sample's other servers, so the sample store is built once.
pytestmark = pytest.mark.xdist_group("sample-and-servers")


def _resolve(db: Path) -> None:
    from insightdesk.governance import Actor
    from insightdesk.identity import run_identity
    from insightdesk.store import open_store

    with open_store(db) as store:
        run_identity(store, actor=Actor("cli:tests", "admin", "cli"))


@pytest.fixture(scope="module")
def identity_server() -> LiveServer:
    return live_server("identity", prepare=_resolve, warm_up=False)


@pytest.fixture
def page(identity_server: LiveServer) -> Iterator[object]:
    with launched_chromium() as browser:
        # bypass_csp: axe-core is injected as a script, which the app's CSP rightly forbids.
        context = browser.new_context(
            base_url=identity_server.base_url, viewport={"width": 1280, "height": 900}, bypass_csp=True
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        assert errors == [], errors


def test_an_admin_reviews_a_pair_side_by_side_and_decides(page: object) -> None:
    login(page, "admin")
    page.click("nav >> text=Identity")  # type: ignore[attr-defined]
    page.wait_for_url("**/identity")  # type: ignore[attr-defined]
    total = page.inner_text("[data-testid=identity-total]")  # type: ignore[attr-defined]
    pairs = page.locator("[data-testid=identity-pair]")  # type: ignore[attr-defined]
    assert int(total.split()[0]) >= 1 and pairs.count() >= 1
    first = pairs.first
    pair_id = first.get_attribute("data-pair")
    cells = first.locator("tbody tr").first.locator("td").all_inner_texts()
    assert len(cells) == 2 and all(cells)  # two names, side by side
    assert axe_violations(page) == []
    first.locator("button", has_text="Different people").click()
    page.wait_for_selector("[role=status]")  # type: ignore[attr-defined]
    assert "kept apart" in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    assert page.locator(f"[data-pair='{pair_id}']").count() == 0  # type: ignore[attr-defined]
