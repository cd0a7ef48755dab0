"""The upload page in a real browser (issue 16, item 7): a 10,000-row file sent with a progress bar,
the server's phases followed until the result, the kind detected from the columns and said so,
accepted and rejected counts, each rejection's line, field and reason, and the rejected rows
downloaded as a CSV. Its own server: the rows it loads must not move other tests' numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import axe_violations, launched_chromium, login, require_playwright
from tests.support.web_server import LiveServer, live_server

require_playwright()  # skips the module without Chromium (an error under CI)

ROWS = 10_000
BAD_EVERY = 1_000  # every 1,000th ticket has a channel outside the vocabulary


def _tickets_csv() -> bytes:
    lines = ["id,type,channel,subject,status,priority,created_at"]
    for i in range(ROWS):
        channel = "pigeon" if i % BAD_EVERY == 7 else "email"
        lines.append(
            f"UP-{i:05d},incident,{channel},Upload test {i},open,low,2020-04-{1 + i % 28:02d}T09:00:00Z"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def upload_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server: LiveServer = live_server("upload-page", warm_up=False)
    with launched_chromium() as browser:
        context = browser.new_context(
            base_url=server.base_url,
            viewport={"width": 1280, "height": 800},
            bypass_csp=True,
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, "admin")
        yield page
        assert errors == [], errors


def test_a_large_upload_shows_progress_detected_kind_and_its_rejections(upload_page: Any) -> None:
    page = upload_page
    page.goto("/upload")
    assert page.eval_on_selector("[data-testid=kind]", "s => s.value") == "auto"
    page.set_input_files(
        "input[name=file]", {"name": "tickets.csv", "mimeType": "text/csv", "buffer": _tickets_csv()}
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("[data-testid=upload-result]")

    phases = page.evaluate("document.body.getAttribute('data-upload-phases')").split(",")
    # The browser's own bar, then what the server said it was doing, ending with the result.
    assert phases[0] == "sending" and phases[-1] == "done", phases
    assert {"read + validate", "validate", "merge", "queued", "receiving"} & set(phases), phases
    assert page.evaluate("document.body.getAttribute('data-upload-sent')") == "100"

    kind = page.inner_text("[data-testid=upload-kind]")
    assert "tickets" in kind and "detected from the columns" in kind, kind
    rejected = ROWS // BAD_EVERY
    assert page.inner_text("[data-testid=accepted]") == f"{ROWS - rejected:,}"
    assert page.inner_text("[data-testid=rejected]") == f"{rejected}"
    cells = page.eval_on_selector_all(
        "[data-testid=rejections] tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )
    assert len(cells) == rejected
    # Line 9 of the file (header = 1) holds ticket UP-00007, refused for its channel.
    line, record, field, value, reason = cells[0]
    assert (line, record, field, value) == ("9", "UP-00007", "channel", "pigeon") and "channel" in reason

    with page.expect_download() as info:
        page.click("[data-testid=rejected-csv]")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == [f"UP-{i:05d}" for i in range(7, ROWS, BAD_EVERY)]
    assert rows[0]["rejected_line"] == "9" and rows[0]["channel"] == "pigeon"

    assert axe_violations(page) == []
    # The page stays usable: a second upload goes through the same form.
    assert page.eval_on_selector("[data-testid=kind]", "s => s.value") == "auto"
