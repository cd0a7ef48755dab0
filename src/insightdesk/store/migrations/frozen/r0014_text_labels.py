"""Revision 0014 creates the tables of people correcting the machine: text labels, user-trained
classifiers and their predictions.

Frozen at revision 0014: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_text_labels() -> None:
    op.create_table(
        "text_labels",
        sa.Column("label_id", sa.String(), nullable=False, comment="Unique id of the correction."),
        sa.Column("entity", sa.String(), nullable=False, comment="Table of the text (text_analyses.entity)."),
        sa.Column(
            "record_id", sa.String(), nullable=False, comment="Record of the text (text_analyses.record_id)."
        ),
        sa.Column("field", sa.String(), nullable=False, comment="Field of the text (text_analyses.field)."),
        sa.Column(
            "kind", sa.String(), nullable=False, comment="What is labelled: theme, sentiment, intent or risk."
        ),
        sa.Column(
            "machine_value",
            sa.String(),
            nullable=True,
            comment="What the machine had said (null when it had said nothing).",
        ),
        sa.Column("value", sa.String(), nullable=False, comment="The right label, as the person gave it."),
        sa.Column("note", sa.Text(), nullable=True, comment="Why, in the labeller's words (optional)."),
        sa.Column(
            "labelled_by",
            sa.String(),
            nullable=False,
            comment="Account that gave the label (users.username or cli:<user>).",
        ),
        sa.Column(
            "labelled_at",
            sa.DateTime(),
            nullable=False,
            comment="When (UTC); the latest label of a text and kind wins.",
        ),
        sa.PrimaryKeyConstraint("label_id"),
        comment="Corrections people made to the machine's labels of a text: who, when, from what to what.",
    )


def create_text_classifiers() -> None:
    op.create_table(
        "text_classifiers",
        sa.Column(
            "classifier_id",
            sa.String(),
            nullable=False,
            comment="Unique, time-ordered id of the trained model.",
        ),
        sa.Column("taxonomy", sa.String(), nullable=False, comment="Label set it predicts (e.g. intent)."),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="active, rejected (lost to the active one) or retired.",
        ),
        sa.Column("classes", sa.Text(), nullable=False, comment="Class names, JSON list."),
        sa.Column(
            "weights",
            sa.Text(),
            nullable=True,
            comment="Logistic-regression coefficients and intercepts over the embeddings, JSON.",
        ),
        sa.Column(
            "embedder_version",
            sa.String(),
            nullable=False,
            comment="Embedder (file digest) whose vectors it was trained on.",
        ),
        sa.Column("n_train", sa.Integer(), nullable=False, comment="Human labels it was trained on."),
        sa.Column(
            "n_holdout",
            sa.Integer(),
            nullable=False,
            comment="Human labels held out to compare it with the active model.",
        ),
        sa.Column("holdout_f1", sa.Float(), nullable=True, comment="Its macro-F1 on the held-out labels."),
        sa.Column(
            "active_id",
            sa.String(),
            nullable=True,
            comment="Model that was active when it was trained (text_classifiers.classifier_id).",
        ),
        sa.Column(
            "active_f1",
            sa.Float(),
            nullable=True,
            comment="That model's macro-F1 on the same held-out labels.",
        ),
        sa.Column(
            "decision",
            sa.Text(),
            nullable=False,
            comment="Why it was activated or rejected, in one sentence.",
        ),
        sa.Column("trained_by", sa.String(), nullable=False, comment="Account that started the training."),
        sa.Column("trained_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.Column(
            "activated_at",
            sa.DateTime(),
            nullable=True,
            comment="When it became active (UTC); null if it never did.",
        ),
        sa.PrimaryKeyConstraint("classifier_id"),
        comment="User-trainable classifiers: every trained version, its held-out score and the activation decision.",
    )


def create_text_intents() -> None:
    op.create_table(
        "text_intents",
        sa.Column("entity", sa.String(), nullable=False, comment="Table of the text."),
        sa.Column("record_id", sa.String(), nullable=False, comment="Record of the text."),
        sa.Column("field", sa.String(), nullable=False, comment="Field of the text."),
        sa.Column("taxonomy", sa.String(), nullable=False, comment="Label set (text_classifiers.taxonomy)."),
        sa.Column("label", sa.String(), nullable=False, comment="Predicted class."),
        sa.Column(
            "confidence",
            sa.Float(),
            nullable=True,
            comment="Probability of the predicted class; low ones go to the review queue.",
        ),
        sa.Column(
            "classifier_id",
            sa.String(),
            nullable=False,
            comment="Model that predicted it (text_classifiers.classifier_id).",
        ),
        sa.Column("predicted_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("entity", "record_id", "field", "taxonomy"),
        comment="Predictions of the active user-trained classifier for each customer text.",
    )
