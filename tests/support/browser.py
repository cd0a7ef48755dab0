"""Driving Debian's Chromium with Playwright: where it is, how it starts, signing in, and axe-core.

Never `playwright install`: the browser is the system's (/usr/bin/chromium, or INSIGHTDESK_CHROMIUM).
"""

from __future__ import annotations

import atexit
import functools
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.web_server import PASSWORD

CHROMIUM = os.environ.get("INSIGHTDESK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",  # screenshots and widths without a scrollbar's pixels
]
AXE = Path(__file__).with_name("axe.min.js")  # axe-core, MPL-2.0 (scripts/vendor_npm.py, NOTICE)
# WCAG 2.1 A and AA rules plus axe's best practices (landmarks, headings, region).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def require_playwright() -> Any:
    """Playwright's sync API, once Chromium is known to be there.

    Call at module level: without /usr/bin/chromium the module skips with the reason, except under CI,
    where a missing browser is an error (a silently skipped browser suite proves nothing).
    """
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"browser tests need {CHROMIUM} in CI: apt-get install -y chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")


def expect(target: Any) -> Any:
    """Playwright's retrying assertions: `expect(page.locator(...)).to_contain_text(...)`.

    A click on a form's button returns once the answer starts to arrive, before its page is parsed,
    so a read that does not wait (`count`, `all_inner_texts`, `is_visible`) can see half a page.
    """
    return require_playwright().expect(target)


_SHARED: dict[str, Any] = {}


def _shared_chromium() -> Any:
    """This process's Chromium, started on first use and closed at exit. Starting Playwright's driver
    and the browser costs about 2 s, once per test module before; contexts keep modules apart."""
    if "browser" not in _SHARED:
        sync_api = require_playwright()
        playwright = sync_api.sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        atexit.register(_close_shared)
    return _SHARED["browser"]


def _close_shared() -> None:
    try:
        _SHARED.pop("browser").close()
        _SHARED.pop("playwright").stop()
    except Exception:  # at exit the driver may be gone already: its closed pipe ends it anyway
        pass


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """The headless Chromium for one module's tests (as a fixture: `with launched_chromium() as b:
    yield b`): the process's shared browser; the contexts the module opened are closed after it.

    While Playwright's sync API is started, the main thread looks as if an asyncio loop ran in it
    (Playwright marks it so between calls): every module must use this browser, not its own
    `sync_playwright()`, which would refuse to start.
    """
    require_playwright()
    browser = _shared_chromium()
    before = set(browser.contexts)
    try:
        yield browser
    finally:
        for context in browser.contexts:
            if context not in before:
                context.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def signed_in_page(
    browser: Any, base_url: str, user: str, viewport: dict[str, int] | None = None, **options: Any
) -> Any:
    """A new page of `user`, signed in, at desktop width or `viewport` (as a phone); uncaught page
    errors collect in `page.errors`; `options` are more browser-context options (accept_downloads...).
    bypass_csp: axe-core is injected as a script, which the app's CSP rightly forbids."""
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport or DESKTOP,
        is_mobile=viewport is not None,
        bypass_csp=True,
        **options,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    login(page, user)
    return page


def fits_phone_and_passes_axe(page: Any, where: str) -> None:
    """No horizontal scrolling at a phone's width, and no serious or critical axe violation."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], where
    assert axe_violations(page) == [], where


def login(page: Any, user: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert user in page.inner_text("[data-testid=whoami]")


def wait_for_charts(page: Any) -> list[str]:
    """Wait until every chart on the page is drawn or has failed; the ids of those that failed."""
    page.wait_for_function(
        "[...document.querySelectorAll('.chart[data-spec]')].every(e => e.hasAttribute('data-rendered'))"
    )
    failed: list[str] = page.eval_on_selector_all(
        ".chart[data-rendered=error]", "els => els.map(e => e.getAttribute('data-spec'))"
    )
    return failed


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical"), skip: tuple[str, ...] = ()
) -> list[str]:
    """axe-core's violations of the given impacts, one line each: rule, impact, the first nodes.
    `skip`: rules not to run (e.g. `color-contrast`, the slow one, where a second width adds nothing).

    The context must be created with `bypass_csp=True`: the app's CSP forbids the injected script.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    found = page.evaluate(
        "([tags, skip]) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " rules: Object.fromEntries(skip.map(r => [r, {enabled: false}])), resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        [AXE_TAGS, list(skip)],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found if v["impact"] in impacts
    ]


def save_screenshot(page: Any, path: Path) -> int:
    """The viewport as a 256-colour PNG (a third of Chromium's size, sharp enough for text); bytes
    written, 0 where `path` already holds the same pixels: the smallest encoding (optimize) costs
    about 0.3 s a picture, and most runs change none."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    small = shot.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    if path.exists():
        with Image.open(path) as old:
            if old.size == small.size and old.convert("RGB").tobytes() == small.convert("RGB").tobytes():
                return 0
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    path.write_bytes(out.getvalue())
    return len(out.getvalue())
