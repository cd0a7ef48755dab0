"""Revision 0015 adds what the closed loop's second round needs: deadline clocks of regulatory-complaint
cases, live runs held for a bulk-contact approval, who activated a rule version, and the rationale of a
won't-fix or deprioritised pain point.

Frozen at revision 0015: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_action_case_clocks() -> None:
    op.create_table(
        "action_case_clocks",
        sa.Column(
            "task_id",
            sa.String(),
            nullable=False,
            comment="Regulatory-complaint case (action_tasks.task_id).",
        ),
        sa.Column(
            "clock",
            sa.String(),
            nullable=False,
            comment="Clock of the regime: acknowledgement, final_response...",
        ),
        sa.Column(
            "regime",
            sa.String(),
            nullable=False,
            comment="Regulatory regime whose clocks these are (uk-fca-disp, us-cfpb...).",
        ),
        sa.Column(
            "started_at",
            sa.DateTime(),
            nullable=False,
            comment="Receipt of the complaint (UTC): the clock runs from here.",
        ),
        sa.Column(
            "due_at",
            sa.DateTime(),
            nullable=False,
            comment="Deadline (UTC), counted in the regime's days or business days.",
        ),
        sa.Column(
            "binding",
            sa.Boolean(),
            nullable=False,
            comment="Missing it is a breach (false: a window, e.g. summary resolution).",
        ),
        sa.Column(
            "stops_on",
            sa.String(),
            nullable=False,
            comment="close (the case's closing stops it) or manual (stop_clock).",
        ),
        sa.Column(
            "stopped_at", sa.DateTime(), nullable=True, comment="When it was met (UTC); null while running."
        ),
        sa.Column(
            "stopped_by", sa.String(), nullable=True, comment="Who stopped it (users.username or `cli`)."
        ),
        sa.PrimaryKeyConstraint("task_id", "clock"),
        comment="Deadline clocks of regulatory-complaint cases (migration 0015): due, met, breached.",
    )


def create_action_run_holds() -> None:
    op.create_table(
        "action_run_holds",
        sa.Column("hold_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "rule_id",
            sa.String(),
            nullable=False,
            comment="Rule whose run is held (action_rule_versions.rule_id).",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="Rule version of the run."),
        sa.Column(
            "contacts",
            sa.Integer(),
            nullable=False,
            comment="Customers the run would contact (over the bulk-run limit).",
        ),
        sa.Column(
            "event_keys",
            sa.Text(),
            nullable=False,
            comment="Events of the run, JSON list: approval evaluates exactly these.",
        ),
        sa.Column(
            "status", sa.String(), nullable=False, comment="held, released (approved and run) or rejected."
        ),
        sa.Column(
            "activated_by",
            sa.String(),
            nullable=True,
            comment="Who put the rule version in force (may not approve the run).",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Held (UTC)."),
        sa.Column(
            "decided_by", sa.String(), nullable=True, comment="Second person who released or rejected it."
        ),
        sa.Column("decided_at", sa.DateTime(), nullable=True, comment="When (UTC)."),
        sa.Column("reason", sa.Text(), nullable=True, comment="Why it was rejected."),
        sa.PrimaryKeyConstraint("hold_id"),
        comment="Live runs that contact customers in bulk, held for a second person's approval (migration 0015).",
    )


def add_activated_by() -> None:
    op.add_column(
        "action_rule_versions",
        sa.Column(
            "activated_by",
            sa.String(),
            nullable=True,
            comment="Who put it in force (migration 0015): a bulk run needs someone else.",
        ),
    )


def add_rationale() -> None:
    op.add_column(
        "painpoint_backlog",
        sa.Column(
            "rationale",
            sa.Text(),
            nullable=True,
            comment="Why it is won't-fix or deprioritised (required for those; migration 0015).",
        ),
    )
