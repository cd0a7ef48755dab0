"""Revision 0008's privacy tables: consent ledger, subject requests, legal holds, tombstones, retention.

Frozen at revision 0008: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_consent_events() -> None:
    op.create_table(
        "consent_events",
        sa.Column("event_id", sa.String(), nullable=False, comment="Unique id of the event."),
        sa.Column("customer_id", sa.String(), nullable=False, comment="Whose consent (customers.id)."),
        sa.Column(
            "purpose",
            sa.String(),
            nullable=False,
            comment="survey, contact, text_analytics or model_training (docs/privacy.md).",
        ),
        sa.Column(
            "granted",
            sa.Boolean(),
            nullable=False,
            comment="True: consent given; false: refused or withdrawn.",
        ),
        sa.Column(
            "source",
            sa.String(),
            nullable=False,
            comment="How it was learnt: import (a customers export), api, cli, unsubscribe (a signed link), survey.",
        ),
        sa.Column(
            "provenance",
            sa.String(),
            nullable=True,
            comment="Evidence of the source: ingest batch id, link id, request id (never personal data).",
        ),
        sa.Column(
            "actor",
            sa.String(),
            nullable=False,
            comment="Who recorded it: users.username, `cli:<os user>`, `ingest`.",
        ),
        sa.Column(
            "effective_at", sa.DateTime(), nullable=False, comment="When the consent decision was made (UTC)."
        ),
        sa.Column(
            "recorded_at", sa.DateTime(), nullable=False, comment="When InsightDesk recorded it (UTC)."
        ),
        sa.PrimaryKeyConstraint("event_id"),
        comment="Append-only consent ledger per person and purpose: the latest event in effect decides; no event means no consent.",
    )


def create_privacy_requests() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("request_id", sa.String(), nullable=False, comment="Unique id of the request."),
        sa.Column(
            "kind", sa.String(), nullable=False, comment="export (one person), bulk_export or erasure."
        ),
        sa.Column(
            "subject",
            sa.String(),
            nullable=True,
            comment="The customer id or email the request names; emptied once an erasure is done.",
        ),
        sa.Column(
            "subject_kind", sa.String(), nullable=False, comment="customer or email: what `subject` is."
        ),
        sa.Column(
            "state", sa.String(), nullable=False, comment="received, verified, approved, done or refused."
        ),
        sa.Column(
            "requested_by",
            sa.String(),
            nullable=False,
            comment="Who filed it (users.username or `cli:<os user>`).",
        ),
        sa.Column("received_at", sa.DateTime(), nullable=False, comment="When it was filed (UTC)."),
        sa.Column(
            "due_at",
            sa.DateTime(),
            nullable=False,
            comment="When it must be answered (UTC; 30 days after receipt by default).",
        ),
        sa.Column("verified_by", sa.String(), nullable=True, comment="Who checked the requester's identity."),
        sa.Column("verified_at", sa.DateTime(), nullable=True, comment="When (UTC)."),
        sa.Column(
            "approved_by",
            sa.String(),
            nullable=True,
            comment="Second person with the privacy role who approved it (never the requester).",
        ),
        sa.Column("approved_at", sa.DateTime(), nullable=True, comment="When (UTC)."),
        sa.Column("closed_at", sa.DateTime(), nullable=True, comment="When it was done or refused (UTC)."),
        sa.Column(
            "reason", sa.Text(), nullable=True, comment="Why it was refused, in words (never personal data)."
        ),
        sa.Column(
            "result",
            sa.Text(),
            nullable=True,
            comment="What was done, JSON object of counts per table (no personal data).",
        ),
        sa.PrimaryKeyConstraint("request_id"),
        comment="Subject access and erasure requests with their states, due dates and four-eyes approval.",
    )


def create_legal_holds() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("hold_id", sa.String(), nullable=False, comment="Unique id of the hold."),
        sa.Column("customer_id", sa.String(), nullable=False, comment="Person under hold (customers.id)."),
        sa.Column("reason", sa.Text(), nullable=False, comment="Why (case reference, in words)."),
        sa.Column("placed_by", sa.String(), nullable=False, comment="Who placed it."),
        sa.Column("placed_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.Column(
            "released_at", sa.DateTime(), nullable=True, comment="When it was lifted (UTC); null while open."
        ),
        sa.PrimaryKeyConstraint("hold_id"),
        comment="Legal holds: a person under an open hold is neither erased nor purged.",
    )


def create_erasure_tombstones() -> None:
    op.create_table(
        "erasure_tombstones",
        sa.Column(
            "identifier_hash",
            sa.String(),
            nullable=False,
            comment="HMAC-SHA256 (privacy_keys) of one identifier of an erased person: a customer id, email or phone.",
        ),
        sa.Column("identifier_kind", sa.String(), nullable=False, comment="customer_id, email or phone."),
        sa.Column(
            "request_id",
            sa.String(),
            nullable=True,
            comment="Erasure request that made it (privacy_requests.request_id).",
        ),
        sa.Column("erased_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("identifier_hash"),
        comment="Keyed hashes of erased people's identifiers: ingest skips their rows as `erased subject`.",
    )


def create_privacy_keys() -> None:
    op.create_table(
        "privacy_keys",
        sa.Column("key_id", sa.String(), nullable=False, comment="Id of the key (`tombstone`)."),
        sa.Column(
            "secret",
            sa.String(),
            nullable=False,
            comment="Random 256-bit secret, hex, of the tombstones' HMAC.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was made (UTC)."),
        sa.PrimaryKeyConstraint("key_id"),
        comment="The tombstone hashing key: a tombstone cannot be reversed without it (docs/privacy.md).",
    )


def create_retention_policies() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("policy_id", sa.String(), nullable=False, comment="Unique id of the policy."),
        sa.Column(
            "data_class",
            sa.String(),
            nullable=False,
            comment="free_text or identity (the catalogue's data classes that expire).",
        ),
        sa.Column(
            "region",
            sa.String(),
            nullable=False,
            comment="Customers' region it applies to (customers.region); `*` for all.",
        ),
        sa.Column(
            "keep_days",
            sa.Integer(),
            nullable=False,
            comment="Days to keep after the policy's reference date.",
        ),
        sa.Column("created_by", sa.String(), nullable=False, comment="Who set it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("policy_id"),
        comment="Retention per data class and region: what expired is removed or anonymised by `privacy purge`.",
    )


def create_retention_runs() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("run_id", sa.String(), nullable=False, comment="Unique id of the run."),
        sa.Column("dry_run", sa.Boolean(), nullable=False, comment="True when only counted."),
        sa.Column("actor", sa.String(), nullable=False, comment="Who ran it."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="End (UTC)."),
        sa.Column(
            "counts",
            sa.Text(),
            nullable=True,
            comment="What expired (or was removed), JSON object per policy and table.",
        ),
        sa.PrimaryKeyConstraint("run_id"),
        comment="Every retention purge (or dry run) and what it removed.",
    )
