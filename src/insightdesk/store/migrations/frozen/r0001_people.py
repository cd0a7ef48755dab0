"""Revision 0001's tables of people: agents, customer contacts, customers, organisations, teams.

Frozen at revision 0001: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_agents() -> None:
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


def create_customer_contacts() -> None:
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


def create_customers() -> None:
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


def create_organisations() -> None:
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


def create_teams() -> None:
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
