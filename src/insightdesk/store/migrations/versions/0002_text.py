"""Text analytics: per-text analyses, the theme registry, its events and discovery runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_analyses",
        sa.Column(
            "entity",
            sa.String(),
            nullable=False,
            comment="Table of the text: feedback, tickets or interactions.",
        ),
        sa.Column("record_id", sa.String(), nullable=False, comment="Id of the record in that table."),
        sa.Column(
            "field",
            sa.String(),
            nullable=False,
            comment="Column of the text: comment, subject, description or body.",
        ),
        sa.Column(
            "text_sha256",
            sa.String(),
            nullable=False,
            comment="SHA-256 of the original text: a changed text is analysed again.",
        ),
        sa.Column(
            "language",
            sa.String(),
            nullable=True,
            comment="ISO 639-1 code, or `unknown` when the text is too short to tell.",
        ),
        sa.Column(
            "language_confidence",
            sa.Float(),
            nullable=True,
            comment="Detector's relative confidence in the language (0-1).",
        ),
        sa.Column(
            "redacted_text",
            sa.Text(),
            nullable=True,
            comment="The text with PII replaced by typed placeholders (<EMAIL_1>, <PERSON_1>).",
        ),
        sa.Column(
            "pii_counts",
            sa.Text(),
            nullable=True,
            comment='PII found, JSON object of type to count (e.g. {"EMAIL": 1}).',
        ),
        sa.Column(
            "sentiment_label",
            sa.String(),
            nullable=True,
            comment="negative, neutral or positive; null when not scored.",
        ),
        sa.Column(
            "sentiment_score",
            sa.Float(),
            nullable=True,
            comment="P(positive) - P(negative), from -1 to 1; null when not scored.",
        ),
        sa.Column(
            "sentiment_status",
            sa.String(),
            nullable=True,
            comment="ok, language_unknown (scored, language too short to tell), unsupported_language or empty.",
        ),
        sa.Column(
            "theme_id",
            sa.String(),
            nullable=True,
            comment="Theme the text belongs to (themes.theme_id); null when none fits.",
        ),
        sa.Column(
            "theme_similarity",
            sa.Float(),
            nullable=True,
            comment="Cosine similarity of the text to its theme's centroid.",
        ),
        sa.Column(
            "author_role",
            sa.String(),
            nullable=True,
            comment="customer, agent, bot or system for messages; customer otherwise.",
        ),
        sa.Column(
            "ticket_id",
            sa.String(),
            nullable=True,
            comment="Ticket the text belongs to (tickets.id), to cross themes with categories.",
        ),
        sa.Column(
            "occurred_at",
            sa.DateTime(),
            nullable=True,
            comment="When the text was written (UTC): drives trends per theme.",
        ),
        sa.Column(
            "model_name",
            sa.String(),
            nullable=False,
            comment="Models used: embedder, sentiment model and redactor.",
        ),
        sa.Column(
            "model_version", sa.String(), nullable=False, comment="Versions (file digests) of those models."
        ),
        sa.Column(
            "analysed_at", sa.DateTime(), nullable=False, comment="When this analysis was written (UTC)."
        ),
        sa.PrimaryKeyConstraint("entity", "record_id", "field"),
        comment="One row per analysed free-text field: language, redacted text, sentiment and theme.",
    )
    op.create_table(
        "themes",
        sa.Column(
            "theme_id",
            sa.String(),
            nullable=False,
            comment="Stable theme id (T0001...): kept across refits that continue it.",
        ),
        sa.Column(
            "label",
            sa.String(),
            nullable=True,
            comment="Display label: the automatic one unless a person renamed it.",
        ),
        sa.Column(
            "auto_label",
            sa.String(),
            nullable=True,
            comment="Label from the theme's most distinctive terms at the last fit.",
        ),
        sa.Column(
            "label_source",
            sa.String(),
            nullable=False,
            comment="auto or user (a user label survives refits).",
        ),
        sa.Column(
            "keywords",
            sa.Text(),
            nullable=True,
            comment="Most distinctive terms, JSON list (class-based TF-IDF).",
        ),
        sa.Column("quotes", sa.Text(), nullable=True, comment="Representative redacted quotes, JSON list."),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="active, merged (see merged_into), split or retired.",
        ),
        sa.Column(
            "merged_into",
            sa.String(),
            nullable=True,
            comment="Theme that absorbed this one (themes.theme_id).",
        ),
        sa.Column(
            "parent_id",
            sa.String(),
            nullable=True,
            comment="Theme this one was split from (themes.theme_id).",
        ),
        sa.Column(
            "size", sa.Integer(), nullable=True, comment="Texts in the theme at the last fit or assignment."
        ),
        sa.Column(
            "radius",
            sa.Float(),
            nullable=True,
            comment="Minimum cosine similarity for a new text to join the theme.",
        ),
        sa.Column(
            "centroid",
            sa.Text(),
            nullable=True,
            comment="Unit-length centroid in the embedder's space, JSON list of floats.",
        ),
        sa.Column("model_name", sa.String(), nullable=True, comment="Embedder the centroid belongs to."),
        sa.Column(
            "model_version",
            sa.String(),
            nullable=True,
            comment="Embedder version (file digest) of the centroid.",
        ),
        sa.Column(
            "created_at", sa.DateTime(), nullable=False, comment="When the theme first appeared (UTC)."
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change (UTC)."),
        sa.PrimaryKeyConstraint("theme_id"),
        comment="Theme registry: stable identities across refits, with merges, splits and renames.",
    )
    op.create_table(
        "theme_events",
        sa.Column("event_id", sa.String(), nullable=False, comment="Unique id of the event."),
        sa.Column(
            "theme_id", sa.String(), nullable=False, comment="Theme the event is about (themes.theme_id)."
        ),
        sa.Column(
            "event",
            sa.String(),
            nullable=False,
            comment="created, continued, renamed, merged, split, retired or reassigned.",
        ),
        sa.Column(
            "related_theme_id", sa.String(), nullable=True, comment="The other theme of a merge or split."
        ),
        sa.Column(
            "fit_id",
            sa.String(),
            nullable=True,
            comment="Discovery run that caused it (theme_fits.fit_id); null for manual edits.",
        ),
        sa.Column(
            "detail", sa.Text(), nullable=True, comment="JSON details (old and new label, sizes, similarity)."
        ),
        sa.Column("occurred_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("event_id"),
        comment="History of the theme registry, so trend lines can follow merges, splits and renames.",
    )
    op.create_table(
        "theme_fits",
        sa.Column("fit_id", sa.String(), nullable=False, comment="Id of the discovery run."),
        sa.Column("n_texts", sa.Integer(), nullable=False, comment="Texts clustered."),
        sa.Column("n_themes", sa.Integer(), nullable=False, comment="Themes found."),
        sa.Column("noise_share", sa.Float(), nullable=True, comment="Share of texts left without a theme."),
        sa.Column("params", sa.Text(), nullable=True, comment="Clustering parameters, JSON."),
        sa.Column("model_name", sa.String(), nullable=False, comment="Embedder used."),
        sa.Column("model_version", sa.String(), nullable=False, comment="Embedder version (file digest)."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="End (UTC)."),
        sa.PrimaryKeyConstraint("fit_id"),
        comment="Theme discovery runs and their parameters.",
    )
    op.create_index("ix_text_analyses_theme_id", "text_analyses", ["theme_id"])
    op.create_index("ix_theme_events_theme_id", "theme_events", ["theme_id"])


def downgrade() -> None:
    op.drop_index("ix_theme_events_theme_id", table_name="theme_events")
    op.drop_index("ix_text_analyses_theme_id", table_name="text_analyses")
    for table in ("theme_fits", "theme_events", "themes", "text_analyses"):
        op.drop_table(table)
