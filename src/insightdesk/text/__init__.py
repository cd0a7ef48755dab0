"""Offline text analytics: language, PII redaction, sentiment and themes.

Pure fit/transform modules (`language`, `redact`, `sentiment`, `embed`, `themes`, `pipeline`)
plus two store services (`pipeline_store.analyze_store`, `theme_store`). Heavy imports happen
inside functions, so `import insightdesk.text` is cheap.
"""

from __future__ import annotations

from insightdesk.text.language import UNKNOWN, detect_language, detect_languages
from insightdesk.text.redact import Redaction, Redactor, redact

__all__ = ["UNKNOWN", "Redaction", "Redactor", "detect_language", "detect_languages", "redact"]
