"""Revision 0004's insight runs, pain points and their backlog.

Frozen at revision 0004: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_insight_runs() -> None:
    op.create_table(
        "insight_runs",
        sa.Column("run_id", sa.String(), nullable=False, comment="Unique, time-ordered id of the run."),
        sa.Column(
            "kind",
            sa.String(),
            nullable=False,
            comment="painpoints, drivers, risk_train, risk_score, alerts or impact.",
        ),
        sa.Column(
            "params",
            sa.Text(),
            nullable=True,
            comment="Parameters of the run, JSON (weights, windows, filters...).",
        ),
        sa.Column("summary", sa.Text(), nullable=True, comment="Headline results of the run, JSON."),
        sa.Column("started_by", sa.String(), nullable=True, comment="Account or `cli` that started the run."),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="Start (UTC)."),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="End (UTC)."),
        sa.PrimaryKeyConstraint("run_id"),
        comment="Every insight computation (pain points, drivers, risk, alerts, impact) and its parameters.",
    )


def create_painpoints() -> None:
    op.create_table(
        "painpoints",
        sa.Column("run_id", sa.String(), nullable=False, comment="Ranking run (insight_runs.run_id)."),
        sa.Column(
            "painpoint_key",
            sa.String(),
            nullable=False,
            comment="Stable key: `theme:<theme_id>`, `category:<category>` or `theme:<id>|category:<category>`.",
        ),
        sa.Column("kind", sa.String(), nullable=False, comment="theme, category or theme_x_category."),
        sa.Column(
            "theme_id",
            sa.String(),
            nullable=True,
            comment="Theme (themes.theme_id), for theme and cross pain points.",
        ),
        sa.Column(
            "category",
            sa.String(),
            nullable=True,
            comment="Ticket category, for category and cross pain points.",
        ),
        sa.Column(
            "label", sa.String(), nullable=True, comment="Readable name (theme label and/or category)."
        ),
        sa.Column("rank", sa.Integer(), nullable=False, comment="1 = most urgent in this run."),
        sa.Column(
            "score",
            sa.Float(),
            nullable=False,
            comment="Priority score: severity x frequency x business impact (0-1 each).",
        ),
        sa.Column(
            "severity",
            sa.Float(),
            nullable=True,
            comment="Severity factor (0-1): KPI gaps, sentiment, escalation, time cost.",
        ),
        sa.Column(
            "frequency", sa.Float(), nullable=True, comment="Frequency factor (0-1): volume share and trend."
        ),
        sa.Column(
            "business_impact",
            sa.Float(),
            nullable=True,
            comment="Business-impact factor (0-1): customers affected, value at risk.",
        ),
        sa.Column(
            "critical", sa.Boolean(), nullable=False, comment="Crossed a configured critical threshold."
        ),
        sa.Column(
            "tickets", sa.Integer(), nullable=True, comment="Tickets in the pain point over the window."
        ),
        sa.Column("customers", sa.Integer(), nullable=True, comment="Distinct customers affected."),
        sa.Column(
            "trend",
            sa.Float(),
            nullable=True,
            comment="Relative change of weekly volume, last half of the window vs first half.",
        ),
        sa.Column(
            "metrics",
            sa.Text(),
            nullable=True,
            comment="KPI gaps against the rest with intervals, sentiment, value at risk: JSON.",
        ),
        sa.Column(
            "explanation",
            sa.Text(),
            nullable=True,
            comment="Factors that put it at this rank, largest first: JSON list.",
        ),
        sa.Column("computed_at", sa.DateTime(), nullable=False, comment="When it was computed (UTC)."),
        sa.PrimaryKeyConstraint("run_id", "painpoint_key"),
        comment="Ranked pain points of each ranking run, with their factors and explanation.",
    )


def create_painpoint_backlog() -> None:
    op.create_table(
        "painpoint_backlog",
        sa.Column(
            "painpoint_key", sa.String(), nullable=False, comment="Pain point (painpoints.painpoint_key)."
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="new, under_review, linked_to_problem, fix_shipped or verified.",
        ),
        sa.Column("owner", sa.String(), nullable=True, comment="Account responsible (users.username)."),
        sa.Column("problem_id", sa.String(), nullable=True, comment="Linked problem record (problems.id)."),
        sa.Column("note", sa.Text(), nullable=True, comment="Latest note."),
        sa.Column(
            "shipped_at",
            sa.DateTime(),
            nullable=True,
            comment="When the fix shipped (UTC), set with fix_shipped: verification compares before and after it.",
        ),
        sa.Column(
            "verification",
            sa.Text(),
            nullable=True,
            comment="Before/after measurement recorded when the fix was verified, JSON.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="First seen in a ranking (UTC)."),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change (UTC)."),
        sa.PrimaryKeyConstraint("painpoint_key"),
        comment="Work state of each pain point: status, owner and linked problem.",
    )


def create_painpoint_backlog_events() -> None:
    op.create_table(
        "painpoint_backlog_events",
        sa.Column("event_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "painpoint_key",
            sa.String(),
            nullable=False,
            comment="Pain point (painpoint_backlog.painpoint_key).",
        ),
        sa.Column(
            "field",
            sa.String(),
            nullable=False,
            comment="status, owner, problem_id, note, shipped_at or verification.",
        ),
        sa.Column("old_value", sa.Text(), nullable=True, comment="Value before."),
        sa.Column("new_value", sa.Text(), nullable=True, comment="Value after."),
        sa.Column("actor", sa.String(), nullable=False, comment="Who changed it (users.username or `cli`)."),
        sa.Column("occurred_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("event_id"),
        comment="Audit trail of the pain-point backlog: every change, who made it and when.",
    )
