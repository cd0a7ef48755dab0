"""Initial canonical model: entities, ingest batches, quarantine, record history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _row_store() -> bool:
    # Secondary B-tree/ART indexes help PostgreSQL's lookups; on DuckDB they only slow bulk loads
    # (its zone maps already prune scans), so DuckDB gets none.
    return op.get_bind().dialect.name != "duckdb"


def _index(name: str, table: str, columns: list[str], unique: bool = False) -> None:
    if _row_store():
        op.create_index(name, table, columns, unique=unique)


def _drop_index(name: str, table_name: str) -> None:
    if _row_store():
        op.drop_index(name, table_name=table_name)


def upgrade() -> None:

    op.create_table(
        "agents",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("name", sa.String(), nullable=True, comment="Display name."),
        sa.Column("email", sa.String(), nullable=True, comment="Work email."),
        sa.Column("team_id", sa.String(), nullable=True, comment="Home team (teams.id)."),
        sa.Column("support_tier", sa.String(), nullable=True, comment="L1, L2 or L3."),
        sa.Column("is_bot", sa.Boolean(), nullable=True, comment="True for virtual agents."),
        sa.Column("hired_at", sa.DateTime(), nullable=True, comment="Start date (UTC)."),
        sa.Column("active", sa.Boolean(), nullable=True, comment="Still active in the source system."),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only.",
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
        comment="People (and bots) who work tickets.",
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("title", sa.String(), nullable=True, comment="Title."),
        sa.Column("body", sa.Text(), nullable=True, comment="Article text."),
        sa.Column("category", sa.String(), nullable=True, comment="Category."),
        sa.Column("product", sa.String(), nullable=True, comment="Product."),
        sa.Column(
            "visibility",
            sa.String(),
            nullable=True,
            comment="public, internal or restricted: kept from the source.",
        ),
        sa.Column("status", sa.String(), nullable=True, comment="draft, published or archived."),
        sa.Column("created_at", sa.DateTime(), nullable=True, comment="Created (UTC)."),
        sa.Column(
            "source_updated_at", sa.DateTime(), nullable=True, comment="Last updated in the source (UTC)."
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
        comment="Knowledge-base articles.",
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("title", sa.String(), nullable=True, comment="Short description."),
        sa.Column("change_type", sa.String(), nullable=True, comment="standard, normal or emergency."),
        sa.Column(
            "status",
            sa.String(),
            nullable=True,
            comment="requested, approved, scheduled, implemented, failed, cancelled, closed.",
        ),
        sa.Column("risk", sa.String(), nullable=True, comment="high, medium or low."),
        sa.Column(
            "problem_id", sa.String(), nullable=True, comment="Problem the change fixes (problems.id)."
        ),
        sa.Column("planned_start", sa.DateTime(), nullable=True, comment="Planned start (UTC)."),
        sa.Column("implemented_at", sa.DateTime(), nullable=True, comment="Implemented (UTC)."),
        sa.Column("closed_at", sa.DateTime(), nullable=True, comment="Closed (UTC)."),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only (no export of it yet).",
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
        comment="ITIL changes (requests for change), optionally fixing a problem.",
    )
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("customer_id", sa.String(), nullable=False, comment="Customer (customers.id)."),
        sa.Column("kind", sa.String(), nullable=False, comment="`email` or `phone`."),
        sa.Column(
            "value",
            sa.String(),
            nullable=False,
            comment="The address or number, normalised (lower-case email, E.164-like phone).",
        ),
        sa.Column("is_primary", sa.Boolean(), nullable=True, comment="Primary contact point of its kind."),
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
        comment="Contact points of a customer (one row per email or phone).",
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column(
            "organisation_id",
            sa.String(),
            nullable=True,
            comment="Organisation the customer belongs to (organisations.id).",
        ),
        sa.Column(
            "name", sa.String(), nullable=True, comment="Display name (personal data: role-restricted)."
        ),
        sa.Column(
            "tier", sa.String(), nullable=True, comment="Customer tier (e.g. gold, silver, bronze, free)."
        ),
        sa.Column(
            "segment",
            sa.String(),
            nullable=True,
            comment="Business segment (e.g. consumer, smb, enterprise).",
        ),
        sa.Column(
            "region", sa.String(), nullable=True, comment="Region used for segmentation and data residency."
        ),
        sa.Column("country", sa.String(), nullable=True, comment="Country code or name."),
        sa.Column(
            "language", sa.String(), nullable=True, comment="Preferred language, ISO 639-1 (en, de...)."
        ),
        sa.Column(
            "timezone",
            sa.String(),
            nullable=True,
            comment="IANA time zone of the customer (e.g. Europe/Berlin).",
        ),
        sa.Column(
            "lifetime_value",
            sa.Float(),
            nullable=True,
            comment="Customer lifetime value in `currency` units.",
        ),
        sa.Column("currency", sa.String(), nullable=True, comment="ISO 4217 currency of lifetime_value."),
        sa.Column(
            "consent_survey",
            sa.Boolean(),
            nullable=True,
            comment="May be surveyed. Unknown (null) is treated as no consent.",
        ),
        sa.Column(
            "consent_analytics",
            sa.Boolean(),
            nullable=True,
            comment="Feedback may be analysed beyond service delivery.",
        ),
        sa.Column(
            "consent_contact",
            sa.Boolean(),
            nullable=True,
            comment="May be contacted for follow-up (e.g. detractor call-back).",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=True,
            comment="When the customer record was created in the source (UTC).",
        ),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only (no customer export yet).",
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
        comment="People who contact the desk. Identity resolution across systems links rows of this table.",
    )
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
    _index("ix_feedback_ticket_id", "feedback", ["ticket_id"], unique=False)
    op.create_table(
        "ingest_batches",
        sa.Column("batch_id", sa.String(), nullable=False, comment="Batch id (time-ordered, unique)."),
        sa.Column(
            "kind", sa.String(), nullable=False, comment="Entity kind ingested (tickets, feedback...)."
        ),
        sa.Column("source_file", sa.String(), nullable=True, comment="Path of the file as given."),
        sa.Column("file_sha256", sa.String(), nullable=True, comment="SHA-256 of the file's bytes."),
        sa.Column("profile", sa.String(), nullable=True, comment="Mapping profile name or YAML path."),
        sa.Column(
            "mapping_sha256",
            sa.String(),
            nullable=True,
            comment="SHA-256 of the resolved mapping, to tell re-runs apart.",
        ),
        sa.Column(
            "retry_of", sa.String(), nullable=True, comment="Batch whose quarantined rows this batch re-ran."
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="committed (a failed batch leaves no row: it rolled back).",
        ),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="Commit (UTC)."),
        sa.Column("received", sa.Integer(), nullable=False, comment="Records read from the source."),
        sa.Column(
            "accepted",
            sa.Integer(),
            nullable=False,
            comment="Records that passed validation (received = accepted + rejected).",
        ),
        sa.Column(
            "inserted",
            sa.Integer(),
            nullable=False,
            comment="New records stored (an event log folds many accepted records into one ticket).",
        ),
        sa.Column(
            "updated",
            sa.Integer(),
            nullable=False,
            comment="Existing records changed (old version kept in record_history).",
        ),
        sa.Column(
            "unchanged",
            sa.Integer(),
            nullable=False,
            comment="Records identical to (or older than) what is stored.",
        ),
        sa.Column("rejected", sa.Integer(), nullable=False, comment="Records sent to quarantine."),
        sa.PrimaryKeyConstraint("batch_id"),
        comment="One row per committed ingest run: its counts reconcile (received = the other four).",
    )
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
    _index("ix_interactions_conversation_id", "interactions", ["conversation_id"], unique=False)
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("name", sa.String(), nullable=True, comment="Organisation name."),
        sa.Column("industry", sa.String(), nullable=True, comment="Industry or sector."),
        sa.Column(
            "tier",
            sa.String(),
            nullable=True,
            comment="Commercial tier of the account (e.g. enterprise, smb).",
        ),
        sa.Column("region", sa.String(), nullable=True, comment="Sales or service region."),
        sa.Column("country", sa.String(), nullable=True, comment="ISO 3166 country code or name."),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only (no export of it yet).",
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
        comment="Customer organisations (accounts) for B2B desks.",
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("title", sa.String(), nullable=True, comment="Short description."),
        sa.Column("description", sa.Text(), nullable=True, comment="Details."),
        sa.Column(
            "status",
            sa.String(),
            nullable=True,
            comment="new, investigating, known_error, resolved or closed.",
        ),
        sa.Column("category", sa.String(), nullable=True, comment="Category."),
        sa.Column("priority", sa.String(), nullable=True, comment="critical, high, medium, low or planning."),
        sa.Column("root_cause", sa.Text(), nullable=True, comment="Root cause once known."),
        sa.Column(
            "known_error",
            sa.Boolean(),
            nullable=True,
            comment="Documented as a known error with a workaround.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=True, comment="Opened (UTC)."),
        sa.Column("resolved_at", sa.DateTime(), nullable=True, comment="Resolved (UTC)."),
        sa.Column("closed_at", sa.DateTime(), nullable=True, comment="Closed (UTC)."),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only (no export of it yet).",
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
        comment="ITIL problems: the underlying cause of one or more incidents (tickets.problem_id links them).",
    )
    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", sa.String(), nullable=False, comment="Unique id of the rejected record."),
        sa.Column("batch_id", sa.String(), nullable=False, comment="Batch that rejected it."),
        sa.Column("kind", sa.String(), nullable=False, comment="Entity kind."),
        sa.Column("source_file", sa.String(), nullable=True, comment="File it came from."),
        sa.Column(
            "line",
            sa.Integer(),
            nullable=True,
            comment="Line of the record in the file (1 = header for CSV; record number for JSON Lines and Parquet).",
        ),
        sa.Column("record_key", sa.String(), nullable=True, comment="The record's source id, if it had one."),
        sa.Column(
            "field", sa.String(), nullable=True, comment="First failing canonical field (or source column)."
        ),
        sa.Column("value", sa.Text(), nullable=True, comment="The offending value as read."),
        sa.Column("reason", sa.Text(), nullable=True, comment="Why it was rejected, in words."),
        sa.Column(
            "errors",
            sa.Text(),
            nullable=True,
            comment="Every problem found in the record, JSON list of {field, value, reason}.",
        ),
        sa.Column(
            "raw",
            sa.Text(),
            nullable=True,
            comment="The source record as read (JSON object of source columns).",
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="open, resolved (a retry accepted it) or superseded.",
        ),
        sa.Column("resolved_batch_id", sa.String(), nullable=True, comment="Retry batch that accepted it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was quarantined (UTC)."),
        sa.PrimaryKeyConstraint("quarantine_id"),
        comment="Rejected records with their reasons: nothing read is ever dropped silently.",
    )
    _index("ix_quarantine_batch_id", "quarantine", ["batch_id"], unique=False)
    op.create_table(
        "record_history",
        sa.Column("entity", sa.String(), nullable=False, comment="Table of the record."),
        sa.Column("record_id", sa.String(), nullable=False, comment="Id of the record."),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=False,
            comment="Batch that had written this (now replaced) version.",
        ),
        sa.Column("replaced_by_batch_id", sa.String(), nullable=False, comment="Batch that replaced it."),
        sa.Column("replaced_at", sa.DateTime(), nullable=False, comment="When it was replaced (UTC)."),
        sa.Column(
            "record",
            sa.Text(),
            nullable=True,
            comment="The replaced version, JSON object of canonical columns.",
        ),
        sa.PrimaryKeyConstraint("entity", "record_id", "batch_id"),
        comment="Earlier versions of updated records, so a change of a ticket is never lost.",
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("name", sa.String(), nullable=True, comment="Team or assignment-group name."),
        sa.Column("support_tier", sa.String(), nullable=True, comment="L1, L2 or L3."),
        sa.Column(
            "parent_team_id", sa.String(), nullable=True, comment="Parent team (teams.id) for nested groups."
        ),
        sa.Column(
            "is_stub",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="True when created from a reference only.",
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
        comment="Support teams / assignment groups.",
    )
    op.create_table(
        "ticket_articles",
        sa.Column("id", sa.String(), nullable=False, comment="Canonical id: `<source_system>:<source_id>`."),
        sa.Column("ticket_id", sa.String(), nullable=False, comment="Ticket (tickets.id)."),
        sa.Column("article_id", sa.String(), nullable=False, comment="Article (articles.id)."),
        sa.Column(
            "link_type", sa.String(), nullable=True, comment="linked, resolved_by, suggested or created_from."
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
        comment="Links between tickets and knowledge articles.",
    )
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
    _index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"], unique=False)
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
    _index("ix_tickets_created_at", "tickets", ["created_at"], unique=False)


def downgrade() -> None:

    _drop_index("ix_tickets_created_at", table_name="tickets")
    op.drop_table("tickets")
    _drop_index("ix_ticket_events_ticket_id", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_table("ticket_articles")
    op.drop_table("teams")
    op.drop_table("record_history")
    _drop_index("ix_quarantine_batch_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("problems")
    op.drop_table("organisations")
    _drop_index("ix_interactions_conversation_id", table_name="interactions")
    op.drop_table("interactions")
    op.drop_table("ingest_batches")
    _drop_index("ix_feedback_ticket_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("customers")
    op.drop_table("customer_contacts")
    op.drop_table("changes")
    op.drop_table("articles")
    op.drop_table("agents")
