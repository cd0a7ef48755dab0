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

# -- people correct the machine (migration 0014) --------------------------------------------
text_labels = sa.Table(
    "text_labels",
    metadata,
    _col("label_id", sa.String, "Unique id of the correction.", primary_key=True),
    _col("entity", sa.String, "Table of the text (text_analyses.entity).", nullable=False),
    _col("record_id", sa.String, "Record of the text (text_analyses.record_id).", nullable=False),
    _col("field", sa.String, "Field of the text (text_analyses.field).", nullable=False),
    _col("kind", sa.String, "What is labelled: theme, sentiment, intent or risk.", nullable=False),
    _col("machine_value", sa.String, "What the machine had said (null when it had said nothing)."),
    _col("value", sa.String, "The right label, as the person gave it.", nullable=False),
    _col("note", sa.Text, "Why, in the labeller's words (optional)."),
    _col(
        "labelled_by",
        sa.String,
        "Account that gave the label (users.username or cli:<user>).",
        nullable=False,
    ),
    _col("labelled_at", sa.DateTime, "When (UTC); the latest label of a text and kind wins.", nullable=False),
    comment="Corrections people made to the machine's labels of a text: who, when, from what to what.",
)

text_classifiers = sa.Table(
    "text_classifiers",
    metadata,
    _col("classifier_id", sa.String, "Unique, time-ordered id of the trained model.", primary_key=True),
    _col("taxonomy", sa.String, "Label set it predicts (e.g. intent).", nullable=False),
    _col("status", sa.String, "active, rejected (lost to the active one) or retired.", nullable=False),
    _col("classes", sa.Text, "Class names, JSON list.", nullable=False),
    _col("weights", sa.Text, "Logistic-regression coefficients and intercepts over the embeddings, JSON."),
    _col(
        "embedder_version",
        sa.String,
        "Embedder (file digest) whose vectors it was trained on.",
        nullable=False,
    ),
    _col("n_train", sa.Integer, "Human labels it was trained on.", nullable=False),
    _col(
        "n_holdout", sa.Integer, "Human labels held out to compare it with the active model.", nullable=False
    ),
    _col("holdout_f1", sa.Float, "Its macro-F1 on the held-out labels."),
    _col(
        "active_id", sa.String, "Model that was active when it was trained (text_classifiers.classifier_id)."
    ),
    _col("active_f1", sa.Float, "That model's macro-F1 on the same held-out labels."),
    _col("decision", sa.Text, "Why it was activated or rejected, in one sentence.", nullable=False),
    _col("trained_by", sa.String, "Account that started the training.", nullable=False),
    _col("trained_at", sa.DateTime, "When (UTC).", nullable=False),
    _col("activated_at", sa.DateTime, "When it became active (UTC); null if it never did."),
    comment="User-trainable classifiers: every trained version, its held-out score and the activation decision.",
)

text_intents = sa.Table(
    "text_intents",
    metadata,
    _col("entity", sa.String, "Table of the text.", primary_key=True),
    _col("record_id", sa.String, "Record of the text.", primary_key=True),
    _col("field", sa.String, "Field of the text.", primary_key=True),
    _col("taxonomy", sa.String, "Label set (text_classifiers.taxonomy).", primary_key=True),
    _col("label", sa.String, "Predicted class.", nullable=False),
    _col("confidence", sa.Float, "Probability of the predicted class; low ones go to the review queue."),
    _col(
        "classifier_id",
        sa.String,
        "Model that predicted it (text_classifiers.classifier_id).",
        nullable=False,
    ),
    _col("predicted_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Predictions of the active user-trained classifier for each customer text.",
)

sa.Index("ix_text_labels_text", text_labels.c.entity, text_labels.c.record_id, text_labels.c.field)
