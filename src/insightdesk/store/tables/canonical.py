"""The canonical data model: one SQLAlchemy table per entity, every column documented.

This module is the single source of truth: migrations freeze it, ingestion maps onto it,
`docs/data-model.md` is generated from it (and a test fails when the two drift).

Conventions:
- every timestamp is UTC, stored without a zone (ingestion converts);
- an entity's `id` is `<source_system>:<source_id>`, so ids from two helpdesks never collide;
- every entity row carries lineage: source system, id there, and the ingest batch that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

metadata = sa.MetaData()

# Every row of these tables came from a source file; the other tables are bookkeeping.
ENTITY_TABLES: tuple[str, ...] = (
    "organisations",
    "customers",
    "customer_contacts",
    "teams",
    "agents",
    "tickets",
    "ticket_events",
    "interactions",
    "feedback",
    "problems",
    "changes",
    "articles",
    "ticket_articles",
)


def documented_column(name: str, type_: sa.types.TypeEngine | type, doc: str, **kw: object) -> sa.Column:
    """A column whose comment documents it (docs/data-model.md and the database catalog show it)."""
    return sa.Column(name, type_, comment=doc, **kw)


_col = documented_column


def _lineage() -> list[sa.Column]:
    return [
        _col(
            "source_system",
            sa.String,
            "System the row came from (zendesk, servicenow, generic...).",
            nullable=False,
        ),
        _col("source_id", sa.String, "The row's id in its source system.", nullable=False),
        _col(
            "batch_id",
            sa.String,
            "Ingest batch that last wrote this row (ingest_batches.batch_id).",
            nullable=False,
        ),
        _col(
            "record_hash",
            sa.String,
            "Hash of the canonical values; equal hash means unchanged.",
            nullable=False,
        ),
        _col(
            "first_seen_at", sa.DateTime, "When InsightDesk first stored this record (UTC).", nullable=False
        ),
        _col(
            "last_changed_at", sa.DateTime, "When InsightDesk last changed this record (UTC).", nullable=False
        ),
    ]


def _entity(name: str, doc: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _col("id", sa.String, "Canonical id: `<source_system>:<source_id>`.", primary_key=True),
        *columns,
        *_lineage(),
        comment=doc,
    )


organisations = _entity(
    "organisations",
    "Customer organisations (accounts) for B2B desks.",
    _col("name", sa.String, "Organisation name."),
    _col("industry", sa.String, "Industry or sector."),
    _col("tier", sa.String, "Commercial tier of the account (e.g. enterprise, smb)."),
    _col("region", sa.String, "Sales or service region."),
    _col("country", sa.String, "ISO 3166 country code or name."),
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only (no export of it yet).",
        nullable=False,
        server_default=sa.text("false"),
    ),
)

customers = _entity(
    "customers",
    "People who contact the desk. Identity resolution across systems links rows of this table.",
    _col("organisation_id", sa.String, "Organisation the customer belongs to (organisations.id)."),
    _col("name", sa.String, "Display name (personal data: role-restricted)."),
    _col("tier", sa.String, "Customer tier (e.g. gold, silver, bronze, free)."),
    _col("segment", sa.String, "Business segment (e.g. consumer, smb, enterprise)."),
    _col("region", sa.String, "Region used for segmentation and data residency."),
    _col("country", sa.String, "Country code or name."),
    _col("language", sa.String, "Preferred language, ISO 639-1 (en, de...)."),
    _col("timezone", sa.String, "IANA time zone of the customer (e.g. Europe/Berlin)."),
    _col("lifetime_value", sa.Float, "Customer lifetime value in `currency` units."),
    _col("currency", sa.String, "ISO 4217 currency of lifetime_value."),
    _col("consent_survey", sa.Boolean, "May be surveyed. Unknown (null) is treated as no consent."),
    _col("consent_analytics", sa.Boolean, "Feedback may be analysed beyond service delivery."),
    _col("consent_contact", sa.Boolean, "May be contacted for follow-up (e.g. detractor call-back)."),
    _col("created_at", sa.DateTime, "When the customer record was created in the source (UTC)."),
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only (no customer export yet).",
        nullable=False,
        server_default=sa.text("false"),
    ),
)

customer_contacts = _entity(
    "customer_contacts",
    "Contact points of a customer (one row per email or phone).",
    _col("customer_id", sa.String, "Customer (customers.id).", nullable=False),
    _col("kind", sa.String, "`email` or `phone`.", nullable=False),
    _col(
        "value",
        sa.String,
        "The address or number, normalised (lower-case email, E.164-like phone).",
        nullable=False,
    ),
    _col("is_primary", sa.Boolean, "Primary contact point of its kind."),
)

teams = _entity(
    "teams",
    "Support teams / assignment groups.",
    _col("name", sa.String, "Team or assignment-group name."),
    _col("support_tier", sa.String, "L1, L2 or L3."),
    _col("parent_team_id", sa.String, "Parent team (teams.id) for nested groups."),
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only.",
        nullable=False,
        server_default=sa.text("false"),
    ),
)

agents = _entity(
    "agents",
    "People (and bots) who work tickets.",
    _col("name", sa.String, "Display name."),
    _col("email", sa.String, "Work email."),
    _col("team_id", sa.String, "Home team (teams.id)."),
    _col("support_tier", sa.String, "L1, L2 or L3."),
    _col("is_bot", sa.Boolean, "True for virtual agents."),
    _col("hired_at", sa.DateTime, "Start date (UTC)."),
    _col("active", sa.Boolean, "Still active in the source system."),
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only.",
        nullable=False,
        server_default=sa.text("false"),
    ),
)

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
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only (no export of it yet).",
        nullable=False,
        server_default=sa.text("false"),
    ),
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
    _col(
        "is_stub",
        sa.Boolean,
        "True when created from a reference only (no export of it yet).",
        nullable=False,
        server_default=sa.text("false"),
    ),
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

ingest_batches = sa.Table(
    "ingest_batches",
    metadata,
    _col("batch_id", sa.String, "Batch id (time-ordered, unique).", primary_key=True),
    _col("kind", sa.String, "Entity kind ingested (tickets, feedback...).", nullable=False),
    _col("source_file", sa.String, "Path of the file as given."),
    _col("file_sha256", sa.String, "SHA-256 of the file's bytes."),
    _col("profile", sa.String, "Mapping profile name or YAML path."),
    _col("mapping_sha256", sa.String, "SHA-256 of the resolved mapping, to tell re-runs apart."),
    _col("retry_of", sa.String, "Batch whose quarantined rows this batch re-ran."),
    _col("status", sa.String, "committed (a failed batch leaves no row: it rolled back).", nullable=False),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "Commit (UTC)."),
    _col("received", sa.Integer, "Records read from the source.", nullable=False),
    _col(
        "accepted",
        sa.Integer,
        "Records that passed validation (received = accepted + rejected).",
        nullable=False,
    ),
    _col(
        "inserted",
        sa.Integer,
        "New records stored (an event log folds many accepted records into one ticket).",
        nullable=False,
    ),
    _col(
        "updated",
        sa.Integer,
        "Existing records changed (old version kept in record_history).",
        nullable=False,
    ),
    _col("unchanged", sa.Integer, "Records identical to (or older than) what is stored.", nullable=False),
    _col("rejected", sa.Integer, "Records sent to quarantine.", nullable=False),
    comment="One row per committed ingest run: its counts reconcile (received = the other four).",
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    _col("quarantine_id", sa.String, "Unique id of the rejected record.", primary_key=True),
    _col("batch_id", sa.String, "Batch that rejected it.", nullable=False),
    _col("kind", sa.String, "Entity kind.", nullable=False),
    _col("source_file", sa.String, "File it came from."),
    _col(
        "line",
        sa.Integer,
        "Line of the record in the file (1 = header for CSV; record number for JSON Lines and Parquet).",
    ),
    _col("record_key", sa.String, "The record's source id, if it had one."),
    _col("field", sa.String, "First failing canonical field (or source column)."),
    _col("value", sa.Text, "The offending value as read."),
    _col("reason", sa.Text, "Why it was rejected, in words."),
    _col("errors", sa.Text, "Every problem found in the record, JSON list of {field, value, reason}."),
    _col("raw", sa.Text, "The source record as read (JSON object of source columns)."),
    _col("status", sa.String, "open, resolved (a retry accepted it) or superseded.", nullable=False),
    _col("resolved_batch_id", sa.String, "Retry batch that accepted it."),
    _col("created_at", sa.DateTime, "When it was quarantined (UTC).", nullable=False),
    comment="Rejected records with their reasons: nothing read is ever dropped silently.",
)

record_history = sa.Table(
    "record_history",
    metadata,
    _col("entity", sa.String, "Table of the record.", primary_key=True),
    _col("record_id", sa.String, "Id of the record.", primary_key=True),
    _col("batch_id", sa.String, "Batch that had written this (now replaced) version.", primary_key=True),
    _col("replaced_by_batch_id", sa.String, "Batch that replaced it.", nullable=False),
    _col("replaced_at", sa.DateTime, "When it was replaced (UTC).", nullable=False),
    _col("record", sa.Text, "The replaced version, JSON object of canonical columns."),
    comment="Earlier versions of updated records, so a change of a ticket is never lost.",
)

sa.Index("ix_tickets_created_at", tickets.c.created_at)
sa.Index("ix_feedback_ticket_id", feedback.c.ticket_id)
sa.Index("ix_ticket_events_ticket_id", ticket_events.c.ticket_id)
sa.Index("ix_interactions_conversation_id", interactions.c.conversation_id)
sa.Index("ix_quarantine_batch_id", quarantine.c.batch_id)


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    nullable: bool
    doc: str


def describe(table_name: str) -> list[ColumnDoc]:
    """Columns of a canonical table with their types and documentation."""
    table = metadata.tables[table_name]
    return [
        ColumnDoc(c.name, _type_name(c.type), bool(c.nullable) and not c.primary_key, c.comment or "")
        for c in table.columns
    ]


def _type_name(type_: sa.types.TypeEngine) -> str:
    return {
        sa.String: "text",
        sa.Text: "text",
        sa.Integer: "integer",
        sa.Float: "double",
        sa.Boolean: "boolean",
        sa.DateTime: "timestamp (UTC)",
    }.get(type(type_), type(type_).__name__.lower())


def business_columns(table_name: str) -> list[str]:
    """Columns a source mapping may fill (everything but id and lineage)."""
    lineage = {c.name for c in _lineage()} | {"id"}
    return [c.name for c in metadata.tables[table_name].columns if c.name not in lineage]
