"""Language as a dimension of the text pages: how many analysed texts each detected language has,
and what the sentiment step did with them.

The language is the one the text pipeline detected (`text_analyses.language`, an ISO 639-1 code or
`unknown`), not the ticket's language field. Sentiment has a model for English only
(`text.sentiment.SUPPORTED_LANGUAGES`): texts detected in another language are stored as
`unsupported_language` with no label, and this breakdown counts them so that a page can say how
many texts were left unscored rather than folding them into English figures. Texts too short or
ambiguous to tell (`unknown`) are scored with the English model and flagged `language_unknown`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.store.tables.text import text_analyses
from insightdesk.text.language import UNKNOWN
from insightdesk.text.sentiment import SUPPORTED_LANGUAGES

# Names for the languages the detector knows (text.language.DEFAULT_LANGUAGES); other codes show as is.
LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ar": "Arabic",
    "hi": "Hindi",
    UNKNOWN: "not determined",
}
# A language filter value: an ISO 639-1/639-3 code or "unknown".
LANGUAGE_PATTERN = r"^(?:[a-z]{2,3}|unknown)$"


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or UNKNOWN, code or UNKNOWN)


def language_note(code: str) -> str:
    """What the sentiment step does with texts of this language, in words."""
    if code == UNKNOWN:
        return "language not determined (too short or ambiguous): scored with the English model"
    if code in SUPPORTED_LANGUAGES:
        return "scored"
    return "no sentiment model for this language: counted, not scored"


def language_condition(language: str | None) -> list[Any]:
    """The WHERE terms that keep one detected language (none for all languages)."""
    return [] if not language else [text_analyses.c.language == language]


def language_breakdown(engine: sa.Engine, theme_id: str | None = None) -> list[dict[str, Any]]:
    """Per detected language (most texts first): texts, their share of all texts counted, texts with
    a sentiment label, texts left unscored for want of a model, the negative share of the scored ones
    and their mean score. Over all analysed texts, or over one theme's."""
    ta = text_analyses
    language = sa.func.coalesce(ta.c.language, UNKNOWN)
    negative = sa.func.sum(sa.case((ta.c.sentiment_label == "negative", 1), else_=0))
    unsupported = sa.func.sum(sa.case((ta.c.sentiment_status == "unsupported_language", 1), else_=0))
    stmt = sa.select(
        language.label("language"),
        sa.func.count().label("texts"),
        sa.func.count(ta.c.sentiment_label).label("scored"),
        unsupported.label("unsupported"),
        negative.label("negative"),
        sa.func.avg(ta.c.sentiment_score).label("sentiment"),
    )
    if theme_id is not None:
        stmt = stmt.where(ta.c.theme_id == theme_id)
    stmt = stmt.group_by(language).order_by(sa.func.count().desc(), language)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    total = sum(int(r["texts"]) for r in rows)
    out = []
    for r in rows:
        code, scored = str(r["language"]), int(r["scored"] or 0)
        out.append(
            {
                "language": code,
                "name": language_name(code),
                "texts": int(r["texts"]),
                "share": int(r["texts"]) / total if total else None,
                "scored": scored,
                "unsupported": int(r["unsupported"] or 0),
                "has_model": code in SUPPORTED_LANGUAGES,
                "negative_share": int(r["negative"] or 0) / scored if scored else None,
                "sentiment": None if r["sentiment"] is None else float(r["sentiment"]),
                "note": language_note(code),
            }
        )
    return out
