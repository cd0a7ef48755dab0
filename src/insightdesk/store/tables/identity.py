"""Store tables of identity resolution (migration 0012): match runs, record-to-person links, golden
records with the provenance of every value, the review queue, the constraints reviewers' decisions
become, and conversation threads stitched across channels.

A person is a cluster of `customers` rows. Features below identity in the layers (metrics) read the
person of a ticket through `identity_threads` or `identity_links`, never identity's code.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

identity_runs = sa.Table(
    "identity_runs",
    metadata,
    _col("run_id", sa.String, "Unique, time-ordered id of the run.", primary_key=True),
    _col(
        "mode",
        sa.String,
        "`full` (every record re-linked) or `incremental` (new records only).",
        nullable=False,
    ),
    _col("params", sa.Text, "Match specification of the run, JSON (keys, comparisons, thresholds)."),
    _col("model", sa.Text, "The trained Splink model (settings with m and u probabilities), JSON."),
    _col("threshold", sa.Float, "Match probability at and above which records were merged.", nullable=False),
    _col(
        "review_low", sa.Float, "Lower end of the review band: pairs in [review_low, threshold) go to review."
    ),
    _col(
        "threshold_source", sa.String, "`default` or `labels` (chosen from reviewed pairs) for the threshold."
    ),
    _col("summary", sa.Text, "Headline counts of the run, JSON (records, persons, merges, review pairs)."),
    _col("started_by", sa.String, "Account or `cli` that started the run."),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "End (UTC)."),
    comment="Every identity-resolution run with its specification, trained model and threshold.",
)

identity_links = sa.Table(
    "identity_links",
    metadata,
    _col("record_id", sa.String, "Source record (customers.id).", primary_key=True),
    _col("person_id", sa.String, "Resolved person (identity_persons.person_id).", nullable=False),
    _col(
        "method",
        sa.String,
        "How the record joined its person: `seed` (first record), `deterministic`, `probabilistic`, "
        "`must_link` (accepted in review), `unmerged`, `singleton` (nothing matched) or `unusable` "
        "(no usable identifier).",
        nullable=False,
    ),
    _col("match_probability", sa.Float, "Strongest match probability of the edge that linked it, if any."),
    _col("reason", sa.Text, "Why, in words: the shared key, or why the record could not be matched."),
    _col("run_id", sa.String, "Run that last placed the record (identity_runs.run_id).", nullable=False),
    comment="Which person each customer record belongs to (personal data: role-restricted).",
)

identity_persons = sa.Table(
    "identity_persons",
    metadata,
    _col("person_id", sa.String, "Stable person id (`P-` + hash of its founding record).", primary_key=True),
    _col("name", sa.String, "Golden-record name (personal data: role-restricted)."),
    _col("email", sa.String, "Golden-record email, normalised (personal data)."),
    _col("phone", sa.String, "Golden-record phone, E.164 (personal data)."),
    _col("country", sa.String, "Golden-record country."),
    _col("organisation_id", sa.String, "Golden-record organisation (organisations.id)."),
    _col("records", sa.Integer, "Source records linked to the person.", nullable=False),
    _col("sources", sa.String, "Source systems of its records, comma-separated.", nullable=False),
    _col(
        "run_id", sa.String, "Run that last built this golden record (identity_runs.run_id).", nullable=False
    ),
    _col("updated_at", sa.DateTime, "When the golden record was last built (UTC).", nullable=False),
    comment="One row per resolved person: the golden record built by survivorship rules.",
)

identity_person_values = sa.Table(
    "identity_person_values",
    metadata,
    _col("person_id", sa.String, "Person (identity_persons.person_id).", primary_key=True),
    _col(
        "field",
        sa.String,
        "Golden-record field (name, email, phone, country, organisation_id).",
        primary_key=True,
    ),
    _col("value", sa.String, "The value that survived (personal data for name, email, phone)."),
    _col("record_id", sa.String, "Record the value came from (customers.id)."),
    _col("source_system", sa.String, "Source system of that record."),
    _col(
        "rule",
        sa.String,
        "Survivorship rule that chose it: most_trusted_source, most_recent or most_complete.",
    ),
    _col(
        "candidates", sa.Integer, "Distinct values the person's records hold for the field (>1: a conflict)."
    ),
    comment="Provenance of every golden-record value, and how many competing values it beat.",
)

identity_review_pairs = sa.Table(
    "identity_review_pairs",
    metadata,
    _col(
        "pair_id", sa.String, "Stable id of the pair: hash of the two record ids in order.", primary_key=True
    ),
    _col("record_id_l", sa.String, "First record (customers.id; the smaller id).", nullable=False),
    _col("record_id_r", sa.String, "Second record (customers.id; the larger id).", nullable=False),
    _col("match_probability", sa.Float, "Model's match probability (null for a key conflict)."),
    _col("match_weight", sa.Float, "Model's match weight (log2 Bayes factor)."),
    _col(
        "reason",
        sa.String,
        "`uncertain` (in the review band), `name_only` (above the threshold on names alone) or "
        "`key_conflict` (one key on records whose names disagree).",
        nullable=False,
    ),
    _col("detail", sa.Text, "What to look at, in words (the shared key, the disagreeing fields)."),
    _col(
        "status",
        sa.String,
        "`pending`, `accepted` (same person) or `rejected` (different people).",
        nullable=False,
    ),
    _col("run_id", sa.String, "Run that queued the pair (identity_runs.run_id).", nullable=False),
    _col("queued_at", sa.DateTime, "When the pair was queued (UTC).", nullable=False),
    _col("decided_by", sa.String, "Account that decided."),
    _col("decided_at", sa.DateTime, "When it was decided (UTC)."),
    comment="Record pairs a person must look at: the uncertain band and conflicting deterministic keys.",
)

identity_constraints = sa.Table(
    "identity_constraints",
    metadata,
    _col("record_id_l", sa.String, "First record (customers.id; the smaller id).", primary_key=True),
    _col("record_id_r", sa.String, "Second record (customers.id; the larger id).", primary_key=True),
    _col("kind", sa.String, "`must_link` or `cannot_link`: every later run obeys it.", nullable=False),
    _col("origin", sa.String, "`review` (a decided pair) or `unmerge`.", nullable=False),
    _col("decided_by", sa.String, "Account that made the decision.", nullable=False),
    _col("decided_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Must-link and cannot-link constraints from reviews and unmerges; they survive re-runs.",
)

identity_threads = sa.Table(
    "identity_threads",
    metadata,
    _col("ticket_id", sa.String, "Ticket (tickets.id).", primary_key=True),
    _col("person_id", sa.String, "Resolved person of the ticket's customer (identity_persons.person_id)."),
    _col(
        "thread_id",
        sa.String,
        "Conversation thread: the person's contacts about one issue within the window.",
    ),
    _col(
        "thread_seq",
        sa.Integer,
        "Position of the ticket in its thread (1 = the first contact).",
        nullable=False,
    ),
    _col("channel", sa.String, "Channel of the ticket."),
    _col(
        "channel_switch",
        sa.Boolean,
        "True when the contact came through another channel than the one before.",
        nullable=False,
    ),
    _col("created_at", sa.DateTime, "When the ticket was created (UTC)."),
    _col("run_id", sa.String, "Run that stitched it (identity_runs.run_id).", nullable=False),
    comment="Tickets stitched into per-person conversation threads across channels (repeat contact by person).",
)
