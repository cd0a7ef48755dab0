"""Revision 0001's ITIL and knowledge tables: articles, changes, problems, ticket articles.

Frozen at revision 0001: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_articles() -> None:
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


def create_changes() -> None:
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


def create_problems() -> None:
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


def create_ticket_articles() -> None:
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
