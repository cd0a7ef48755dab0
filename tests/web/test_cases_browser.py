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
from tests.support.browser import (
    PHONE,
    fits_phone_and_passes_axe,
    launched_chromium,
    require_playwright,
    signed_in_page,
)
from tests.support.web_server import LiveServer, live_server

require_playwright()  # skips the module without Chromium (an error under CI)

pytestmark = pytest.mark.xdist_group("sample-and-servers")
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


def test_cases_page_at_phone_width(browser, cases_server):
    admin = signed_in_page(browser, cases_server.base_url, "admin", PHONE)
    admin.goto("/cases")
    rows = admin.locator("[data-testid=cases] tbody tr")
    assert rows.count() == 1 and "acknowledgement" in rows.first.inner_text()
    assert "breached" in rows.first.inner_text()
    fits_phone_and_passes_axe(admin, "/cases")
    rows.first.locator("a").click()
    admin.wait_for_url(f"**/cases/{CASE}")
    clocks = admin.locator("[data-testid=case-clocks] tbody tr").all_inner_texts()
    assert [c.split()[0] for c in clocks][-1] == "final_response" and len(clocks) == 3
    fits_phone_and_passes_axe(admin, "a case")
    admin.locator("[data-testid=case-clocks] tbody tr").first.locator("button").click()
    assert "acknowledgement: stopped, met_late." in admin.inner_text("[data-testid=case-message]")

    analyst = signed_in_page(browser, cases_server.base_url, "analyst", PHONE)
    analyst.goto("/cases")
    assert "No open case your role may see" in analyst.inner_text("[data-testid=cases]")
    assert analyst.goto(f"/cases/{CASE}").status == 404
    for page in (admin, analyst):
        assert page.errors == [], page.errors
        page.context.close()
