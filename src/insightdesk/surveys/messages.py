"""The invitation's words in the customer's language: email (HTML and plain text) and SMS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from insightdesk.surveys.definition import SurveyDefinition
from insightdesk.surveys.ui_text import ui_words

_TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "email")),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


def _pick(texts: dict[str, str] | None, language: str, fallback: str) -> str:
    texts = texts or {}
    return texts.get(language) or texts.get(fallback) or ""


def render_email(
    definition: SurveyDefinition, language: str, survey_url: str, unsubscribe_url: str
) -> RenderedEmail:
    language = definition.language_for(language)
    fallback = definition.fallback_language
    context = {
        "language": language,
        "subject": _pick(definition.invitation.subject, language, fallback),
        "intro": _pick(definition.invitation.intro, language, fallback),
        "first_question": _pick(definition.questions[0].text, language, fallback),
        "survey_url": survey_url,
        "unsubscribe_url": unsubscribe_url,
        "ui": ui_words(definition.ui, language),
    }
    return RenderedEmail(
        subject=str(context["subject"]),
        text=_TEMPLATES.get_template("invitation.txt").render(context),
        html=_TEMPLATES.get_template("invitation.html").render(context),
        language=language,
    )


def render_sms(definition: SurveyDefinition, language: str, survey_url: str) -> str:
    """One short text: the definition's SMS words (or the subject) and the link."""
    language = definition.language_for(language)
    words = _pick(definition.invitation.sms, language, definition.fallback_language)
    words = words or _pick(definition.invitation.subject, language, definition.fallback_language)
    return f"{words} {survey_url}"
