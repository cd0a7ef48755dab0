"""Ingest bookkeeping: one row per committed batch, rejected records, replaced record versions."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

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

sa.Index("ix_quarantine_batch_id", quarantine.c.batch_id)
