"""Revision 0013's quality-assurance tables: rubrics, samples, evaluations, calibrations, coaching.

Frozen at revision 0013: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_qa_rubrics() -> None:
    op.create_table(
        "qa_rubrics",
        sa.Column(
            "rubric_id",
            sa.String(),
            nullable=False,
            comment="Rubric key (lower case, stable across versions).",
        ),
        sa.Column(
            "version", sa.Integer(), nullable=False, comment="Version, 1 upwards; a change is a new version."
        ),
        sa.Column("name", sa.String(), nullable=False, comment="Readable name."),
        sa.Column(
            "definition",
            sa.Text(),
            nullable=False,
            comment="Sections and criteria (weight, scale, auto-fail, N/A allowed): JSON.",
        ),
        sa.Column(
            "created_by", sa.String(), nullable=False, comment="Account or `cli` that saved the version."
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("rubric_id", "version"),
        comment="QA rubrics, one row per version: weighted criteria in sections, auto-fail items, N/A rules.",
    )


def create_qa_samples() -> None:
    op.create_table(
        "qa_samples",
        sa.Column("sample_id", sa.String(), nullable=False, comment="Sampling run."),
        sa.Column("ticket_id", sa.String(), nullable=False, comment="Ticket drawn for review (tickets.id)."),
        sa.Column(
            "method",
            sa.String(),
            nullable=False,
            comment="random, stratified (by agent) or risk (oversampling low CSAT / negative text).",
        ),
        sa.Column(
            "stratum",
            sa.String(),
            nullable=True,
            comment="Stratum the ticket was drawn from (agent id, or risk level).",
        ),
        sa.Column(
            "probability", sa.Float(), nullable=False, comment="Probability the ticket had of being drawn."
        ),
        sa.Column(
            "weight",
            sa.Float(),
            nullable=False,
            comment="Sampling weight, 1 / probability: weighted means stay unbiased.",
        ),
        sa.Column("agent_id", sa.String(), nullable=True, comment="Agent of the ticket (agents.id)."),
        sa.Column("team_id", sa.String(), nullable=True, comment="Team of the ticket (teams.id)."),
        sa.Column("drawn_by", sa.String(), nullable=False, comment="Account or `cli`."),
        sa.Column("drawn_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("sample_id", "ticket_id"),
        comment="Tickets drawn for QA review, each with its inclusion probability and sampling weight.",
    )


def create_qa_evaluations() -> None:
    op.create_table(
        "qa_evaluations",
        sa.Column("evaluation_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("rubric_id", sa.String(), nullable=False, comment="Rubric (qa_rubrics.rubric_id)."),
        sa.Column(
            "rubric_version",
            sa.Integer(),
            nullable=False,
            comment="Version scored against (qa_rubrics.version).",
        ),
        sa.Column(
            "ticket_id", sa.String(), nullable=False, comment="Ticket or conversation reviewed (tickets.id)."
        ),
        sa.Column("agent_id", sa.String(), nullable=True, comment="Agent evaluated (agents.id)."),
        sa.Column("team_id", sa.String(), nullable=True, comment="Team of the agent at the time (teams.id)."),
        sa.Column(
            "reviewer", sa.String(), nullable=False, comment="Account that scored it (users.username)."
        ),
        sa.Column(
            "sample_id",
            sa.String(),
            nullable=True,
            comment="Sample the ticket came from (qa_samples.sample_id); null if picked by hand.",
        ),
        sa.Column(
            "weight",
            sa.Float(),
            nullable=False,
            comment="Sampling weight carried from the sample (1 when picked by hand).",
        ),
        sa.Column(
            "score",
            sa.Float(),
            nullable=True,
            comment="Total, 0-100: weighted share of points on applicable criteria; 0 on auto-fail.",
        ),
        sa.Column("auto_failed", sa.Boolean(), nullable=False, comment="An auto-fail criterion was missed."),
        sa.Column(
            "answers",
            sa.Text(),
            nullable=False,
            comment="Score per criterion (null = not applicable): JSON object.",
        ),
        sa.Column(
            "calibration_id",
            sa.String(),
            nullable=True,
            comment="Calibration round it belongs to (qa_calibrations.calibration_id).",
        ),
        sa.Column("comment", sa.Text(), nullable=True, comment="Reviewer's note (free text)."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("evaluation_id"),
        comment="QA evaluations: a reviewer's scores of one ticket against a rubric version.",
    )


def create_qa_calibrations() -> None:
    op.create_table(
        "qa_calibrations",
        sa.Column("calibration_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("name", sa.String(), nullable=False, comment="Name of the round."),
        sa.Column("rubric_id", sa.String(), nullable=False, comment="Rubric (qa_rubrics.rubric_id)."),
        sa.Column(
            "rubric_version",
            sa.Integer(),
            nullable=False,
            comment="Rubric version every reviewer scores against.",
        ),
        sa.Column(
            "ticket_ids", sa.Text(), nullable=False, comment="Tickets every reviewer scores: JSON list."
        ),
        sa.Column(
            "results",
            sa.Text(),
            nullable=True,
            comment="Agreement per criterion and overall, ICC, reviewer drift: JSON (after analysis).",
        ),
        sa.Column("created_by", sa.String(), nullable=False, comment="Account or `cli`."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.Column(
            "analysed_at", sa.DateTime(), nullable=True, comment="When the agreement was last computed (UTC)."
        ),
        sa.PrimaryKeyConstraint("calibration_id"),
        comment="Calibration rounds: several reviewers score the same tickets; their agreement and drift.",
    )


def create_qa_coaching_plans() -> None:
    op.create_table(
        "qa_coaching_plans",
        sa.Column("plan_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("agent_id", sa.String(), nullable=False, comment="Agent coached (agents.id)."),
        sa.Column("team_id", sa.String(), nullable=True, comment="Agent's team (teams.id)."),
        sa.Column("goal", sa.String(), nullable=False, comment="What should improve, in words."),
        sa.Column(
            "metric",
            sa.String(),
            nullable=False,
            comment="qa_score, or `criterion:<id>` for one rubric criterion.",
        ),
        sa.Column(
            "baseline",
            sa.Float(),
            nullable=True,
            comment="Metric before the plan (weighted mean of evaluations before it).",
        ),
        sa.Column("baseline_n", sa.Integer(), nullable=True, comment="Evaluations behind the baseline."),
        sa.Column("target", sa.Float(), nullable=False, comment="Value to reach."),
        sa.Column("due_at", sa.DateTime(), nullable=True, comment="Follow-up date (UTC)."),
        sa.Column(
            "status", sa.String(), nullable=False, comment="open, achieved, not_achieved or cancelled."
        ),
        sa.Column("evidence", sa.Text(), nullable=True, comment="Tickets the plan is tied to: JSON list."),
        sa.Column("created_by", sa.String(), nullable=False, comment="Account or `cli`."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("plan_id"),
        comment="Coaching plans: a goal on a QA metric for one agent, tied to tickets, with baseline and target.",
    )


def create_qa_coaching_sessions() -> None:
    op.create_table(
        "qa_coaching_sessions",
        sa.Column("session_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("plan_id", sa.String(), nullable=False, comment="Plan (qa_coaching_plans.plan_id)."),
        sa.Column("held_at", sa.DateTime(), nullable=False, comment="When the session took place (UTC)."),
        sa.Column("coach", sa.String(), nullable=False, comment="Account that coached (users.username)."),
        sa.Column("notes", sa.Text(), nullable=True, comment="What was covered (free text)."),
        sa.Column("ticket_ids", sa.Text(), nullable=True, comment="Tickets discussed: JSON list."),
        sa.PrimaryKeyConstraint("session_id"),
        comment="Coaching sessions held under a plan.",
    )
