"""Review packs and configuration changes in a real browser (Debian's Chromium) over a live server
whose mail goes to a real SMTP server on loopback: a held pack says why and offers no sending, the
author of a pack cannot sign it off nor the proposer stage a change, a locked setting refuses a
regional value; the pages fit a phone's width and pass axe's serious and critical checks.

Skips with the reason when /usr/bin/chromium is absent, except under CI, where it must be there.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.browser import (
    PHONE,
    axe_violations,
    expect,
    fits_phone_and_passes_axe,
    launched_chromium,
    require_playwright,
    signed_in_page,
)
from tests.support.web_server import LiveServer, live_server
from tests.surveys.smtp import SmtpServer

require_playwright()  # skips the module without Chromium (an error under CI)

# Served from the sample with the sample's other servers, so the sample store is built once.
pytestmark = pytest.mark.xdist_group("sample-and-servers")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def loop_server(smtp: SmtpServer) -> LiveServer:
    env = {"INSIGHTDESK_SMTP_HOST": "127.0.0.1", "INSIGHTDESK_SMTP_PORT": str(smtp.port),
           "INSIGHTDESK_SMTP_STARTTLS": "false"}  # fmt: skip
    return live_server("loop-control", warm_up=False, env=env)


def _last_full_day(server: LiveServer, tmp_path: Path) -> dt.date:
    """The day after the sample's newest ticket (read from a copy: the server holds its file)."""
    copy = tmp_path / "snapshot.duckdb"
    shutil.copyfile(server.snapshot, copy)
    with duckdb.connect(str(copy), read_only=True) as conn:
        newest = conn.execute("select max(created_at) from tickets").fetchone()[0]  # type: ignore[index]
    return newest.date() + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def test_packs_held_signed_off_by_a_second_person_and_mailed(browser, loop_server, smtp, tmp_path):
    fresh_end = _last_full_day(loop_server, tmp_path)
    analyst = signed_in_page(browser, loop_server.base_url, "analyst")
    analyst.click("nav >> text=Packs")
    analyst.wait_for_url("**/packs")
    form = analyst.locator("[data-testid=pack-build]")
    form.locator("select[name=role]").select_option("viewer")
    form.locator("input[name=period_end]").fill((fresh_end + dt.timedelta(days=60)).isoformat())
    form.locator("button").click()
    analyst.wait_for_url("**/packs/viewer:*")
    held = analyst.inner_text("[data-testid=pack-held]")
    assert "Held by the data-quality gate: stale: newest ticket" in held and "never sent" in held
    assert analyst.locator("[data-testid=pack-send]").count() == 0
    assert axe_violations(analyst) == []

    analyst.goto("/packs")
    form = analyst.locator("[data-testid=pack-build]")
    form.locator("select[name=role]").select_option("analyst")
    form.locator("input[name=period_end]").fill(fresh_end.isoformat())
    form.locator("select[name=require_signoff]").select_option("true")
    form.locator("button").click()
    analyst.wait_for_url("**/packs/analyst:*")
    assert "waits for sign-off by a second person" in analyst.inner_text("[data-testid=pack-awaiting]")
    assert analyst.locator("[data-testid=pack-painpoints] tbody tr").count() >= 1
    pack_url = analyst.url
    analyst.click("button:has-text('Sign off')")
    assert "analyst built it; a second person must sign it off" in analyst.inner_text(
        "[data-testid=pack-error]"
    )

    admin = signed_in_page(browser, loop_server.base_url, "admin")
    admin.goto(pack_url)
    admin.click("button:has-text('Sign off')")
    assert "Signed off by admin" in admin.inner_text("[data-testid=pack-message]")
    admin.fill("[data-testid=pack-send] input[name=recipients]", "lead@desk.example, ops@desk.example")
    admin.click("[data-testid=pack-send] button")
    # The click returns once the answer starts to arrive: wait until its table has been parsed.
    delivery = admin.locator("[data-testid=pack-delivery] tbody tr")
    expect(delivery).to_have_count(2, timeout=30_000)
    outcomes = delivery.all_inner_texts()
    assert len(outcomes) == 2 and all("delivered" in o for o in outcomes), outcomes
    assert len(smtp.mailbox.to("lead@desk.example")) == 1
    assert axe_violations(admin) == []

    phone = signed_in_page(browser, loop_server.base_url, "viewer", PHONE)
    phone.goto("/packs")
    assert phone.locator("[data-testid=packs] tbody tr").count() == 1  # the viewer's audience only
    fits_phone_and_passes_axe(phone, "/packs")
    phone.locator("[data-testid=packs] a").first.click()
    phone.wait_for_url("**/packs/viewer:*")
    fits_phone_and_passes_axe(phone, "a held pack")
    for page in (analyst, admin, phone):
        assert page.errors == [], page.errors
        page.context.close()


def test_change_control_refuses_the_proposer_and_locked_settings(browser, loop_server):
    admin = signed_in_page(browser, loop_server.base_url, "admin")
    admin.click("nav >> text=Changes")
    admin.wait_for_url("**/changes")
    form = admin.locator("[data-testid=change-propose]")
    form.locator("select[name=setting]").select_option("dashboard.min_n")
    form.locator("input[name=value]").fill("40")
    form.locator("button").click()
    assert "a second person stages it" in admin.inner_text("[data-testid=change-message]")
    draft = admin.locator("section[data-testid^=change-]").first
    assert "40" in draft.locator("table tbody tr").first.inner_text()  # in force vs proposed
    draft.locator("button:has-text('Stage')").click()
    assert "admin proposed it; a second person must stage it" in admin.inner_text(
        "[data-testid=change-error]"
    )

    analyst = signed_in_page(browser, loop_server.base_url, "analyst", PHONE)
    analyst.goto("/changes")
    form = analyst.locator("[data-testid=change-propose]")
    form.locator("select[name=setting]").select_option("display.currency")
    form.locator("input[name=value]").fill('"EUR"')
    form.locator("input[name=region]").fill("emea")
    form.locator("button").click()
    assert "locked globally; regions may override only" in analyst.inner_text("[data-testid=change-error]")
    form = analyst.locator("[data-testid=change-propose]")
    form.locator("select[name=setting]").select_option("kpi.targets")
    form.locator("input[name=value]").fill('{"csat": 0.9}')
    form.locator("input[name=region]").fill("emea")
    form.locator("button").click()
    expect(analyst.locator("[data-testid=change-message]")).to_contain_text("a second person stages it")
    assert (
        analyst.locator("section[data-testid^=change-] button:has-text('Stage')").count() == 0
    )  # settings.manage
    fits_phone_and_passes_axe(analyst, "/changes")

    admin.goto("/changes")
    regional = admin.locator("section[data-testid^=change-]", has_text="region emea")
    regional.locator("button:has-text('Stage')").click()
    assert ": staging." in admin.inner_text("[data-testid=change-message]")
    for page in (admin, analyst):
        assert page.errors == [], page.errors
        page.context.close()
