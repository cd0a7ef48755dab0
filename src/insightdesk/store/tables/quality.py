"""Store tables of quality assurance (migration 0013): rubric versions, review samples with their
weights, evaluations, calibration rounds, coaching plans and their sessions."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

qa_rubrics = sa.Table(
    "qa_rubrics",
    metadata,
    _col("rubric_id", sa.String, "Rubric key (lower case, stable across versions).", primary_key=True),
    _col("version", sa.Integer, "Version, 1 upwards; a change is a new version.", primary_key=True),
    _col("name", sa.String, "Readable name.", nullable=False),
    _col(
        "definition",
        sa.Text,
        "Sections and criteria (weight, scale, auto-fail, N/A allowed): JSON.",
        nullable=False,
    ),
    _col("created_by", sa.String, "Account or `cli` that saved the version.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="QA rubrics, one row per version: weighted criteria in sections, auto-fail items, N/A rules.",
)

qa_samples = sa.Table(
    "qa_samples",
    metadata,
    _col("sample_id", sa.String, "Sampling run.", primary_key=True),
    _col("ticket_id", sa.String, "Ticket drawn for review (tickets.id).", primary_key=True),
    _col(
        "method",
        sa.String,
        "random, stratified (by agent) or risk (oversampling low CSAT / negative text).",
        nullable=False,
    ),
    _col("stratum", sa.String, "Stratum the ticket was drawn from (agent id, or risk level)."),
    _col("probability", sa.Float, "Probability the ticket had of being drawn.", nullable=False),
    _col(
        "weight", sa.Float, "Sampling weight, 1 / probability: weighted means stay unbiased.", nullable=False
    ),
    _col("agent_id", sa.String, "Agent of the ticket (agents.id)."),
    _col("team_id", sa.String, "Team of the ticket (teams.id)."),
    _col("drawn_by", sa.String, "Account or `cli`.", nullable=False),
    _col("drawn_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Tickets drawn for QA review, each with its inclusion probability and sampling weight.",
)

qa_evaluations = sa.Table(
    "qa_evaluations",
    metadata,
    _col("evaluation_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("rubric_id", sa.String, "Rubric (qa_rubrics.rubric_id).", nullable=False),
    _col("rubric_version", sa.Integer, "Version scored against (qa_rubrics.version).", nullable=False),
    _col("ticket_id", sa.String, "Ticket or conversation reviewed (tickets.id).", nullable=False),
    _col("agent_id", sa.String, "Agent evaluated (agents.id)."),
    _col("team_id", sa.String, "Team of the agent at the time (teams.id)."),
    _col("reviewer", sa.String, "Account that scored it (users.username).", nullable=False),
    _col(
        "sample_id", sa.String, "Sample the ticket came from (qa_samples.sample_id); null if picked by hand."
    ),
    _col(
        "weight", sa.Float, "Sampling weight carried from the sample (1 when picked by hand).", nullable=False
    ),
    _col("score", sa.Float, "Total, 0-100: weighted share of points on applicable criteria; 0 on auto-fail."),
    _col("auto_failed", sa.Boolean, "An auto-fail criterion was missed.", nullable=False),
    _col("answers", sa.Text, "Score per criterion (null = not applicable): JSON object.", nullable=False),
    _col("calibration_id", sa.String, "Calibration round it belongs to (qa_calibrations.calibration_id)."),
    _col("comment", sa.Text, "Reviewer's note (free text)."),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="QA evaluations: a reviewer's scores of one ticket against a rubric version.",
)

qa_calibrations = sa.Table(
    "qa_calibrations",
    metadata,
    _col("calibration_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("name", sa.String, "Name of the round.", nullable=False),
    _col("rubric_id", sa.String, "Rubric (qa_rubrics.rubric_id).", nullable=False),
    _col("rubric_version", sa.Integer, "Rubric version every reviewer scores against.", nullable=False),
    _col("ticket_ids", sa.Text, "Tickets every reviewer scores: JSON list.", nullable=False),
    _col(
        "results", sa.Text, "Agreement per criterion and overall, ICC, reviewer drift: JSON (after analysis)."
    ),
    _col("created_by", sa.String, "Account or `cli`.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    _col("analysed_at", sa.DateTime, "When the agreement was last computed (UTC)."),
    comment="Calibration rounds: several reviewers score the same tickets; their agreement and drift.",
)

qa_coaching_plans = sa.Table(
    "qa_coaching_plans",
    metadata,
    _col("plan_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("agent_id", sa.String, "Agent coached (agents.id).", nullable=False),
    _col("team_id", sa.String, "Agent's team (teams.id)."),
    _col("goal", sa.String, "What should improve, in words.", nullable=False),
    _col("metric", sa.String, "qa_score, or `criterion:<id>` for one rubric criterion.", nullable=False),
    _col("baseline", sa.Float, "Metric before the plan (weighted mean of evaluations before it)."),
    _col("baseline_n", sa.Integer, "Evaluations behind the baseline."),
    _col("target", sa.Float, "Value to reach.", nullable=False),
    _col("due_at", sa.DateTime, "Follow-up date (UTC)."),
    _col("status", sa.String, "open, achieved, not_achieved or cancelled.", nullable=False),
    _col("evidence", sa.Text, "Tickets the plan is tied to: JSON list."),
    _col("created_by", sa.String, "Account or `cli`.", nullable=False),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Coaching plans: a goal on a QA metric for one agent, tied to tickets, with baseline and target.",
)

qa_coaching_sessions = sa.Table(
    "qa_coaching_sessions",
    metadata,
    _col("session_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("plan_id", sa.String, "Plan (qa_coaching_plans.plan_id).", nullable=False),
    _col("held_at", sa.DateTime, "When the session took place (UTC).", nullable=False),
    _col("coach", sa.String, "Account that coached (users.username).", nullable=False),
    _col("notes", sa.Text, "What was covered (free text)."),
    _col("ticket_ids", sa.Text, "Tickets discussed: JSON list."),
    comment="Coaching sessions held under a plan.",
)

sa.Index("ix_qa_evaluations_agent", qa_evaluations.c.agent_id)
sa.Index("ix_qa_evaluations_ticket", qa_evaluations.c.ticket_id)
