"""Canonical entities about the desk's work: tickets and their status history, messages, survey
answers, ITIL problems and changes, knowledge articles and their links to tickets.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import entity_table as _entity
from insightdesk.store.tables.base import stub_flag

tickets = _entity(
    "tickets",
    "Tickets of every ITIL type: incidents, service requests, problems and changes raised as tickets.",
    _col("type", sa.String, "incident, service_request, problem, change, question or other.", nullable=False),
    _col("channel", sa.String, "Channel the ticket was raised through (email, phone, chat, web...)."),
    _col("subject", sa.String, "Subject line (free text: PII possible)."),
    _col("description", sa.Text, "First description (free text: PII possible)."),
    _col("product", sa.String, "Product concerned."),
    _col("service", sa.String, "Business or IT service concerned (or configuration item)."),
    _col("category", sa.String, "Category."),
    _col("subcategory", sa.String, "Subcategory."),
    _col("priority", sa.String, "critical, high, medium, low or planning."),
    _col("impact", sa.String, "high, medium or low (ITIL)."),
    _col("urgency", sa.String, "high, medium or low (ITIL)."),
    _col(
        "status",
        sa.String,
        "Current status: new, open, pending, on_hold, resolved, closed, cancelled.",
        nullable=False,
    ),
    _col("team_id", sa.String, "Assignment group (teams.id)."),
    _col("agent_id", sa.String, "Assignee (agents.id)."),
    _col("customer_id", sa.String, "Requester (customers.id)."),
    _col("organisation_id", sa.String, "Requester's organisation (organisations.id)."),
    _col("language", sa.String, "Language of the ticket, ISO 639-1."),
    _col("region", sa.String, "Region the ticket is served from."),
    _col("problem_id", sa.String, "Linked problem (problems.id): the incident is one of its incidents."),
    _col("change_id", sa.String, "Linked change (changes.id) that caused or fixed it."),
    _col("created_at", sa.DateTime, "Opened (UTC).", nullable=False),
    _col("first_response_at", sa.DateTime, "First agent response (UTC)."),
    _col("resolved_at", sa.DateTime, "Last resolution (UTC)."),
    _col("closed_at", sa.DateTime, "Closed (UTC)."),
    _col("source_updated_at", sa.DateTime, "Last update in the source system (UTC); orders versions."),
    _col("reopen_count", sa.Integer, "Times reopened after resolution."),
    _col("reassignment_count", sa.Integer, "Times reassigned between groups or agents."),
    _col("sla_response_target_minutes", sa.Integer, "Target for first response, minutes."),
    _col("sla_resolution_target_minutes", sa.Integer, "Target for resolution, minutes."),
    _col("sla_response_breached", sa.Boolean, "First-response target missed (as the source says)."),
    _col("sla_resolution_breached", sa.Boolean, "Resolution target missed (as the source says)."),
    _col("resolution_code", sa.String, "How it was closed (source's close code)."),
    _col("knowledge_used", sa.Boolean, "A knowledge article was used to resolve it."),
)

ticket_events = _entity(
    "ticket_events",
    "Status history of a ticket: creation, every status change and reassignment, responses, resolution.",
    _col("ticket_id", sa.String, "Ticket (tickets.id).", nullable=False),
    _col("seq", sa.Integer, "Order of the event within its ticket (0 = creation).", nullable=False),
    _col(
        "event_type",
        sa.String,
        "created, status_change, reassignment, first_response, resolved, "
        "closed, reopened or priority_change.",
        nullable=False,
    ),
    _col("from_value", sa.String, "Value before the event (status, group or priority)."),
    _col("to_value", sa.String, "Value after the event."),
    _col("occurred_at", sa.DateTime, "When it happened (UTC).", nullable=False),
    _col("actor", sa.String, "Who made the change (agent id or source user token)."),
)

interactions = _entity(
    "interactions",
    "Messages of a ticket or conversation: chat turns, emails, call summaries, bot turns.",
    _col("conversation_id", sa.String, "Thread the message belongs to (one customer issue).", nullable=False),
    _col("ticket_id", sa.String, "Ticket of the thread, when there is one (tickets.id)."),
    _col("customer_id", sa.String, "Customer in the thread (customers.id)."),
    _col("agent_id", sa.String, "Agent who wrote it, for agent messages (agents.id)."),
    _col("channel", sa.String, "Channel of this message (the thread may switch channel)."),
    _col("author_role", sa.String, "customer, agent, bot or system.", nullable=False),
    _col("body", sa.Text, "Message text (free text: PII possible)."),
    _col("occurred_at", sa.DateTime, "Sent (UTC)."),
    _col("seq", sa.Integer, "Order within the conversation."),
    _col("language", sa.String, "Language of the message if the source says."),
)

feedback = _entity(
    "feedback",
    "Survey answers: one row per answered question (CSAT, NPS, CES or other scales).",
    _col("survey_id", sa.String, "Survey (source id)."),
    _col("question_id", sa.String, "Question within the survey."),
    _col("scale", sa.String, "csat (1-5), nps (0-10), ces (1-7) or other.", nullable=False),
    _col("score", sa.Float, "Answer on the scale; null when only a comment was given."),
    _col("scale_min", sa.Integer, "Lowest possible score of the scale.", nullable=False),
    _col("scale_max", sa.Integer, "Highest possible score of the scale.", nullable=False),
    _col("comment", sa.Text, "Free-text verbatim (PII possible: role-restricted)."),
    _col("language", sa.String, "Language of the comment or survey, ISO 639-1."),
    _col("ticket_id", sa.String, "Ticket the survey was about (tickets.id)."),
    _col("customer_id", sa.String, "Respondent (customers.id)."),
    _col("agent_id", sa.String, "Agent the feedback is about (agents.id)."),
    _col("channel", sa.String, "Channel the survey was answered in."),
    _col("sent_at", sa.DateTime, "Invitation sent (UTC)."),
    _col("answered_at", sa.DateTime, "Answered (UTC); null for unanswered invitations."),
)

problems = _entity(
    "problems",
    "ITIL problems: the underlying cause of one or more incidents (tickets.problem_id links them).",
    _col("title", sa.String, "Short description."),
    _col("description", sa.Text, "Details."),
    _col("status", sa.String, "new, investigating, known_error, resolved or closed."),
    _col("category", sa.String, "Category."),
    _col("priority", sa.String, "critical, high, medium, low or planning."),
    _col("root_cause", sa.Text, "Root cause once known."),
    _col("known_error", sa.Boolean, "Documented as a known error with a workaround."),
    _col("created_at", sa.DateTime, "Opened (UTC)."),
    _col("resolved_at", sa.DateTime, "Resolved (UTC)."),
    _col("closed_at", sa.DateTime, "Closed (UTC)."),
    stub_flag(),
)

changes = _entity(
    "changes",
    "ITIL changes (requests for change), optionally fixing a problem.",
    _col("title", sa.String, "Short description."),
    _col("change_type", sa.String, "standard, normal or emergency."),
    _col("status", sa.String, "requested, approved, scheduled, implemented, failed, cancelled, closed."),
    _col("risk", sa.String, "high, medium or low."),
    _col("problem_id", sa.String, "Problem the change fixes (problems.id)."),
    _col("planned_start", sa.DateTime, "Planned start (UTC)."),
    _col("implemented_at", sa.DateTime, "Implemented (UTC)."),
    _col("closed_at", sa.DateTime, "Closed (UTC)."),
    stub_flag(),
)

articles = _entity(
    "articles",
    "Knowledge-base articles.",
    _col("title", sa.String, "Title."),
    _col("body", sa.Text, "Article text."),
    _col("category", sa.String, "Category."),
    _col("product", sa.String, "Product."),
    _col("visibility", sa.String, "public, internal or restricted: kept from the source."),
    _col("status", sa.String, "draft, published or archived."),
    _col("created_at", sa.DateTime, "Created (UTC)."),
    _col("source_updated_at", sa.DateTime, "Last updated in the source (UTC)."),
)

ticket_articles = _entity(
    "ticket_articles",
    "Links between tickets and knowledge articles.",
    _col("ticket_id", sa.String, "Ticket (tickets.id).", nullable=False),
    _col("article_id", sa.String, "Article (articles.id).", nullable=False),
    _col("link_type", sa.String, "linked, resolved_by, suggested or created_from."),
)

sa.Index("ix_tickets_created_at", tickets.c.created_at)
sa.Index("ix_feedback_ticket_id", feedback.c.ticket_id)
sa.Index("ix_ticket_events_ticket_id", ticket_events.c.ticket_id)
sa.Index("ix_interactions_conversation_id", interactions.c.conversation_id)
