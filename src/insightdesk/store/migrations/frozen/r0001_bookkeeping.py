"""Revision 0001's ingest bookkeeping: ingest batches, quarantine, record history.

Frozen at revision 0001: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_ingest_batches() -> None:
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


def create_quarantine() -> None:
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


def create_record_history() -> None:
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
