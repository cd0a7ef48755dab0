"""Revision 0001's tables of tickets: feedback, interactions, ticket events, tickets.

Frozen at revision 0001: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("survey_id", sa.String(), nullable=True, comment="Survey (source id)."),
        sa.Column("question_id", sa.String(), nullable=True, comment="Question within the survey."),
        sa.Column(
            "scale", sa.String(), nullable=False, comment="csat (1-5), nps (0-10), ces (1-7) or other."
        ),
        sa.Column(
            "score",
            sa.Float(),
            nullable=True,
            comment="Answer on the scale; null when only a comment was given.",
        ),
        sa.Column("scale_min", sa.Integer(), nullable=False, comment="Lowest possible score of the scale."),
        sa.Column("scale_max", sa.Integer(), nullable=False, comment="Highest possible score of the scale."),
        sa.Column(
            "comment", sa.Text(), nullable=True, comment="Free-text verbatim (PII possible: role-restricted)."
        ),
        sa.Column(
            "language", sa.String(), nullable=True, comment="Language of the comment or survey, ISO 639-1."
        ),
        sa.Column(
            "ticket_id", sa.String(), nullable=True, comment="Ticket the survey was about (tickets.id)."
        ),
        sa.Column("customer_id", sa.String(), nullable=True, comment="Respondent (customers.id)."),
        sa.Column("agent_id", sa.String(), nullable=True, comment="Agent the feedback is about (agents.id)."),
        sa.Column("channel", sa.String(), nullable=True, comment="Channel the survey was answered in."),
        sa.Column("sent_at", sa.DateTime(), nullable=True, comment="Invitation sent (UTC)."),
        sa.Column(
            "answered_at",
            sa.DateTime(),
            nullable=True,
            comment="Answered (UTC); null for unanswered invitations.",
        ),
        sa.Column(
            "source_system",
            sa.String(),
            nullable=False,
            comment="System the row came from (zendesk, servicenow, generic...).",
        ),
        sa.Column("source_id", sa.String(), nullable=False, comment="The row's id in its source system."),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=False,
            comment="Ingest batch that last wrote this row (ingest_batches.batch_id).",
        ),
        sa.Column(
            "record_hash",
            sa.String(),
            nullable=False,
            comment="Hash of the canonical values; equal hash means unchanged.",
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk first stored this record (UTC).",
        ),
        sa.Column(
            "last_changed_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk last changed this record (UTC).",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Survey answers: one row per answered question (CSAT, NPS, CES or other scales).",
    )


def create_interactions() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column(
            "conversation_id",
            sa.String(),
            nullable=False,
            comment="Thread the message belongs to (one customer issue).",
        ),
        sa.Column(
            "ticket_id",
            sa.String(),
            nullable=True,
            comment="Ticket of the thread, when there is one (tickets.id).",
        ),
        sa.Column(
            "customer_id", sa.String(), nullable=True, comment="Customer in the thread (customers.id)."
        ),
        sa.Column(
            "agent_id",
            sa.String(),
            nullable=True,
            comment="Agent who wrote it, for agent messages (agents.id).",
        ),
        sa.Column(
            "channel",
            sa.String(),
            nullable=True,
            comment="Channel of this message (the thread may switch channel).",
        ),
        sa.Column("author_role", sa.String(), nullable=False, comment="customer, agent, bot or system."),
        sa.Column("body", sa.Text(), nullable=True, comment="Message text (free text: PII possible)."),
        sa.Column("occurred_at", sa.DateTime(), nullable=True, comment="Sent (UTC)."),
        sa.Column("seq", sa.Integer(), nullable=True, comment="Order within the conversation."),
        sa.Column(
            "language", sa.String(), nullable=True, comment="Language of the message if the source says."
        ),
        sa.Column(
            "source_system",
            sa.String(),
            nullable=False,
            comment="System the row came from (zendesk, servicenow, generic...).",
        ),
        sa.Column("source_id", sa.String(), nullable=False, comment="The row's id in its source system."),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=False,
            comment="Ingest batch that last wrote this row (ingest_batches.batch_id).",
        ),
        sa.Column(
            "record_hash",
            sa.String(),
            nullable=False,
            comment="Hash of the canonical values; equal hash means unchanged.",
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk first stored this record (UTC).",
        ),
        sa.Column(
            "last_changed_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk last changed this record (UTC).",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Messages of a ticket or conversation: chat turns, emails, call summaries, bot turns.",
    )


def create_ticket_events() -> None:
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("ticket_id", sa.String(), nullable=False, comment="Ticket (tickets.id)."),
        sa.Column(
            "seq",
            sa.Integer(),
            nullable=False,
            comment="Order of the event within its ticket (0 = creation).",
        ),
        sa.Column(
            "event_type",
            sa.String(),
            nullable=False,
            comment="created, status_change, reassignment, first_response, resolved, closed, reopened or priority_change.",
        ),
        sa.Column(
            "from_value",
            sa.String(),
            nullable=True,
            comment="Value before the event (status, group or priority).",
        ),
        sa.Column("to_value", sa.String(), nullable=True, comment="Value after the event."),
        sa.Column("occurred_at", sa.DateTime(), nullable=False, comment="When it happened (UTC)."),
        sa.Column(
            "actor",
            sa.String(),
            nullable=True,
            comment="Who made the change (agent id or source user token).",
        ),
        sa.Column(
            "source_system",
            sa.String(),
            nullable=False,
            comment="System the row came from (zendesk, servicenow, generic...).",
        ),
        sa.Column("source_id", sa.String(), nullable=False, comment="The row's id in its source system."),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=False,
            comment="Ingest batch that last wrote this row (ingest_batches.batch_id).",
        ),
        sa.Column(
            "record_hash",
            sa.String(),
            nullable=False,
            comment="Hash of the canonical values; equal hash means unchanged.",
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk first stored this record (UTC).",
        ),
        sa.Column(
            "last_changed_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk last changed this record (UTC).",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Status history of a ticket: creation, every status change and reassignment, responses, resolution.",
    )


def create_tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column(
            "type",
            sa.String(),
            nullable=False,
            comment="incident, service_request, problem, change, question or other.",
        ),
        sa.Column(
            "channel",
            sa.String(),
            nullable=True,
            comment="Channel the ticket was raised through (email, phone, chat, web...).",
        ),
        sa.Column("subject", sa.String(), nullable=True, comment="Subject line (free text: PII possible)."),
        sa.Column(
            "description", sa.Text(), nullable=True, comment="First description (free text: PII possible)."
        ),
        sa.Column("product", sa.String(), nullable=True, comment="Product concerned."),
        sa.Column(
            "service",
            sa.String(),
            nullable=True,
            comment="Business or IT service concerned (or configuration item).",
        ),
        sa.Column("category", sa.String(), nullable=True, comment="Category."),
        sa.Column("subcategory", sa.String(), nullable=True, comment="Subcategory."),
        sa.Column("priority", sa.String(), nullable=True, comment="critical, high, medium, low or planning."),
        sa.Column("impact", sa.String(), nullable=True, comment="high, medium or low (ITIL)."),
        sa.Column("urgency", sa.String(), nullable=True, comment="high, medium or low (ITIL)."),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="Current status: new, open, pending, on_hold, resolved, closed, cancelled.",
        ),
        sa.Column("team_id", sa.String(), nullable=True, comment="Assignment group (teams.id)."),
        sa.Column("agent_id", sa.String(), nullable=True, comment="Assignee (agents.id)."),
        sa.Column("customer_id", sa.String(), nullable=True, comment="Requester (customers.id)."),
        sa.Column(
            "organisation_id",
            sa.String(),
            nullable=True,
            comment="Requester's organisation (organisations.id).",
        ),
        sa.Column("language", sa.String(), nullable=True, comment="Language of the ticket, ISO 639-1."),
        sa.Column("region", sa.String(), nullable=True, comment="Region the ticket is served from."),
        sa.Column(
            "problem_id",
            sa.String(),
            nullable=True,
            comment="Linked problem (problems.id): the incident is one of its incidents.",
        ),
        sa.Column(
            "change_id",
            sa.String(),
            nullable=True,
            comment="Linked change (changes.id) that caused or fixed it.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Opened (UTC)."),
        sa.Column("first_response_at", sa.DateTime(), nullable=True, comment="First agent response (UTC)."),
        sa.Column("resolved_at", sa.DateTime(), nullable=True, comment="Last resolution (UTC)."),
        sa.Column("closed_at", sa.DateTime(), nullable=True, comment="Closed (UTC)."),
        sa.Column(
            "source_updated_at",
            sa.DateTime(),
            nullable=True,
            comment="Last update in the source system (UTC); orders versions.",
        ),
        sa.Column("reopen_count", sa.Integer(), nullable=True, comment="Times reopened after resolution."),
        sa.Column(
            "reassignment_count",
            sa.Integer(),
            nullable=True,
            comment="Times reassigned between groups or agents.",
        ),
        sa.Column(
            "sla_response_target_minutes",
            sa.Integer(),
            nullable=True,
            comment="Target for first response, minutes.",
        ),
        sa.Column(
            "sla_resolution_target_minutes",
            sa.Integer(),
            nullable=True,
            comment="Target for resolution, minutes.",
        ),
        sa.Column(
            "sla_response_breached",
            sa.Boolean(),
            nullable=True,
            comment="First-response target missed (as the source says).",
        ),
        sa.Column(
            "sla_resolution_breached",
            sa.Boolean(),
            nullable=True,
            comment="Resolution target missed (as the source says).",
        ),
        sa.Column(
            "resolution_code", sa.String(), nullable=True, comment="How it was closed (source's close code)."
        ),
        sa.Column(
            "knowledge_used",
            sa.Boolean(),
            nullable=True,
            comment="A knowledge article was used to resolve it.",
        ),
        sa.Column(
            "source_system",
            sa.String(),
            nullable=False,
            comment="System the row came from (zendesk, servicenow, generic...).",
        ),
        sa.Column("source_id", sa.String(), nullable=False, comment="The row's id in its source system."),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=False,
            comment="Ingest batch that last wrote this row (ingest_batches.batch_id).",
        ),
        sa.Column(
            "record_hash",
            sa.String(),
            nullable=False,
            comment="Hash of the canonical values; equal hash means unchanged.",
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk first stored this record (UTC).",
        ),
        sa.Column(
            "last_changed_at",
            sa.DateTime(),
            nullable=False,
            comment="When InsightDesk last changed this record (UTC).",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Tickets of every ITIL type: incidents, service requests, problems and changes raised as tickets.",
    )
