"""The CLI's Rich consoles: results to stdout, messages and progress to stderr.

Both escape control characters in every string they render (table cells, titles, lines, errors):
store data such as a user name or an audit detail holding `\\x1b[31m` or `\\x1b]8;;...` must print
as visible text, never reach the terminal as an escape sequence. Rich's own styling is added after
this step, so colours and tables still work.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

# C0 controls but tab and newline (ESC, BEL, backspace, carriage return...), DEL, and the C1
# controls (U+0080-U+009F, CSI among them), which some terminals obey like their ESC forms; and the
# bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder what a reader
# sees ("Trojan Source") without being terminal controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character but tab and newline, and every bidi override, made visible."""
    return _CONTROL.sub(lambda m: _visible(m.group()), text)


class SafeConsole(Console):
    """A Rich console whose strings are made `printable` before markup is parsed."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(printable(text), **options)


out = SafeConsole()
err = SafeConsole(stderr=True)
