"""Store tables of text analytics (migration 0002 freezes them), on the canonical metadata."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

text_analyses = sa.Table(
    "text_analyses",
    metadata,
    _col("entity", sa.String, "Table of the text: feedback, tickets or interactions.", primary_key=True),
    _col("record_id", sa.String, "Id of the record in that table.", primary_key=True),
    _col("field", sa.String, "Column of the text: comment, subject, description or body.", primary_key=True),
    _col(
        "text_sha256",
        sa.String,
        "SHA-256 of the original text: a changed text is analysed again.",
        nullable=False,
    ),
    _col("language", sa.String, "ISO 639-1 code, or `unknown` when the text is too short to tell."),
    _col("language_confidence", sa.Float, "Detector's relative confidence in the language (0-1)."),
    _col(
        "redacted_text", sa.Text, "The text with PII replaced by typed placeholders (<EMAIL_1>, <PERSON_1>)."
    ),
    _col("pii_counts", sa.Text, 'PII found, JSON object of type to count (e.g. {"EMAIL": 1}).'),
    _col("sentiment_label", sa.String, "negative, neutral or positive; null when not scored."),
    _col("sentiment_score", sa.Float, "P(positive) - P(negative), from -1 to 1; null when not scored."),
    _col(
        "sentiment_status",
        sa.String,
        "ok, language_unknown (scored, language too short to tell), unsupported_language or empty.",
    ),
    _col("theme_id", sa.String, "Theme the text belongs to (themes.theme_id); null when none fits."),
    _col("theme_similarity", sa.Float, "Cosine similarity of the text to its theme's centroid."),
    _col("author_role", sa.String, "customer, agent, bot or system for messages; customer otherwise."),
    _col("ticket_id", sa.String, "Ticket the text belongs to (tickets.id), to cross themes with categories."),
    _col("occurred_at", sa.DateTime, "When the text was written (UTC): drives trends per theme."),
    _col("model_name", sa.String, "Models used: embedder, sentiment model and redactor.", nullable=False),
    _col("model_version", sa.String, "Versions (file digests) of those models.", nullable=False),
    _col("analysed_at", sa.DateTime, "When this analysis was written (UTC).", nullable=False),
    comment="One row per analysed free-text field: language, redacted text, sentiment and theme.",
)

themes = sa.Table(
    "themes",
    metadata,
    _col(
        "theme_id",
        sa.String,
        "Stable theme id (T0001...): kept across refits that continue it.",
        primary_key=True,
    ),
    _col("label", sa.String, "Display label: the automatic one unless a person renamed it."),
    _col("auto_label", sa.String, "Label from the theme's most distinctive terms at the last fit."),
    _col("label_source", sa.String, "auto or user (a user label survives refits).", nullable=False),
    _col("keywords", sa.Text, "Most distinctive terms, JSON list (class-based TF-IDF)."),
    _col("quotes", sa.Text, "Representative redacted quotes, JSON list."),
    _col("status", sa.String, "active, merged (see merged_into), split or retired.", nullable=False),
    _col("merged_into", sa.String, "Theme that absorbed this one (themes.theme_id)."),
    _col("parent_id", sa.String, "Theme this one was split from (themes.theme_id)."),
    _col("size", sa.Integer, "Texts in the theme at the last fit or assignment."),
    _col("radius", sa.Float, "Minimum cosine similarity for a new text to join the theme."),
    _col("centroid", sa.Text, "Unit-length centroid in the embedder's space, JSON list of floats."),
    _col("model_name", sa.String, "Embedder the centroid belongs to."),
    _col("model_version", sa.String, "Embedder version (file digest) of the centroid."),
    _col("created_at", sa.DateTime, "When the theme first appeared (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change (UTC).", nullable=False),
    comment="Theme registry: stable identities across refits, with merges, splits and renames.",
)

theme_events = sa.Table(
    "theme_events",
    metadata,
    _col("event_id", sa.String, "Unique id of the event.", primary_key=True),
    _col("theme_id", sa.String, "Theme the event is about (themes.theme_id).", nullable=False),
    _col(
        "event",
        sa.String,
        "created, continued, renamed, merged, split, retired or reassigned.",
        nullable=False,
    ),
    _col("related_theme_id", sa.String, "The other theme of a merge or split."),
    _col("fit_id", sa.String, "Discovery run that caused it (theme_fits.fit_id); null for manual edits."),
    _col("detail", sa.Text, "JSON details (old and new label, sizes, similarity)."),
    _col("occurred_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="History of the theme registry, so trend lines can follow merges, splits and renames.",
)

theme_fits = sa.Table(
    "theme_fits",
    metadata,
    _col("fit_id", sa.String, "Id of the discovery run.", primary_key=True),
    _col("n_texts", sa.Integer, "Texts clustered.", nullable=False),
    _col("n_themes", sa.Integer, "Themes found.", nullable=False),
    _col("noise_share", sa.Float, "Share of texts left without a theme."),
    _col("params", sa.Text, "Clustering parameters, JSON."),
    _col("model_name", sa.String, "Embedder used.", nullable=False),
    _col("model_version", sa.String, "Embedder version (file digest).", nullable=False),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "End (UTC)."),
    comment="Theme discovery runs and their parameters.",
)

sa.Index("ix_text_analyses_theme_id", text_analyses.c.theme_id)
sa.Index("ix_theme_events_theme_id", theme_events.c.theme_id)
