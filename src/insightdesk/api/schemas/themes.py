"""Themes: the searchable, sorted, paged list; one theme's page; and the curation requests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number
from insightdesk.api.schemas.metrics import ThemeWeek
from insightdesk.api.schemas.records import TicketRow


class TextLanguage(BaseModel):
    """Analysed texts of one detected language, and what the sentiment step did with them."""

    language: str = Field(
        description="Language the text pipeline detected: ISO 639-1 code, or `unknown` when a text is "
        "too short or ambiguous to tell (not the ticket's language field)."
    )
    name: str = Field(description="The language's name, or `not determined` for `unknown`.")
    texts: int = Field(description="Analysed texts of this language.")
    share: Number | None = Field(description="Share (0-1) of all texts counted here.")
    scored: int = Field(description="Texts with a sentiment label.")
    unsupported: int = Field(
        description="Texts flagged `unsupported_language`: no sentiment model for the language, so "
        "counted here and never scored (as English or otherwise)."
    )
    has_model: bool = Field(description="Whether a sentiment model exists for the language.")
    negative_share: Number | None = Field(description="Share (0-1) of the scored texts that read negative.")
    sentiment: Number | None = Field(description="Mean sentiment score of the scored texts, -1 to 1.")
    note: str = Field(description="What the sentiment step does with texts of this language, in words.")


LANGUAGE_FIELD = Field(
    None, description="The detected language the figures are restricted to (null: every language)."
)


class ThemeSummary(BaseModel):
    theme_id: str
    label: str | None
    keywords: list[str]
    quotes: list[str] = Field(
        description="Representative redacted quotes from texts in the caller's row scope (empty for roles without text)."
    )
    size: int | None = Field(description="Texts in the theme at the last fit or edit.")
    texts: int = Field(description="Analysed texts assigned to the theme now.")
    negative_share: Number | None = Field(description="Share (0-1) of its scored texts that read negative.")
    sentiment: Number | None = Field(description="Mean sentiment score, -1 (negative) to 1 (positive).")
    updated_at: str | None


class ThemeList(BaseModel):
    """A page of active themes; `computed` is false (with the command to run) before discovery."""

    computed: bool
    message: str | None
    q: str | None = Field(description="The search: theme id, label or keyword, any case.")
    sort: str = Field(description="Sort key, `-` first for descending.")
    limit: int
    offset: int
    total: int = Field(description="Themes that match the search.")
    next: str | None = None
    language: str | None = LANGUAGE_FIELD
    language_name: str | None = None
    themes: list[ThemeSummary]
    trend: list[ThemeWeek] = Field(description="Texts per week of the themes on this page.")
    languages: list[TextLanguage] = Field(
        description="Every analysed text (themed or not) per detected language, most texts first."
    )


class ThemeEntry(BaseModel):
    """The registry entry: labels, keywords, status and lineage."""

    theme_id: str
    label: str | None
    auto_label: str | None
    label_source: str = Field(description="auto, or user when a person renamed it.")
    keywords: list[str]
    status: str = Field(description="active, merged (see merged_into), split or retired.")
    merged_into: str | None
    parent_id: str | None = Field(description="Theme it was split from.")
    size: int | None
    model_name: str | None
    model_version: str | None
    created_at: str | None
    updated_at: str | None


class RelatedTheme(BaseModel):
    theme_id: str
    label: str | None
    status: str


class ThemeWeekPoint(BaseModel):
    week: str | None
    texts: int
    negative: int
    negative_share: Number | None = Field(
        description="Share (0-1) of the week's scored texts that read negative."
    )
    sentiment: Number | None = Field(description="Mean sentiment score of the week, -1 to 1.")


class ThemeKpi(BaseModel):
    """A KPI over the theme's tickets against all other tickets (metrics.compare, segment vs rest)."""

    kpi: str
    title: str
    unit: str
    kind: str
    higher_is_better: bool | None
    value: Number | None
    ci_low: Number | None
    ci_high: Number | None
    n: int
    low_n: bool
    reference: Number | None = Field(description="The KPI over all other tickets.")
    reference_ci_low: Number | None
    reference_ci_high: Number | None
    n_reference: int
    difference: Number | None = Field(description="value - reference, in the KPI's unit (a share: 0-1).")
    p_value: Number | None
    test: str
    p_adjusted: Number | None = Field(description="Holm-adjusted over the KPIs compared.")
    significant: bool


class ThemeEvent(BaseModel):
    event: str
    related_theme_id: str | None
    fit_id: str | None
    detail: dict[str, object] | None
    occurred_at: str | None


class ThemePainpoint(BaseModel):
    painpoint_key: str
    label: str | None
    kind: str | None
    rank: int | None
    score: Number | None
    critical: bool | None
    tickets: int | None
    status: str | None


class ScopedTickets(BaseModel):
    total: int = Field(description="The theme's tickets within the caller's row scope.")
    items: list[TicketRow] = Field(description="The newest of them.")


class ThemeDetail(BaseModel):
    theme: ThemeEntry
    related_themes: list[RelatedTheme] = Field(description="Themes split from this one or merged into it.")
    texts: int
    negative_share: Number | None
    tickets: int = Field(description="Distinct tickets with a text in the theme (all, desk-wide).")
    timeline: list[ThemeWeekPoint]
    kpis: list[ThemeKpi]
    history: list[ThemeEvent]
    quotes: list[str] = Field(description="Redacted quotes from the caller's row scope (none without text).")
    painpoints: list[ThemePainpoint] = Field(description="Pain points of the latest ranking built on it.")
    scoped_tickets: ScopedTickets | None = Field(description="Null for roles that read no records.")
    language: str | None = LANGUAGE_FIELD
    language_name: str | None = None
    languages: list[TextLanguage] = Field(description="The theme's texts per detected language.")


class ThemeRename(BaseModel):
    label: str = Field(min_length=1, max_length=200)


class ThemeMerge(BaseModel):
    into: str = Field(min_length=1, max_length=100, description="Theme that absorbs this one.")


class ThemeSplit(BaseModel):
    parts: int = Field(2, ge=2, le=6)


class ThemeEditResult(BaseModel):
    action: Literal["rename", "merge", "split"]
    theme_id: str
    label: str | None = Field(description="The new label (rename).")
    themes: list[str] = Field(
        description="Where to look now: the theme (rename), the survivor (merge), the parts (split)."
    )
    texts_moved: int | None = Field(description="Texts moved (merge).")
