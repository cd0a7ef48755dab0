"""The response page in Chromium: answered at a phone's width with JavaScript off, and axe-core clean
(WCAG 2.1 A/AA) on a question page, a page with problems, the thanks and the unsubscribe page."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from insightdesk.governance.clock import utcnow
from insightdesk.store import Store, open_store
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.surveys import link_signer, scan_ticket_events
from tests.support.browser import axe_violations, expect, launched_chromium, require_playwright
from tests.surveys.app_server import serving
from tests.surveys.seed import add_customer, add_ticket, publish_example

require_playwright()  # skips the module without Chromium (an error under CI)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def _sent_links(store: Store, customers: list[str]) -> list[str]:
    now = utcnow()
    publish_example(
        store.engine, **{"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}
    )
    for customer in customers:
        add_ticket(
            store.engine,
            f"t-{customer}",
            add_customer(store.engine, customer, language="de"),
            now=now,
            channel="chat",
        )
    scan_ticket_events(store.engine)
    with store.begin() as conn:  # as the sender leaves them (delivery has its own tests)
        conn.execute(
            survey_invitations.update().values(
                status="sent", sent_at=now, expires_at=now + dt.timedelta(days=14)
            )
        )
    signer = link_signer(store.engine)
    ids = store.query_df("select invitation_id from survey_invitations order by customer_id").invitation_id
    return [signer.survey_token(i) for i in ids]


@pytest.fixture
def store(tmp_path: Path, duckdb_template: Path) -> Iterator[Store]:
    """DuckDB only: the page is the same HTML on both engines, and its intake runs on both in
    test_surveys_links."""
    shutil.copyfile(duckdb_template, tmp_path / "store.duckdb")
    with open_store(tmp_path / "store.duckdb") as opened:
        yield opened


def test_answering_on_a_phone_without_javascript_and_axe(browser: Any, store: Store) -> None:
    first, second = _sent_links(store, ["c1", "c2"])
    signer = link_signer(store.engine)
    leave = signer.unsubscribe_token(store.scalar("select min(invitation_id) from survey_invitations"))
    with serving(store) as base:
        plain = browser.new_context(base_url=base, viewport=PHONE, java_script_enabled=False)
        page = plain.new_page()
        page.goto(f"/s/{first}")
        assert page.locator("html").get_attribute("lang") == "de"
        page.get_by_text("2", exact=True).first.click()  # the label: the radio itself is visually hidden
        page.get_by_test_id("submit").click()
        page.get_by_label("Das tut uns leid. Was ist schiefgelaufen?").fill("Es hat zu lange gedauert")
        page.get_by_label("Nein").check()
        page.get_by_test_id("submit").click()
        page.locator("#q-nps label").filter(has_text="7").click()
        page.locator("#q-effort label").filter(has_text="5").click()
        page.get_by_test_id("submit").click()
        assert "Vielen Dank" in page.get_by_test_id("thanks").inner_text()
        plain.close()

        checked = browser.new_context(base_url=base, viewport=PHONE, bypass_csp=True)
        page = checked.new_page()
        for path, submit_empty in (
            (f"/s/{second}", True),
            (f"/s/{first}", False),
            (f"/s/unsubscribe/{leave}", False),
        ):
            page.goto(path)
            if submit_empty:
                page.get_by_test_id("submit").click()
                expect(page.get_by_test_id("problems")).to_be_visible()
            assert axe_violations(page, impacts=("moderate", "serious", "critical")) == [], path
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
        checked.close()
    assert store.scalar("select count(*) from feedback where source_system = 'insightdesk'") == 4
