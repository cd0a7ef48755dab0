"""Revision 0009's survey tables: versions, trigger cursors, invitations, suppressions, responses.

Frozen at revision 0009: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_survey_versions() -> None:
    op.create_table(
        "survey_versions",
        sa.Column(
            "survey_id",
            sa.String(),
            nullable=False,
            comment="Survey key, as in its definition file (`survey:`).",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="Version number, 1 upwards."),
        sa.Column("name", sa.String(), nullable=False, comment="Readable name of the survey."),
        sa.Column(
            "definition",
            sa.Text(),
            nullable=False,
            comment="The validated definition, JSON (questions, languages, rules).",
        ),
        sa.Column(
            "source_text", sa.Text(), nullable=True, comment="The YAML text the version was saved from."
        ),
        sa.Column(
            "checksum",
            sa.String(),
            nullable=False,
            comment="SHA-256 of the normalised definition: equal means unchanged.",
        ),
        sa.Column("status", sa.String(), nullable=False, comment="draft, published or retired."),
        sa.Column("created_by", sa.String(), nullable=True, comment="Account or `cli` that saved it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Saved (UTC)."),
        sa.Column("published_at", sa.DateTime(), nullable=True, comment="Published (UTC); null for a draft."),
        sa.Column(
            "first_sent_at",
            sa.DateTime(),
            nullable=True,
            comment="First invitation sent with it (UTC); from then on it is immutable.",
        ),
        sa.PrimaryKeyConstraint("survey_id", "version"),
        comment="Survey definitions, versioned: a version that has been sent is never changed again.",
    )


def create_survey_trigger_cursors() -> None:
    op.create_table(
        "survey_trigger_cursors",
        sa.Column("survey_id", sa.String(), nullable=False, comment="Survey (survey_versions.survey_id)."),
        sa.Column(
            "seen_until",
            sa.DateTime(),
            nullable=False,
            comment="Ticket events first stored up to this time (ticket_events.first_seen_at) have been evaluated.",
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last scan (UTC)."),
        sa.PrimaryKeyConstraint("survey_id"),
        comment="How far each survey's trigger scan has read the ticket events that ingest stored.",
    )


def create_survey_invitations() -> None:
    op.create_table(
        "survey_invitations",
        sa.Column(
            "invitation_id",
            sa.String(),
            nullable=False,
            comment="Deterministic id from survey, ticket and event (or customer and period): a re-run finds it again.",
        ),
        sa.Column("survey_id", sa.String(), nullable=False, comment="Survey (survey_versions.survey_id)."),
        sa.Column(
            "version",
            sa.Integer(),
            nullable=False,
            comment="Version in force when the invitation was planned.",
        ),
        sa.Column(
            "trigger",
            sa.String(),
            nullable=False,
            comment="resolved, closed, reopened (ticket events) or schedule.",
        ),
        sa.Column(
            "ticket_id",
            sa.String(),
            nullable=True,
            comment="Ticket the survey is about (tickets.id); null for relationship surveys.",
        ),
        sa.Column("customer_id", sa.String(), nullable=True, comment="Customer invited (customers.id)."),
        sa.Column("agent_id", sa.String(), nullable=True, comment="Agent of the ticket (agents.id)."),
        sa.Column(
            "segment",
            sa.String(),
            nullable=True,
            comment="Sampling stratum the invitation counts toward (e.g. `channel=chat`).",
        ),
        sa.Column("channel", sa.String(), nullable=False, comment="Delivery channel: email, sms or in_app."),
        sa.Column(
            "language", sa.String(), nullable=True, comment="Language the survey is sent in, ISO 639-1."
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="suppressed (not sent, see reason), scheduled, sending, sent or failed.",
        ),
        sa.Column(
            "reason",
            sa.String(),
            nullable=True,
            comment="Why it was not sent: no_consent, fatigue_cap, complaint, bounced, open_ticket, not_sampled, condition, no_contact, unsubscribed; or why sending failed.",
        ),
        sa.Column(
            "detail",
            sa.Text(),
            nullable=True,
            comment="One sentence about the reason or the last delivery error.",
        ),
        sa.Column(
            "event_at", sa.DateTime(), nullable=False, comment="When the triggering event happened (UTC)."
        ),
        sa.Column(
            "created_at", sa.DateTime(), nullable=False, comment="When the invitation was planned (UTC)."
        ),
        sa.Column(
            "due_at",
            sa.DateTime(),
            nullable=True,
            comment="Earliest send time: event + delay, moved out of quiet hours (UTC).",
        ),
        sa.Column(
            "attempts",
            sa.Integer(),
            server_default=sa.text("0"),
            nullable=False,
            comment="Delivery attempts so far.",
        ),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(),
            nullable=True,
            comment="When a transient failure is retried (UTC).",
        ),
        sa.Column(
            "claimed_until",
            sa.DateTime(),
            nullable=True,
            comment="A sender holds it until then; a crashed sender's claim expires.",
        ),
        sa.Column(
            "sent_at",
            sa.DateTime(),
            nullable=True,
            comment="Accepted by the mail server or SMS provider (UTC).",
        ),
        sa.Column(
            "message_id", sa.String(), nullable=True, comment="Message-ID header or provider message id."
        ),
        sa.Column(
            "opened_at", sa.DateTime(), nullable=True, comment="First time the survey link was opened (UTC)."
        ),
        sa.Column(
            "expires_at", sa.DateTime(), nullable=True, comment="The link stops working after this (UTC)."
        ),
        sa.PrimaryKeyConstraint("invitation_id"),
        comment="Every invitation the triggers planned: sent, failed, or not sent with its reason.",
    )


def create_survey_suppressions() -> None:
    op.create_table(
        "survey_suppressions",
        sa.Column("suppression_id", sa.String(), nullable=False, comment="Unique id."),
        sa.Column(
            "customer_id", sa.String(), nullable=False, comment="Customer not to survey (customers.id)."
        ),
        sa.Column("reason", sa.String(), nullable=False, comment="complaint, bounced, incident or manual."),
        sa.Column("channel", sa.String(), nullable=False, comment="email, sms, in_app, or `all` channels."),
        sa.Column("starts_at", sa.DateTime(), nullable=False, comment="From (UTC)."),
        sa.Column("ends_at", sa.DateTime(), nullable=True, comment="Until (UTC); null: until lifted."),
        sa.Column("note", sa.Text(), nullable=True, comment="Why, in words (no personal data)."),
        sa.Column(
            "created_by", sa.String(), nullable=True, comment="Account, `cli` or `delivery` (a hard bounce)."
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Recorded (UTC)."),
        sa.PrimaryKeyConstraint("suppression_id"),
        comment="Customers not to be surveyed for a while: after a complaint, a hard bounce, during an incident.",
    )


def create_survey_responses() -> None:
    op.create_table(
        "survey_responses",
        sa.Column(
            "invitation_id",
            sa.String(),
            nullable=False,
            comment="Invitation answered (survey_invitations.invitation_id).",
        ),
        sa.Column("survey_id", sa.String(), nullable=False, comment="Survey."),
        sa.Column(
            "version", sa.Integer(), nullable=False, comment="Version answered (survey_versions.version)."
        ),
        sa.Column("language", sa.String(), nullable=True, comment="Language the page was shown in."),
        sa.Column("status", sa.String(), nullable=False, comment="partial (pages kept so far) or complete."),
        sa.Column("answers", sa.Text(), nullable=False, comment="Answers so far, JSON {question_id: value}."),
        sa.Column("page", sa.Integer(), nullable=False, comment="Next page to show (0-based)."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="First page submitted (UTC)."),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last page submitted (UTC)."),
        sa.Column(
            "completed_at",
            sa.DateTime(),
            nullable=True,
            comment="Completed (UTC); then its feedback rows exist.",
        ),
        sa.PrimaryKeyConstraint("invitation_id"),
        comment="One response per invitation (the intake's idempotency key), kept page by page.",
    )
