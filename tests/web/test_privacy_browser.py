"""The Privacy page in a real browser (Debian's Chromium) over real HTTP on loopback.

Two people with privacy.manage work an erasure through four eyes: the one who filed it is offered
no approval, and a forged approval of their own is refused with the reason; the second approves,
the erasure runs and the request closes. An export downloads the person's ZIP. The page fits a
phone's width and passes axe's serious and critical checks. When the server stops, the erased
person is in no file of the store's folder.

Skips with the reason when /usr/bin/chromium is absent, except under CI, where it must be there.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from insightdesk.governance.users import Actor, create_user
from insightdesk.store import open_store
from tests.governance.privacy import erasure_data as desk
from tests.support.browser import (
    axe_violations,
    expect,
    launched_chromium,
    require_playwright,
    signed_in_page,
)
from tests.support.thread_server import serving_in_thread
from tests.support.web_server import PASSWORD

require_playwright()  # skips the module without Chromium (an error under CI)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def desk_db(duckdb_template: Path, tmp_path: Path) -> Path:
    """The privacy desk (a person to erase, one to keep) with two accounts holding privacy.manage."""
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "desk.duckdb"
    shutil.copyfile(duckdb_template, db)
    exports = tmp_path / "exports"
    exports.mkdir()
    with open_store(str(db)) as store:
        desk.load_desk(store, exports)
        for name in ("dpo1", "dpo2"):
            create_user(store.engine, name, PASSWORD, "admin", actor=Actor("cli:tests", "admin", "cli"))
    return db


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _tab(browser: Any, base: str, user: str, viewport: dict[str, int] | None = None) -> Any:
    page = signed_in_page(browser, base, user, viewport, accept_downloads=True)
    page.click("header nav a:has-text('Privacy')")
    page.wait_for_url("**/privacy")
    return page


def _file(page: Any, kind: str, email: str) -> str:
    form = page.locator("form:has(input[name=action][value=file])")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("select[name=subject_kind]").select_option("email")
    form.locator("input[name=subject]").fill(email)
    form.locator("button[type=submit]").click()
    # A click only starts the POST, and the page it replaces may show an earlier status: wait for this one.
    status = page.locator("[role=status]")
    expect(status).to_have_text(re.compile(rf"^{kind} request req-.*received$"))
    message = status.inner_text()
    assert message.startswith(f"{kind} request req-") and message.endswith("received"), message
    return message.split()[2]


def _row(page: Any, request_id: str) -> Any:
    return page.locator(f"tr:has(td:text-is('{request_id}'))")


def test_four_eyes_erasure_and_an_export_on_the_privacy_page(browser: Any, desk_db: Path) -> None:
    with serving_in_thread(desk_db) as base:
        filer = _tab(browser, base, "dpo1")
        erasure = _file(filer, "erasure", desk.EMAIL)
        _row(filer, erasure).locator("button:has-text('Identity verified')").click()
        expect(filer.locator("[role=status]")).to_contain_text("is verified")
        # Four eyes: no Approve for the one who filed it, and a forged approval is refused.
        assert _row(filer, erasure).locator("button:has-text('Approve')").count() == 0
        filer.evaluate(
            """(id) => { const f = document.createElement('form'); f.method = 'post'; f.action = '/privacy';
                for (const [k, v] of [['csrf_token', document.querySelector('input[name=csrf_token]').value],
                                      ['action', 'approve'], ['request_id', id]]) {
                  const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;
                  f.appendChild(i); }
                document.body.appendChild(f); f.submit(); }""",
            erasure,
        )
        filer.wait_for_selector("[role=alert]")
        assert "cannot approve it" in filer.inner_text("[role=alert]")
        assert _row(filer, erasure).locator("td").nth(3).inner_text() == "verified"

        second = _tab(browser, base, "dpo2")
        _row(second, erasure).locator("button:has-text('Approve')").click()
        expect(second.locator("[role=status]")).to_contain_text("is approved")
        _row(second, erasure).locator("button:has-text('Erase now')").click()
        expect(second.locator("[role=status]")).to_contain_text(f"request {erasure} done")
        done = second.inner_text("[role=status]")
        assert f"request {erasure} done" in done and "rewritten when the server stops" in done
        closed = second.locator("h2:has-text('Closed') + .table-wrap tbody tr").first.inner_text()
        assert erasure in closed and "done" in closed and "dpo2" in closed
        assert desk.NAME not in second.content() and desk.EMAIL not in second.content()

        # An export of the person kept: verified, then downloaded (no approval needed).
        export = _file(second, "export", "kim@example.org")
        _row(second, export).locator("button:has-text('Identity verified')").click()
        with second.expect_download() as download:
            _row(second, export).locator("button:has-text('Download export')").click()
        archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert "manifest.json" in archive.namelist() and "tickets.csv" in archive.namelist()

        # A phone: an open request's row and the form fit its width; axe finds nothing serious.
        _file(second, "erasure", "kim@example.org")
        phone = _tab(browser, base, "dpo1", PHONE)
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        assert axe_violations(phone) == []
        assert filer.errors == second.errors == phone.errors == []
    # The server stopped and rewrote its file: the erased person is in none of the folder's files.
    for path in desk_db.parent.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            assert not [n for n in desk.NEEDLES if n.lower().encode() in data], path.name
