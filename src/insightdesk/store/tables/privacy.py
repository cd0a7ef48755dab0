"""Store tables of the privacy lifecycle (migration 0008): consent ledger, subject requests, legal
holds, erasure tombstones, retention policies and runs.

Ingest reads `erasure_tombstones` and `privacy_keys` directly (it sits below governance) so that a
re-import of an old export never brings an erased person back; governance.privacy writes them.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

# The customers' consent flags of a helpdesk export and the ledger purpose each one feeds (the
# purposes themselves are governance.privacy.ConsentPurpose; ingest only needs their names).
CUSTOMER_CONSENT_COLUMNS: dict[str, str] = {
    "consent_survey": "survey",
    "consent_contact": "contact",
    "consent_analytics": "text_analytics",
    "consent_model_training": "model_training",
}

consent_events = sa.Table(
    "consent_events",
    metadata,
    _col("event_id", sa.String, "Unique id of the event.", primary_key=True),
    _col("customer_id", sa.String, "Whose consent (customers.id).", nullable=False),
    _col(
        "purpose",
        sa.String,
        "survey, contact, text_analytics or model_training (docs/privacy.md).",
        nullable=False,
    ),
    _col("granted", sa.Boolean, "True: consent given; false: refused or withdrawn.", nullable=False),
    _col(
        "source",
        sa.String,
        "How it was learnt: import (a customers export), api, cli, unsubscribe (a signed link), survey.",
        nullable=False,
    ),
    _col(
        "provenance",
        sa.String,
        "Evidence of the source: ingest batch id, link id, request id (never personal data).",
    ),
    _col("actor", sa.String, "Who recorded it: users.username, `cli:<os user>`, `ingest`.", nullable=False),
    _col("effective_at", sa.DateTime, "When the consent decision was made (UTC).", nullable=False),
    _col("recorded_at", sa.DateTime, "When InsightDesk recorded it (UTC).", nullable=False),
    comment="Append-only consent ledger per person and purpose: the latest event in effect decides; "
    "no event means no consent.",
)

privacy_requests = sa.Table(
    "privacy_requests",
    metadata,
    _col("request_id", sa.String, "Unique id of the request.", primary_key=True),
    _col("kind", sa.String, "export (one person), bulk_export or erasure.", nullable=False),
    _col(
        "subject",
        sa.String,
        "The customer id or email the request names; emptied once an erasure is done.",
    ),
    _col(
        "subject_kind",
        sa.String,
        "customer or email: what `subject` is.",
        nullable=False,
    ),
    _col("state", sa.String, "received, verified, approved, done or refused.", nullable=False),
    _col("requested_by", sa.String, "Who filed it (users.username or `cli:<os user>`).", nullable=False),
    _col("received_at", sa.DateTime, "When it was filed (UTC).", nullable=False),
    _col(
        "due_at",
        sa.DateTime,
        "When it must be answered (UTC; 30 days after receipt by default).",
        nullable=False,
    ),
    _col("verified_by", sa.String, "Who checked the requester's identity."),
    _col("verified_at", sa.DateTime, "When (UTC)."),
    _col(
        "approved_by", sa.String, "Second person with the privacy role who approved it (never the requester)."
    ),
    _col("approved_at", sa.DateTime, "When (UTC)."),
    _col("closed_at", sa.DateTime, "When it was done or refused (UTC)."),
    _col("reason", sa.Text, "Why it was refused, in words (never personal data)."),
    _col("result", sa.Text, "What was done, JSON object of counts per table (no personal data)."),
    comment="Subject access and erasure requests with their states, due dates and four-eyes approval.",
)

legal_holds = sa.Table(
    "legal_holds",
    metadata,
    _col("hold_id", sa.String, "Unique id of the hold.", primary_key=True),
    _col("customer_id", sa.String, "Person under hold (customers.id).", nullable=False),
    _col("reason", sa.Text, "Why (case reference, in words).", nullable=False),
    _col("placed_by", sa.String, "Who placed it.", nullable=False),
    _col("placed_at", sa.DateTime, "When (UTC).", nullable=False),
    _col("released_at", sa.DateTime, "When it was lifted (UTC); null while open."),
    comment="Legal holds: a person under an open hold is neither erased nor purged.",
)

erasure_tombstones = sa.Table(
    "erasure_tombstones",
    metadata,
    _col(
        "identifier_hash",
        sa.String,
        "HMAC-SHA256 (privacy_keys) of one identifier of an erased person: a customer id, email or phone.",
        primary_key=True,
    ),
    _col("identifier_kind", sa.String, "customer_id, email or phone.", nullable=False),
    _col("request_id", sa.String, "Erasure request that made it (privacy_requests.request_id)."),
    _col("erased_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Keyed hashes of erased people's identifiers: ingest skips their rows as `erased subject`.",
)

privacy_keys = sa.Table(
    "privacy_keys",
    metadata,
    _col("key_id", sa.String, "Id of the key (`tombstone`).", primary_key=True),
    _col("secret", sa.String, "Random 256-bit secret, hex, of the tombstones' HMAC.", nullable=False),
    _col("created_at", sa.DateTime, "When it was made (UTC).", nullable=False),
    comment="The tombstone hashing key: a tombstone cannot be reversed without it (docs/privacy.md).",
)

retention_policies = sa.Table(
    "retention_policies",
    metadata,
    _col("policy_id", sa.String, "Unique id of the policy.", primary_key=True),
    _col(
        "data_class",
        sa.String,
        "free_text or identity (the catalogue's data classes that expire).",
        nullable=False,
    ),
    _col(
        "region",
        sa.String,
        "Customers' region it applies to (customers.region); `*` for all.",
        nullable=False,
    ),
    _col("keep_days", sa.Integer, "Days to keep after the policy's reference date.", nullable=False),
    _col("created_by", sa.String, "Who set it.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Retention per data class and region: what expired is removed or anonymised by `privacy purge`.",
)

retention_runs = sa.Table(
    "retention_runs",
    metadata,
    _col("run_id", sa.String, "Unique id of the run.", primary_key=True),
    _col("dry_run", sa.Boolean, "True when only counted.", nullable=False),
    _col("actor", sa.String, "Who ran it.", nullable=False),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "End (UTC)."),
    _col("counts", sa.Text, "What expired (or was removed), JSON object per policy and table."),
    comment="Every retention purge (or dry run) and what it removed.",
)

sa.Index("ix_consent_events_customer", consent_events.c.customer_id, consent_events.c.purpose)

PRIVACY_TABLES = (
    "consent_events",
    "privacy_requests",
    "legal_holds",
    "erasure_tombstones",
    "privacy_keys",
    "retention_policies",
    "retention_runs",
)
