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
# controls (U+0080-U+009F, CSI among them), which some terminals obey like their ESC forms.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character but tab and newline written as a visible `\\xNN`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SafeConsole(Console):
    """A Rich console whose strings are made `printable` before markup is parsed."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(printable(text), **options)


out = SafeConsole()
err = SafeConsole(stderr=True)
