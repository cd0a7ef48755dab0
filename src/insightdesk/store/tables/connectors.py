"""Store tables of the live connectors (migration 0011): sources, sync cursors, sync runs and webhook
events.

A stream's cursor is written in the same transaction as the rows it covers (through ingest's
commit hook), so a crash leaves both or neither. Credentials are never stored here: a source names
the environment variables or secrets-file keys that hold them.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

connector_sources = sa.Table(
    "connector_sources",
    metadata,
    _col("source", sa.String, "Source name, as in the connectors file (`zendesk-emea`).", primary_key=True),
    _col("vendor", sa.String, "zendesk, servicenow, freshdesk or jira.", nullable=False),
    _col("base_url", sa.String, "API base URL of the helpdesk instance (no credentials).", nullable=False),
    _col("owner", sa.String, "Account responsible for the source.", nullable=False),
    _col("department", sa.String, "Department (a team id, or an ancestor of teams) the source belongs to."),
    _col("lag_alert_minutes", sa.Integer, "Sync lag above which the source is flagged.", nullable=False),
    _col("updated_at", sa.DateTime, "When the configuration was last registered (UTC).", nullable=False),
    comment="Every configured helpdesk source, its owner and department (no credentials).",
)

connector_cursors = sa.Table(
    "connector_cursors",
    metadata,
    _col("source", sa.String, "Source (connector_sources.source).", primary_key=True),
    _col(
        "stream",
        sa.String,
        "Stream of the source (tickets, ticket_events, satisfaction_ratings...).",
        primary_key=True,
    ),
    _col(
        "cursor",
        sa.Text,
        "High-water mark, JSON: a vendor cursor, or a timestamp and tie-breaker id.",
        nullable=False,
    ),
    _col("newest_source_update", sa.DateTime, "Newest source update time among the rows it covers (UTC)."),
    _col("batch_id", sa.String, "Ingest batch committed with this cursor (ingest_batches.batch_id)."),
    _col(
        "fields_seen",
        sa.Text,
        "API fields this stream has sent so far, JSON list: a field not in it is drift.",
    ),
    _col("committed_at", sa.DateTime, "When it was committed (UTC).", nullable=False),
    comment="Where each stream's next pull starts; committed in the same transaction as its rows.",
)

connector_runs = sa.Table(
    "connector_runs",
    metadata,
    _col("run_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("source", sa.String, "Source synced.", nullable=False),
    _col("trigger", sa.String, "cli, schedule or webhook.", nullable=False),
    _col("status", sa.String, "running, succeeded or failed.", nullable=False),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "End (UTC); null while running or when the process died."),
    _col("pages", sa.Integer, "API pages read.", nullable=False),
    _col("requests", sa.Integer, "HTTP requests sent, retries included.", nullable=False),
    _col("received", sa.Integer, "Records received from the API.", nullable=False),
    _col("accepted", sa.Integer, "Records accepted by ingest validation.", nullable=False),
    _col("rejected", sa.Integer, "Records quarantined (with their reasons, in quarantine).", nullable=False),
    _col("error_kind", sa.String, "transient or terminal, when the run failed."),
    _col("error", sa.Text, "The failure in one sentence (never a credential)."),
    _col("new_fields", sa.Text, "Fields the API sent that the connector does not know, JSON list."),
    _col("newest_source_update", sa.DateTime, "Newest source update seen over all streams (UTC)."),
    comment="Every sync run of every source: counts, errors and schema drift.",
)

connector_webhook_events = sa.Table(
    "connector_webhook_events",
    metadata,
    _col("source", sa.String, "Source the webhook is for.", primary_key=True),
    _col(
        "event_id",
        sa.String,
        "The vendor's event id: a repeat is acknowledged and ignored.",
        primary_key=True,
    ),
    _col("event_type", sa.String, "Event type as the vendor names it."),
    _col("signed_at", sa.DateTime, "Timestamp the vendor signed (UTC), checked against the replay window."),
    _col("received_at", sa.DateTime, "When it arrived (UTC).", nullable=False),
    _col("consumed_at", sa.DateTime, "When a pull acted on it (UTC); null while waiting."),
    comment="Webhook signals received: a webhook only asks for a pull, the pull fetches the truth.",
)

sa.Index("ix_connector_runs_source", connector_runs.c.source, connector_runs.c.started_at)
