"""Regulatory-complaint cases in a real browser (Debian's Chromium) at a phone's width: the admin (the
regime's role) sees a case received three days ago with its breached acknowledgement, opens it and
records the deadline met (late); an analyst sees no case and a 404 by id; the pages fit the width and
pass axe's serious and critical checks.

Skips with the reason when /usr/bin/chromium is absent, except under CI, where it must be there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from insightdesk.store import open_store
from tests.actions.case_seed import add_case
from tests.support.browser import axe_violations, launched_chromium, login, require_playwright
from tests.support.web_server import LiveServer, live_server

require_playwright()  # skips the module without Chromium (an error under CI)

pytestmark = pytest.mark.xdist_group("sample-and-servers")
PHONE = {"width": 390, "height": 844}
CASE = "task-fca-browser"


def _add_case(db: Path) -> None:
    with open_store(str(db)) as store:
        add_case(store, CASE)


@pytest.fixture(scope="module")
def cases_server() -> LiveServer:
    return live_server("cases", warm_up=False, prepare=_add_case)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _phone(browser: Any, server: LiveServer, user: str) -> Any:
    # bypass_csp: axe-core is injected as a script, which the app's CSP rightly forbids.
    context = browser.new_context(base_url=server.base_url, viewport=PHONE, is_mobile=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    login(page, user)
    return page


def _fits_and_passes_axe(page: Any, where: str) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], where
    assert axe_violations(page) == [], where


def test_cases_page_at_phone_width(browser, cases_server):
    admin = _phone(browser, cases_server, "admin")
    admin.goto("/cases")
    rows = admin.locator("[data-testid=cases] tbody tr")
    assert rows.count() == 1 and "acknowledgement" in rows.first.inner_text()
    assert "breached" in rows.first.inner_text()
    _fits_and_passes_axe(admin, "/cases")
    rows.first.locator("a").click()
    admin.wait_for_url(f"**/cases/{CASE}")
    clocks = admin.locator("[data-testid=case-clocks] tbody tr").all_inner_texts()
    assert [c.split()[0] for c in clocks][-1] == "final_response" and len(clocks) == 3
    _fits_and_passes_axe(admin, "a case")
    admin.locator("[data-testid=case-clocks] tbody tr").first.locator("button").click()
    assert "acknowledgement: stopped, met_late." in admin.inner_text("[data-testid=case-message]")

    analyst = _phone(browser, cases_server, "analyst")
    analyst.goto("/cases")
    assert "No open case your role may see" in analyst.inner_text("[data-testid=cases]")
    assert analyst.goto(f"/cases/{CASE}").status == 404
    for page in (admin, analyst):
        assert page.errors == [], page.errors
        page.context.close()
