"""Store tables of the survey programme (migration 0009): definitions and their versions, trigger
cursors, invitations (sent or not, each with its reason), customer suppressions and responses.

Answers also become `feedback` rows (the canonical table), so the KPIs see them with no extra step;
`survey_responses` keeps what the feedback table cannot: partial answers page by page, the version
and the idempotency key of the intake.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

survey_versions = sa.Table(
    "survey_versions",
    metadata,
    _col("survey_id", sa.String, "Survey key, as in its definition file (`survey:`).", primary_key=True),
    _col("version", sa.Integer, "Version number, 1 upwards.", primary_key=True),
    _col("name", sa.String, "Readable name of the survey.", nullable=False),
    _col(
        "definition", sa.Text, "The validated definition, JSON (questions, languages, rules).", nullable=False
    ),
    _col("source_text", sa.Text, "The YAML text the version was saved from."),
    _col(
        "checksum", sa.String, "SHA-256 of the normalised definition: equal means unchanged.", nullable=False
    ),
    _col("status", sa.String, "draft, published or retired.", nullable=False),
    _col("created_by", sa.String, "Account or `cli` that saved it."),
    _col("created_at", sa.DateTime, "Saved (UTC).", nullable=False),
    _col("published_at", sa.DateTime, "Published (UTC); null for a draft."),
    _col("first_sent_at", sa.DateTime, "First invitation sent with it (UTC); from then on it is immutable."),
    comment="Survey definitions, versioned: a version that has been sent is never changed again.",
)

survey_trigger_cursors = sa.Table(
    "survey_trigger_cursors",
    metadata,
    _col("survey_id", sa.String, "Survey (survey_versions.survey_id).", primary_key=True),
    _col(
        "seen_until",
        sa.DateTime,
        "Ticket events first stored up to this time (ticket_events.first_seen_at) have been evaluated.",
        nullable=False,
    ),
    _col("updated_at", sa.DateTime, "Last scan (UTC).", nullable=False),
    comment="How far each survey's trigger scan has read the ticket events that ingest stored.",
)

survey_invitations = sa.Table(
    "survey_invitations",
    metadata,
    _col(
        "invitation_id",
        sa.String,
        "Deterministic id from survey, ticket and event (or customer and period): a re-run finds it again.",
        primary_key=True,
    ),
    _col("survey_id", sa.String, "Survey (survey_versions.survey_id).", nullable=False),
    _col("version", sa.Integer, "Version in force when the invitation was planned.", nullable=False),
    _col("trigger", sa.String, "resolved, closed, reopened (ticket events) or schedule.", nullable=False),
    _col("ticket_id", sa.String, "Ticket the survey is about (tickets.id); null for relationship surveys."),
    _col("customer_id", sa.String, "Customer invited (customers.id)."),
    _col("agent_id", sa.String, "Agent of the ticket (agents.id)."),
    _col("segment", sa.String, "Sampling stratum the invitation counts toward (e.g. `channel=chat`)."),
    _col("channel", sa.String, "Delivery channel: email, sms or in_app.", nullable=False),
    _col("language", sa.String, "Language the survey is sent in, ISO 639-1."),
    _col(
        "status",
        sa.String,
        "suppressed (not sent, see reason), scheduled, sending, sent or failed.",
        nullable=False,
    ),
    _col(
        "reason",
        sa.String,
        "Why it was not sent: no_consent, fatigue_cap, complaint, bounced, open_ticket, not_sampled, "
        "condition, no_contact, unsubscribed; or why sending failed.",
    ),
    _col("detail", sa.Text, "One sentence about the reason or the last delivery error."),
    _col("event_at", sa.DateTime, "When the triggering event happened (UTC).", nullable=False),
    _col("created_at", sa.DateTime, "When the invitation was planned (UTC).", nullable=False),
    _col("due_at", sa.DateTime, "Earliest send time: event + delay, moved out of quiet hours (UTC)."),
    _col("attempts", sa.Integer, "Delivery attempts so far.", nullable=False, server_default=sa.text("0")),
    _col("next_attempt_at", sa.DateTime, "When a transient failure is retried (UTC)."),
    _col("claimed_until", sa.DateTime, "A sender holds it until then; a crashed sender's claim expires."),
    _col("sent_at", sa.DateTime, "Accepted by the mail server or SMS provider (UTC)."),
    _col("message_id", sa.String, "Message-ID header or provider message id."),
    _col("opened_at", sa.DateTime, "First time the survey link was opened (UTC)."),
    _col("expires_at", sa.DateTime, "The link stops working after this (UTC)."),
    comment="Every invitation the triggers planned: sent, failed, or not sent with its reason.",
)

survey_suppressions = sa.Table(
    "survey_suppressions",
    metadata,
    _col("suppression_id", sa.String, "Unique id.", primary_key=True),
    _col("customer_id", sa.String, "Customer not to survey (customers.id).", nullable=False),
    _col("reason", sa.String, "complaint, bounced, incident or manual.", nullable=False),
    _col("channel", sa.String, "email, sms, in_app, or `all` channels.", nullable=False),
    _col("starts_at", sa.DateTime, "From (UTC).", nullable=False),
    _col("ends_at", sa.DateTime, "Until (UTC); null: until lifted."),
    _col("note", sa.Text, "Why, in words (no personal data)."),
    _col("created_by", sa.String, "Account, `cli` or `delivery` (a hard bounce)."),
    _col("created_at", sa.DateTime, "Recorded (UTC).", nullable=False),
    comment="Customers not to be surveyed for a while: after a complaint, a hard bounce, during an incident.",
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    _col(
        "invitation_id",
        sa.String,
        "Invitation answered (survey_invitations.invitation_id).",
        primary_key=True,
    ),
    _col("survey_id", sa.String, "Survey.", nullable=False),
    _col("version", sa.Integer, "Version answered (survey_versions.version).", nullable=False),
    _col("language", sa.String, "Language the page was shown in."),
    _col("status", sa.String, "partial (pages kept so far) or complete.", nullable=False),
    _col("answers", sa.Text, "Answers so far, JSON {question_id: value}.", nullable=False),
    _col("page", sa.Integer, "Next page to show (0-based).", nullable=False),
    _col("started_at", sa.DateTime, "First page submitted (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last page submitted (UTC).", nullable=False),
    _col("completed_at", sa.DateTime, "Completed (UTC); then its feedback rows exist."),
    comment="One response per invitation (the intake's idempotency key), kept page by page.",
)


# The sender's queue and the fatigue check read invitations by status and due time, by customer.
sa.Index("ix_survey_invitations_due", survey_invitations.c.status, survey_invitations.c.due_at)
sa.Index("ix_survey_invitations_customer", survey_invitations.c.customer_id, survey_invitations.c.created_at)
sa.Index("ix_survey_suppressions_customer", survey_suppressions.c.customer_id)

__all__ = [
    "survey_invitations",
    "survey_responses",
    "survey_suppressions",
    "survey_trigger_cursors",
    "survey_versions",
]
