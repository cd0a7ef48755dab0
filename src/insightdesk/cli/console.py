"""The CLI's Rich consoles: results to stdout, messages and progress to stderr."""

from __future__ import annotations

from rich.console import Console

out = Console()
err = Console(stderr=True)
