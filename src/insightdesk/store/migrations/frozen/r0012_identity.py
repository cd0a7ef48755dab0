"""Revision 0012 creates the identity-resolution tables.

Frozen at revision 0012: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_identity_runs() -> None:
    op.create_table(
        "identity_runs",
        sa.Column("run_id", sa.String(), nullable=False, comment="Unique, time-ordered id of the run."),
        sa.Column(
            "mode",
            sa.String(),
            nullable=False,
            comment="`full` (every record re-linked) or `incremental` (new records only).",
        ),
        sa.Column(
            "params",
            sa.Text(),
            nullable=True,
            comment="Match specification of the run, JSON (keys, comparisons, thresholds).",
        ),
        sa.Column(
            "model",
            sa.Text(),
            nullable=True,
            comment="The trained Splink model (settings with m and u probabilities), JSON.",
        ),
        sa.Column(
            "threshold",
            sa.Float(),
            nullable=False,
            comment="Match probability at and above which records were merged.",
        ),
        sa.Column(
            "review_low",
            sa.Float(),
            nullable=True,
            comment="Lower end of the review band: pairs in [review_low, threshold) go to review.",
        ),
        sa.Column(
            "threshold_source",
            sa.String(),
            nullable=True,
            comment="`default` or `labels` (chosen from reviewed pairs) for the threshold.",
        ),
        sa.Column(
            "summary",
            sa.Text(),
            nullable=True,
            comment="Headline counts of the run, JSON (records, persons, merges, review pairs).",
        ),
        sa.Column("started_by", sa.String(), nullable=True, comment="Account or `cli` that started the run."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="End (UTC)."),
        sa.PrimaryKeyConstraint("run_id"),
        comment="Every identity-resolution run with its specification, trained model and threshold.",
    )


def create_identity_links() -> None:
    op.create_table(
        "identity_links",
        sa.Column("record_id", sa.String(), nullable=False, comment="Source record (customers.id)."),
        sa.Column(
            "person_id", sa.String(), nullable=False, comment="Resolved person (identity_persons.person_id)."
        ),
        sa.Column(
            "method",
            sa.String(),
            nullable=False,
            comment="How the record joined its person: `seed` (first record), `deterministic`, `probabilistic`, `must_link` (accepted in review), `unmerged`, `singleton` (nothing matched) or `unusable` (no usable identifier).",
        ),
        sa.Column(
            "match_probability",
            sa.Float(),
            nullable=True,
            comment="Strongest match probability of the edge that linked it, if any.",
        ),
        sa.Column(
            "reason",
            sa.Text(),
            nullable=True,
            comment="Why, in words: the shared key, or why the record could not be matched.",
        ),
        sa.Column(
            "run_id",
            sa.String(),
            nullable=False,
            comment="Run that last placed the record (identity_runs.run_id).",
        ),
        sa.PrimaryKeyConstraint("record_id"),
        comment="Which person each customer record belongs to (personal data: role-restricted).",
    )


def create_identity_persons() -> None:
    op.create_table(
        "identity_persons",
        sa.Column(
            "person_id",
            sa.String(),
            nullable=False,
            comment="Stable person id (`P-` + hash of its founding record).",
        ),
        sa.Column(
            "name", sa.String(), nullable=True, comment="Golden-record name (personal data: role-restricted)."
        ),
        sa.Column(
            "email", sa.String(), nullable=True, comment="Golden-record email, normalised (personal data)."
        ),
        sa.Column("phone", sa.String(), nullable=True, comment="Golden-record phone, E.164 (personal data)."),
        sa.Column("country", sa.String(), nullable=True, comment="Golden-record country."),
        sa.Column(
            "organisation_id",
            sa.String(),
            nullable=True,
            comment="Golden-record organisation (organisations.id).",
        ),
        sa.Column("records", sa.Integer(), nullable=False, comment="Source records linked to the person."),
        sa.Column(
            "sources", sa.String(), nullable=False, comment="Source systems of its records, comma-separated."
        ),
        sa.Column(
            "run_id",
            sa.String(),
            nullable=False,
            comment="Run that last built this golden record (identity_runs.run_id).",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            nullable=False,
            comment="When the golden record was last built (UTC).",
        ),
        sa.PrimaryKeyConstraint("person_id"),
        comment="One row per resolved person: the golden record built by survivorship rules.",
    )


def create_identity_person_values() -> None:
    op.create_table(
        "identity_person_values",
        sa.Column("person_id", sa.String(), nullable=False, comment="Person (identity_persons.person_id)."),
        sa.Column(
            "field",
            sa.String(),
            nullable=False,
            comment="Golden-record field (name, email, phone, country, organisation_id).",
        ),
        sa.Column(
            "value",
            sa.String(),
            nullable=True,
            comment="The value that survived (personal data for name, email, phone).",
        ),
        sa.Column(
            "record_id", sa.String(), nullable=True, comment="Record the value came from (customers.id)."
        ),
        sa.Column("source_system", sa.String(), nullable=True, comment="Source system of that record."),
        sa.Column(
            "rule",
            sa.String(),
            nullable=True,
            comment="Survivorship rule that chose it: most_trusted_source, most_recent or most_complete.",
        ),
        sa.Column(
            "candidates",
            sa.Integer(),
            nullable=True,
            comment="Distinct values the person's records hold for the field (>1: a conflict).",
        ),
        sa.PrimaryKeyConstraint("person_id", "field"),
        comment="Provenance of every golden-record value, and how many competing values it beat.",
    )


def create_identity_review_pairs() -> None:
    op.create_table(
        "identity_review_pairs",
        sa.Column(
            "pair_id",
            sa.String(),
            nullable=False,
            comment="Stable id of the pair: hash of the two record ids in order.",
        ),
        sa.Column(
            "record_id_l", sa.String(), nullable=False, comment="First record (customers.id; the smaller id)."
        ),
        sa.Column(
            "record_id_r", sa.String(), nullable=False, comment="Second record (customers.id; the larger id)."
        ),
        sa.Column(
            "match_probability",
            sa.Float(),
            nullable=True,
            comment="Model's match probability (null for a key conflict).",
        ),
        sa.Column(
            "match_weight", sa.Float(), nullable=True, comment="Model's match weight (log2 Bayes factor)."
        ),
        sa.Column(
            "reason",
            sa.String(),
            nullable=False,
            comment="`uncertain` (in the review band), `name_only` (above the threshold on names alone) or `key_conflict` (one key on records whose names disagree).",
        ),
        sa.Column(
            "detail",
            sa.Text(),
            nullable=True,
            comment="What to look at, in words (the shared key, the disagreeing fields).",
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="`pending`, `accepted` (same person) or `rejected` (different people).",
        ),
        sa.Column(
            "run_id", sa.String(), nullable=False, comment="Run that queued the pair (identity_runs.run_id)."
        ),
        sa.Column("queued_at", sa.DateTime(), nullable=False, comment="When the pair was queued (UTC)."),
        sa.Column("decided_by", sa.String(), nullable=True, comment="Account that decided."),
        sa.Column("decided_at", sa.DateTime(), nullable=True, comment="When it was decided (UTC)."),
        sa.PrimaryKeyConstraint("pair_id"),
        comment="Record pairs a person must look at: the uncertain band and conflicting deterministic keys.",
    )


def create_identity_constraints() -> None:
    op.create_table(
        "identity_constraints",
        sa.Column(
            "record_id_l", sa.String(), nullable=False, comment="First record (customers.id; the smaller id)."
        ),
        sa.Column(
            "record_id_r", sa.String(), nullable=False, comment="Second record (customers.id; the larger id)."
        ),
        sa.Column(
            "kind",
            sa.String(),
            nullable=False,
            comment="`must_link` or `cannot_link`: every later run obeys it.",
        ),
        sa.Column("origin", sa.String(), nullable=False, comment="`review` (a decided pair) or `unmerge`."),
        sa.Column("decided_by", sa.String(), nullable=False, comment="Account that made the decision."),
        sa.Column("decided_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("record_id_l", "record_id_r"),
        comment="Must-link and cannot-link constraints from reviews and unmerges; they survive re-runs.",
    )


def create_identity_threads() -> None:
    op.create_table(
        "identity_threads",
        sa.Column("ticket_id", sa.String(), nullable=False, comment="Ticket (tickets.id)."),
        sa.Column(
            "person_id",
            sa.String(),
            nullable=True,
            comment="Resolved person of the ticket's customer (identity_persons.person_id).",
        ),
        sa.Column(
            "thread_id",
            sa.String(),
            nullable=True,
            comment="Conversation thread: the person's contacts about one issue within the window.",
        ),
        sa.Column(
            "thread_seq",
            sa.Integer(),
            nullable=False,
            comment="Position of the ticket in its thread (1 = the first contact).",
        ),
        sa.Column("channel", sa.String(), nullable=True, comment="Channel of the ticket."),
        sa.Column(
            "channel_switch",
            sa.Boolean(),
            nullable=False,
            comment="True when the contact came through another channel than the one before.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=True, comment="When the ticket was created (UTC)."),
        sa.Column(
            "run_id", sa.String(), nullable=False, comment="Run that stitched it (identity_runs.run_id)."
        ),
        sa.PrimaryKeyConstraint("ticket_id"),
        comment="Tickets stitched into per-person conversation threads across channels (repeat contact by person).",
    )
