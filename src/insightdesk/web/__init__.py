"""The dashboard's templates, static assets (Vega JS vendored, no CDN) and chart specs."""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
