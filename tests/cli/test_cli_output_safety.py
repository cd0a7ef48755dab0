"""The CLI's consoles and writers never pass a terminal escape or a spreadsheet formula from data."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

from insightdesk.cli import output
from insightdesk.cli.console import SafeConsole, printable

# Set the window title (OSC 0), clear the screen (CSI 2J, 8-bit CSI), ring the bell, rewrite the line.
HOSTILE = "a\x1b]0;pwned\x07b\x1b[2Jc\x9b2Jd\re\x7f"


def test_printable_escapes_every_control_character_but_tab_and_newline() -> None:
    assert printable(HOSTILE) == "a\\x1b]0;pwned\\x07b\\x1b[2Jc\\x9b2Jd\\x0de\\x7f"
    assert printable("line 1\n\tline 2: café ✓") == "line 1\n\tline 2: café ✓"


def test_printable_shows_bidi_overrides_and_keeps_other_text() -> None:
    # "Trojan Source": a right-to-left override makes `admin` read as something else on screen.
    assert printable("user\u202enimda\u2066x\u2069") == "user\\u202enimda\\u2066x\\u2069"
    assert printable("café – naïve ✓ 日本") == "café – naïve ✓ 日本"


def test_tables_and_lines_print_data_escaped_while_styles_still_work() -> None:
    buf = io.StringIO()
    console = SafeConsole(file=buf, force_terminal=True, color_system="standard", width=200)
    tab = output.table("audit [bold]entries[/]", ["actor", "action"])
    tab.add_row(HOSTILE, output.cell("[link=http://evil.example]x[/link]"))
    console.print(tab)
    console.print(f"[red]error:[/] {HOSTILE}")
    text = buf.getvalue()
    for raw in ("\x1b]0;", "\x07", "\x1b[2J", "\x9b", "\r", "\x7f", "\x1b]8;"):
        assert raw not in text, repr(raw)
    assert "\\x1b]0;pwned" in text and "[link=http://evil.example]x[/link]" in text
    assert "\x1b[1m" in text and "\x1b[31m" in text  # Rich's own bold and red are untouched


def test_write_escapes_on_a_terminal_and_keeps_the_bytes_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, expected in ((Terminal(), printable(HOSTILE) + "\n"), (io.StringIO(), HOSTILE + "\n")):
        monkeypatch.setattr("sys.stdout", stream)
        output.write(HOSTILE)
        assert stream.getvalue() == expected


def test_csv_of_a_frame_neutralises_text_and_keeps_numbers_dates_and_blanks() -> None:
    frame = pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://evil.example")', "-ok", "plain"],
            "n": [-3, 2, 0],
            "x": [0.5, math.nan, -1.25],
            "day": pd.to_datetime(["2026-02-01", None, "2026-03-01"]),
        }
    )
    text = output.csv_frame(frame)
    assert list(csv.reader(io.StringIO(text))) == [
        ["label", "n", "x", "day"],
        ['\'=HYPERLINK("http://evil.example")', "-3", "0.5", "2026-02-01"],
        ["'-ok", "2", "", ""],
        ["plain", "0", "-1.25", "2026-03-01"],
    ]
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())
