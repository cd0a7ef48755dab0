"""Revision 0010's closed-loop tables (part): rules and tasks, or delivery and packs.

Frozen at revision 0010: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_action_outbox() -> None:
    op.create_table(
        "action_outbox",
        sa.Column("message_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "idempotency_key",
            sa.String(),
            nullable=False,
            comment="One effect per key, whatever the retries.",
        ),
        sa.Column(
            "channel",
            sa.String(),
            nullable=False,
            comment="problem_record (to a helpdesk destination), email or webhook.",
        ),
        sa.Column(
            "destination",
            sa.String(),
            nullable=False,
            comment="Named destination (the destinations file) or address.",
        ),
        sa.Column("payload", sa.Text(), nullable=False, comment="What to deliver, JSON."),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="awaiting_approval, pending, delivered or dead (dead-letter: replay to retry).",
        ),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="Delivery attempts so far."),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(),
            nullable=False,
            comment="Not before (UTC): backoff with jitter, or Retry-After.",
        ),
        sa.Column(
            "lease_until",
            sa.DateTime(),
            nullable=True,
            comment="A worker holds it until then (UTC); a dead worker's lease lapses.",
        ),
        sa.Column("last_error", sa.Text(), nullable=True, comment="Last failure, one sentence."),
        sa.Column(
            "error_kind",
            sa.String(),
            nullable=True,
            comment="transient (retried) or terminal (dead-lettered at once).",
        ),
        sa.Column(
            "external_id",
            sa.String(),
            nullable=True,
            comment="Id of the effect at the destination (problem sys_id, issue key...).",
        ),
        sa.Column(
            "evaluation_id",
            sa.String(),
            nullable=True,
            comment="Evaluation that queued it (action_evaluations).",
        ),
        sa.Column(
            "approved_by",
            sa.String(),
            nullable=True,
            comment="Second person who released it (helpdesk writes, bulk contact).",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Queued (UTC)."),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change (UTC)."),
        sa.Column("delivered_at", sa.DateTime(), nullable=True, comment="Delivered (UTC)."),
        sa.PrimaryKeyConstraint("message_id"),
        sa.UniqueConstraint("idempotency_key"),
        comment="Transactional outbox: deliveries to helpdesks, e-mail and webhooks, retried until done or dead.",
    )


def create_action_external_records() -> None:
    op.create_table(
        "action_external_records",
        sa.Column("vendor", sa.String(), nullable=False, comment="servicenow, jira or zendesk."),
        sa.Column(
            "external_id",
            sa.String(),
            nullable=False,
            comment="The record's id there (sys_id, issue key, ticket id).",
        ),
        sa.Column(
            "number", sa.String(), nullable=True, comment="Its human number there (PRB0040001, OPS-12...)."
        ),
        sa.Column("idempotency_key", sa.String(), nullable=False, comment="Outbox key that created it."),
        sa.Column("painpoint_key", sa.String(), nullable=True, comment="Pain point it is about."),
        sa.Column("status", sa.String(), nullable=True, comment="Its state there, as last read back."),
        sa.Column(
            "created_at", sa.DateTime(), nullable=False, comment="Created there (UTC, as we recorded it)."
        ),
        sa.Column("synced_at", sa.DateTime(), nullable=True, comment="Last status read back (UTC)."),
        sa.PrimaryKeyConstraint("vendor", "external_id"),
        comment="Problem records written to a helpdesk, and their status as it flows back.",
    )


def create_action_review_packs() -> None:
    op.create_table(
        "action_review_packs",
        sa.Column(
            "pack_id",
            sa.String(),
            nullable=False,
            comment="`<role>:<period start>`: one pack per role and period.",
        ),
        sa.Column("role", sa.String(), nullable=False, comment="Audience role."),
        sa.Column("period_start", sa.DateTime(), nullable=False, comment="Period covered, start (UTC)."),
        sa.Column(
            "period_end", sa.DateTime(), nullable=False, comment="Period covered, end (UTC, exclusive)."
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="held (data-quality gate), awaiting_signoff, ready or sent.",
        ),
        sa.Column(
            "quality", sa.Text(), nullable=False, comment="Data-quality checks and their results, JSON."
        ),
        sa.Column(
            "content",
            sa.Text(),
            nullable=True,
            comment="KPI movements, pain points with rank changes, open actions, JSON.",
        ),
        sa.Column("signed_off_by", sa.String(), nullable=True, comment="Who signed it off."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Built (UTC)."),
        sa.Column("sent_at", sa.DateTime(), nullable=True, comment="Sent (UTC)."),
        sa.PrimaryKeyConstraint("pack_id"),
        comment="Review packs per role and period, held when their data is stale or partial.",
    )


def create_action_config_changes() -> None:
    op.create_table(
        "action_config_changes",
        sa.Column("change_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "setting", sa.String(), nullable=False, comment="Run-time setting changed (settings.name)."
        ),
        sa.Column(
            "region",
            sa.String(),
            nullable=True,
            comment="Region the value applies to; null: the global value.",
        ),
        sa.Column("value", sa.Text(), nullable=False, comment="New value, JSON."),
        sa.Column(
            "status", sa.String(), nullable=False, comment="draft, staging, active, superseded or withdrawn."
        ),
        sa.Column("effective_at", sa.DateTime(), nullable=False, comment="When it takes effect (UTC)."),
        sa.Column("created_by", sa.String(), nullable=False, comment="Who proposed it."),
        sa.Column("approved_by", sa.String(), nullable=True, comment="Second person who staged it."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Proposed (UTC)."),
        sa.Column("applied_at", sa.DateTime(), nullable=True, comment="Applied (UTC)."),
        sa.PrimaryKeyConstraint("change_id"),
        comment="Change control of configuration: proposed, staged, effective on a date, with a diff.",
    )
