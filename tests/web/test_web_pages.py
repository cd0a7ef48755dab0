"""Every page at a phone's and a desktop's width, in one pass: one visit per page and width checks
that nothing is wider than the viewport, that axe-core finds no serious or critical violation, that
every chart is drawn and has a text alternative, and that the console stays clean, and takes the
screenshot docs/screenshots/ keeps (viewport only: small files the README can show).

Also: /docs lists the API's operations with Swagger UI 5 (OpenAPI 3.1), offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    axe_violations,
    launched_chromium,
    login,
    require_playwright,
    save_screenshot,
    wait_for_charts,
)
from tests.support.web_server import LiveServer

require_playwright()  # skips the module without Chromium (an error under CI)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
MAX_SCREENSHOTS_BYTES = 3_000_000


def _first(server: LiveServer, path: str, key: str, field: str) -> str:
    with server.client("admin") as c:
        return str(c.get(path, params={"limit": 1}).json()[key][0][field])


def _pack(server: LiveServer) -> str:
    """A review pack of the sample's last full week (built, or rebuilt, through the API)."""
    with server.client("admin") as c:
        built = c.post("/api/v1/actions/packs", json={"role": "admin", "period_end": "2026-11-30"})
    return f"/packs/{built.json()['pack_id']}"


# (screenshot name, path, or a function of the server that finds one record's page). Every page of the
# navigation (an admin sees them all), one of each detail page, and the login page (signed out).
PAGES: list[tuple[str, str | Callable[[LiveServer], str]]] = [
    ("login", "/login"),
    ("overview", "/"),
    ("trends", "/trends?kpi=csat"),
    ("compare", "/compare?kpi=csat&by=channel"),
    ("tickets", "/tickets"),
    ("ticket", lambda s: f"/tickets/{s.scope['ticket_id']}"),
    ("feedback", "/feedback"),
    ("themes", "/themes"),
    ("theme", lambda s: "/themes/" + _first(s, "/api/v1/themes", "themes", "theme_id")),
    ("painpoints", "/painpoints"),
    (
        "painpoint",
        lambda s: (
            "/painpoints/detail?key=" + _first(s, "/api/v1/insights/painpoints", "items", "painpoint_key")
        ),
    ),
    ("insights", "/insights"),
    ("alerts", "/alerts?status=all"),
    ("surveys", "/surveys"),
    ("packs", "/packs"),
    ("pack", _pack),
    ("changes", "/changes"),
    ("notifications", "/notifications?all=true"),
    ("sources", "/sources"),
    ("upload", "/upload"),
    ("users", "/admin/users"),
    ("audit", "/admin/audit"),
    ("settings", "/admin/settings"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


class Visitor:
    """One tab per width and account (signing in once), collecting the console's errors."""

    def __init__(self, browser: Any, server: LiveServer, width: str, user: str | None) -> None:
        # The app's CSP forbids inline scripts, axe-core's injection included: bypassed in tests only.
        self.context = browser.new_context(
            base_url=server.base_url,
            viewport=WIDTHS[width],
            is_mobile=width == "phone",
            has_touch=width == "phone",
            bypass_csp=True,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        if user:
            login(self.page, user)


@pytest.fixture(scope="module")
def visitors(browser: Any, insights_server: LiveServer) -> Iterator[dict[tuple[str, bool], Visitor]]:
    """(width, signed in) -> its tab, opened on first use."""
    found: dict[tuple[str, bool], Visitor] = {}

    class Tabs(dict[tuple[str, bool], Visitor]):
        def __missing__(self, key: tuple[str, bool]) -> Visitor:
            found[key] = self[key] = Visitor(browser, insights_server, key[0], "admin" if key[1] else None)
            return found[key]

    yield Tabs()
    for v in found.values():
        v.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[n for n, _ in PAGES])
def test_page_fits_passes_axe_and_is_captured(
    name: str,
    path: str | Callable[[LiveServer], str],
    width: str,
    visitors: dict[tuple[str, bool], Visitor],
    insights_server: LiveServer,
) -> None:
    v = visitors[(width, name != "login")]
    page = v.page
    v.errors.clear()
    target = path(insights_server) if callable(path) else path
    response = page.goto(target)
    assert response is not None and response.status == 200, f"{target}: {response and response.status}"
    assert wait_for_charts(page) == [], f"{name}: charts not drawn"
    # Every chart says in words what it shows (its text alternative).
    unlabelled = page.eval_on_selector_all(
        ".chart[data-spec]",
        "els => els.filter(e => e.getAttribute('role') !== 'img' || !(e.getAttribute('aria-label') || '').trim())"
        ".map(e => e.getAttribute('data-spec'))",
    )
    assert unlabelled == [], f"{name}: charts without role=img and an aria-label: {unlabelled}"

    # On a phone the layout viewport grows to fit what overflows (innerWidth with it): compare with
    # the device's width as well.
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = WIDTHS[width]["width"]
    assert scroll <= inner and inner == wide, f"{name} is {scroll}px wide in a {wide}px {width} viewport"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    save_screenshot(page, SCREENSHOTS / f"{name}-{width}.png")

    # Colours are the same at both widths: contrast (axe's slowest rule) is checked once.
    violations = axe_violations(page, skip=("color-contrast",) if width == "phone" else ())
    assert violations == [], f"{name} at {width} width:\n" + "\n".join(violations)
    assert v.errors == [], f"{name}: console errors {v.errors}"


def test_screenshots_stay_small() -> None:
    """After the pass above: the README's pictures must not bloat the repository."""
    shots = sorted(SCREENSHOTS.glob("*.png"))
    assert {p.stem for p in shots} >= {f"{n}-{w}" for n, _ in PAGES for w in WIDTHS}
    total = sum(p.stat().st_size for p in shots)
    assert total < MAX_SCREENSHOTS_BYTES, f"docs/screenshots holds {total:,} bytes"


def test_docs_list_the_operations_without_console_errors(browser: Any, insights_server: LiveServer) -> None:
    context = browser.new_context(base_url=insights_server.base_url, viewport=WIDTHS["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    try:
        page.goto("/docs")
        # Swagger UI draws one block per operation once it has read /openapi.json (OpenAPI 3.1).
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() > 30
        assert page.get_by_text("/api/v1/kpis", exact=True).first.is_visible()
        assert page.locator(".swagger-ui .version-stamp, .swagger-ui .info .title").count() >= 1
    finally:
        context.close()
    assert errors == [], errors
