"""The dashboard in a real browser: Playwright driving Debian's Chromium against a live server.

Screenshots go to test-artifacts/ (kept by CI as artefacts). Skips with the reason when
/usr/bin/chromium is absent, except under CI, where it must be there (scripts/test.sh installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import launched_chromium, login, require_playwright
from tests.support.web_server import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

require_playwright()  # skips the module without Chromium (an error under CI)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched_chromium() as b:
        yield b


@pytest.fixture
def page(browser: object, server: LiveServer) -> Iterator[object]:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    yield page
    context.close()
    assert errors == [], errors


def shot(page: object, name: str, full_page: bool = False) -> None:
    """A picture of the step in test-artifacts/: the viewport, as a whole tall page costs a second or
    more to encode; a failed chart's picture shows the whole page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]


def wait_chart(page: object, selector: str) -> None:
    try:
        page.wait_for_selector(f"{selector}[data-rendered=true] svg")  # type: ignore[attr-defined]
    except Exception:
        shot(page, "failed-" + selector.strip(".#").replace(" ", "_"), full_page=True)
        raise


def test_analyst_filters_drills_down_from_a_chart_to_a_ticket_and_logs_out(
    page: object, server: LiveServer
) -> None:
    login(page, "analyst")
    wait_chart(page, ".tile[data-kpi=csat] .chart")
    assert page.locator(".tile").count() >= 6  # type: ignore[attr-defined]
    shot(page, "01-overview")
    # A tile's sparkline opens the KPI's trend page.
    page.locator(".tile[data-kpi=fcr] .chart svg .mark-symbol path").last.click(force=True)  # type: ignore[attr-defined]
    page.wait_for_url("**/trends?kpi=fcr**")  # type: ignore[attr-defined]

    page.goto("/trends?kpi=fcr&grain=week")  # type: ignore[attr-defined]
    page.select_option("form.filters select[name=channel]", "chat")  # type: ignore[attr-defined]
    page.locator("form.filters button[type=submit]").last.click()  # type: ignore[attr-defined]
    page.wait_for_url("**channel=chat**")  # type: ignore[attr-defined]
    wait_chart(page, "#trend-chart")
    shot(page, "02-trends-filtered")

    # Drill down: click a point of the trend chart -> the tickets of that week and channel.
    page.locator("#trend-chart svg .mark-symbol path").nth(2).click(force=True)  # type: ignore[attr-defined]
    page.wait_for_url("**/tickets?**")  # type: ignore[attr-defined]
    assert "channel=chat" in page.url and "since=" in page.url  # type: ignore[attr-defined]
    rows = page.locator("table[data-testid=tickets] tbody tr")  # type: ignore[attr-defined]
    assert rows.count() > 0
    shot(page, "03-drilled-tickets")
    rows.first.locator("a").first.click()
    page.wait_for_url("**/tickets/**")  # type: ignore[attr-defined]
    assert page.locator("[data-testid=transcript]").count() == 1  # type: ignore[attr-defined]
    assert "identity hidden" in page.inner_text("[data-testid=customer]")  # type: ignore[attr-defined]
    shot(page, "04-ticket")

    page.goto("/compare?kpi=csat&by=channel")  # type: ignore[attr-defined]
    wait_chart(page, "#compare-chart")
    assert page.locator("[data-testid=significant]").count() >= 1  # type: ignore[attr-defined]
    shot(page, "05-compare")
    # CSAT is a survey KPI: its bars drill into the survey answers of that segment.
    page.locator("#compare-chart svg .mark-rect path").first.click(force=True)  # type: ignore[attr-defined]
    page.wait_for_url("**/feedback?**channel=**")  # type: ignore[attr-defined]
    assert page.locator("table[data-testid=feedback] tbody tr td a").count() > 0  # type: ignore[attr-defined]
    shot(page, "06-compare-drill-feedback")

    page.goto("/compare?kpi=fcr&by=channel")  # type: ignore[attr-defined]
    wait_chart(page, "#compare-chart")
    page.locator("#compare-chart svg .mark-rect path").first.click(force=True)  # type: ignore[attr-defined]
    page.wait_for_url("**/tickets?**channel=**")  # type: ignore[attr-defined]
    assert page.locator("table[data-testid=tickets] tbody tr td a").count() > 0  # type: ignore[attr-defined]

    page.click("header button:has-text('Log out')")  # type: ignore[attr-defined]
    page.wait_for_url("**/login")  # type: ignore[attr-defined]
    page.goto("/")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]


def test_viewer_is_refused_a_verbatim(page: object, server: LiveServer) -> None:
    login(page, "viewer")
    nav = page.inner_text("header nav")  # type: ignore[attr-defined]
    assert "Feedback" not in nav and "Tickets" not in nav and "Audit" not in nav
    response = page.goto(f"/tickets/{server.scope['ticket_id']}?raw=true")  # type: ignore[attr-defined]
    assert response.status == 403
    assert "does not grant" in page.inner_text("[data-testid=error]")  # type: ignore[attr-defined]
    shot(page, "07-viewer-refused")
    assert page.goto("/feedback").status == 403  # type: ignore[attr-defined]


def test_team_lead_sees_identity_and_original_text_is_audited(page: object, server: LiveServer) -> None:
    login(page, "team_lead")
    page.goto(f"/tickets/{server.scope['ticket_id']}")  # type: ignore[attr-defined]
    assert "identity hidden" not in page.inner_text("[data-testid=customer]")  # type: ignore[attr-defined]
    page.click("[data-testid=show-original]")  # type: ignore[attr-defined]
    page.wait_for_url("**raw=true")  # type: ignore[attr-defined]
    assert "audit log" in page.inner_text("main")  # type: ignore[attr-defined]
    shot(page, "08-lead-original-text")


def test_team_lead_works_a_pain_point_and_an_alert(browser: object, insights_server: LiveServer) -> None:
    """Pain points -> one pain point's page (chart, explanation) -> backlog update; insights; alerts."""
    context = browser.new_context(base_url=insights_server.base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, "team_lead")
        page.click("header nav a:has-text('Pain points')")
        page.wait_for_url("**/painpoints")
        rows = page.locator("table[data-testid=painpoints] tbody tr")
        assert rows.count() >= 5
        shot(page, "20-painpoints")
        # The second pain point: tests/api/test_api_insights.py works the first one on the same server.
        rows.nth(1).locator("a").first.click()
        page.wait_for_url("**/painpoints/detail?key=**")
        assert page.locator("table[data-testid=explanation] tbody tr").count() >= 1
        wait_chart(page, ".chart")
        page.select_option("select[name=status]", "under_review")
        page.fill("input[name=note]", "looking into it")
        page.click("form button:has-text('Update')")
        page.wait_for_selector("text=backlog updated")
        assert "under_review" in page.inner_text("[data-testid=backlog-status]")
        assert "team_lead" in page.inner_text("table[data-testid=backlog-history]")
        shot(page, "21-painpoint-updated")

        page.goto("/insights")
        assert "AUC" in page.inner_text("[data-testid=risk-model]")
        assert page.locator("table[data-testid=risk-tickets] tbody tr").count() >= 1
        shot(page, "22-insights")

        page.goto("/alerts?status=all")
        alerts = page.locator("table[data-testid=stored-alerts] tbody tr")
        assert alerts.count() >= 1
        wait_chart(page, "table[data-testid=stored-alerts] .chart")
        shot(page, "23-alerts")
        before = page.locator("button:has-text('Acknowledge')").count()
        page.locator("button:has-text('Acknowledge')").first.click()
        page.wait_for_url("**/alerts")
        page.goto("/alerts?status=all")
        assert page.locator("button:has-text('Acknowledge')").count() == before - 1
    finally:
        context.close()
    assert errors == [], errors
