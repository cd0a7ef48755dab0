"""Canonical entities about who is involved: organisations, customers and their contacts, teams, agents.

Conventions (all canonical tables): every timestamp is UTC, stored without a zone; an entity's `id`
is `<source_system>:<source_id>`; every entity row carries its lineage (see base.lineage_columns).
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import entity_table as _entity
from insightdesk.store.tables.base import stub_flag

organisations = _entity(
    "organisations",
    "Customer organisations (accounts) for B2B desks.",
    _col("name", sa.String, "Organisation name."),
    _col("industry", sa.String, "Industry or sector."),
    _col("tier", sa.String, "Commercial tier of the account (e.g. enterprise, smb)."),
    _col("region", sa.String, "Sales or service region."),
    _col("country", sa.String, "ISO 3166 country code or name."),
    stub_flag(),
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
    _col(
        "consent_model_training",
        sa.Boolean,
        "Records may train the desk's own models (risk, intents). Unknown (null) is treated as no consent.",
    ),
    _col("created_at", sa.DateTime, "When the customer record was created in the source (UTC)."),
    stub_flag("True when created from a reference only (no customer export yet)."),
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
    stub_flag("True when created from a reference only."),
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
    stub_flag("True when created from a reference only."),
)
