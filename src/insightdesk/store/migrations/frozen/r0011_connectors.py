"""Revision 0011's connector tables: sources, cursors, sync runs, webhook events.

Frozen at revision 0011: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_connector_sources() -> None:
    op.create_table(
        "connector_sources",
        sa.Column(
            "source",
            sa.String(),
            nullable=False,
            comment="Source name, as in the connectors file (`zendesk-emea`).",
        ),
        sa.Column("vendor", sa.String(), nullable=False, comment="zendesk, servicenow, freshdesk or jira."),
        sa.Column(
            "base_url",
            sa.String(),
            nullable=False,
            comment="API base URL of the helpdesk instance (no credentials).",
        ),
        sa.Column("owner", sa.String(), nullable=False, comment="Account responsible for the source."),
        sa.Column(
            "department",
            sa.String(),
            nullable=True,
            comment="Department (a team id, or an ancestor of teams) the source belongs to.",
        ),
        sa.Column(
            "lag_alert_minutes",
            sa.Integer(),
            nullable=False,
            comment="Sync lag above which the source is flagged.",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            nullable=False,
            comment="When the configuration was last registered (UTC).",
        ),
        sa.PrimaryKeyConstraint("source"),
        comment="Every configured helpdesk source, its owner and department (no credentials).",
    )


def create_connector_cursors() -> None:
    op.create_table(
        "connector_cursors",
        sa.Column("source", sa.String(), nullable=False, comment="Source (connector_sources.source)."),
        sa.Column(
            "stream",
            sa.String(),
            nullable=False,
            comment="Stream of the source (tickets, ticket_events, satisfaction_ratings...).",
        ),
        sa.Column(
            "cursor",
            sa.Text(),
            nullable=False,
            comment="High-water mark, JSON: a vendor cursor, or a timestamp and tie-breaker id.",
        ),
        sa.Column(
            "newest_source_update",
            sa.DateTime(),
            nullable=True,
            comment="Newest source update time among the rows it covers (UTC).",
        ),
        sa.Column(
            "batch_id",
            sa.String(),
            nullable=True,
            comment="Ingest batch committed with this cursor (ingest_batches.batch_id).",
        ),
        sa.Column(
            "fields_seen",
            sa.Text(),
            nullable=True,
            comment="API fields this stream has sent so far, JSON list: a field not in it is drift.",
        ),
        sa.Column("committed_at", sa.DateTime(), nullable=False, comment="When it was committed (UTC)."),
        sa.PrimaryKeyConstraint("source", "stream"),
        comment="Where each stream's next pull starts; committed in the same transaction as its rows.",
    )


def create_connector_runs() -> None:
    op.create_table(
        "connector_runs",
        sa.Column("run_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("source", sa.String(), nullable=False, comment="Source synced."),
        sa.Column("trigger", sa.String(), nullable=False, comment="cli, schedule or webhook."),
        sa.Column("status", sa.String(), nullable=False, comment="running, succeeded or failed."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column(
            "finished_at",
            sa.DateTime(),
            nullable=True,
            comment="End (UTC); null while running or when the process died.",
        ),
        sa.Column("pages", sa.Integer(), nullable=False, comment="API pages read."),
        sa.Column("requests", sa.Integer(), nullable=False, comment="HTTP requests sent, retries included."),
        sa.Column("received", sa.Integer(), nullable=False, comment="Records received from the API."),
        sa.Column("accepted", sa.Integer(), nullable=False, comment="Records accepted by ingest validation."),
        sa.Column(
            "rejected",
            sa.Integer(),
            nullable=False,
            comment="Records quarantined (with their reasons, in quarantine).",
        ),
        sa.Column(
            "error_kind", sa.String(), nullable=True, comment="transient or terminal, when the run failed."
        ),
        sa.Column(
            "error", sa.Text(), nullable=True, comment="The failure in one sentence (never a credential)."
        ),
        sa.Column(
            "new_fields",
            sa.Text(),
            nullable=True,
            comment="Fields the API sent that the connector does not know, JSON list.",
        ),
        sa.Column(
            "newest_source_update",
            sa.DateTime(),
            nullable=True,
            comment="Newest source update seen over all streams (UTC).",
        ),
        sa.PrimaryKeyConstraint("run_id"),
        comment="Every sync run of every source: counts, errors and schema drift.",
    )


def create_connector_webhook_events() -> None:
    op.create_table(
        "connector_webhook_events",
        sa.Column("source", sa.String(), nullable=False, comment="Source the webhook is for."),
        sa.Column(
            "event_id",
            sa.String(),
            nullable=False,
            comment="The vendor's event id: a repeat is acknowledged and ignored.",
        ),
        sa.Column("event_type", sa.String(), nullable=True, comment="Event type as the vendor names it."),
        sa.Column(
            "signed_at",
            sa.DateTime(),
            nullable=True,
            comment="Timestamp the vendor signed (UTC), checked against the replay window.",
        ),
        sa.Column("received_at", sa.DateTime(), nullable=False, comment="When it arrived (UTC)."),
        sa.Column(
            "consumed_at",
            sa.DateTime(),
            nullable=True,
            comment="When a pull acted on it (UTC); null while waiting.",
        ),
        sa.PrimaryKeyConstraint("source", "event_id"),
        comment="Webhook signals received: a webhook only asks for a pull, the pull fetches the truth.",
    )
