"""Revision 0010's closed-loop tables (part): rules and tasks, or delivery and packs.

Frozen at revision 0010: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_action_rule_versions() -> None:
    op.create_table(
        "action_rule_versions",
        sa.Column("rule_id", sa.String(), nullable=False, comment="Rule name, stable across its versions."),
        sa.Column("version", sa.Integer(), nullable=False, comment="Version, counting up per rule from 1."),
        sa.Column(
            "event",
            sa.String(),
            nullable=False,
            comment="Event the rule listens to (feedback_received, alert_raised...).",
        ),
        sa.Column(
            "spec", sa.Text(), nullable=False, comment="The rule as written (YAML): conditions and actions."
        ),
        sa.Column(
            "status",
            sa.String(),
            nullable=False,
            comment="draft, shadow (evaluated live, acts on nothing), awaiting_approval, active or retired.",
        ),
        sa.Column(
            "needs_approval",
            sa.Boolean(),
            nullable=False,
            comment="Writes to a helpdesk or contacts customers in bulk.",
        ),
        sa.Column(
            "dry_run",
            sa.Text(),
            nullable=True,
            comment="Summary of the latest dry-run against history, JSON.",
        ),
        sa.Column(
            "created_by", sa.String(), nullable=False, comment="Account or `cli` that wrote this version."
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was written (UTC)."),
        sa.Column(
            "requested_by",
            sa.String(),
            nullable=True,
            comment="Who asked for activation (awaiting a second person's approval).",
        ),
        sa.Column(
            "approved_by",
            sa.String(),
            nullable=True,
            comment="Second person who approved activation (never the requester).",
        ),
        sa.Column(
            "shadow_since",
            sa.DateTime(),
            nullable=True,
            comment="When it started shadowing (UTC): live events from then on.",
        ),
        sa.Column(
            "activated_at",
            sa.DateTime(),
            nullable=True,
            comment="Last activation (UTC): live events from then on.",
        ),
        sa.Column(
            "retired_at",
            sa.DateTime(),
            nullable=True,
            comment="Retirement (UTC): replaced, rolled back or withdrawn.",
        ),
        sa.PrimaryKeyConstraint("rule_id", "version"),
        comment="Every version of every rule, its lifecycle (draft, shadow, approval, active, retired).",
    )


def create_action_evaluations() -> None:
    op.create_table(
        "action_evaluations",
        sa.Column(
            "evaluation_id",
            sa.String(),
            nullable=False,
            comment="Hash of rule, mode and event: an event is evaluated once.",
        ),
        sa.Column("rule_id", sa.String(), nullable=False, comment="Rule (action_rule_versions.rule_id)."),
        sa.Column("version", sa.Integer(), nullable=False, comment="Rule version evaluated."),
        sa.Column(
            "mode",
            sa.String(),
            nullable=False,
            comment="live or shadow (shadow records what would have happened).",
        ),
        sa.Column("event", sa.String(), nullable=False, comment="Event kind."),
        sa.Column("event_key", sa.String(), nullable=False, comment="The event: `<kind>:<record id>`."),
        sa.Column("matched", sa.Boolean(), nullable=False, comment="The conditions held."),
        sa.Column(
            "actions",
            sa.Text(),
            nullable=True,
            comment="Actions taken (or, in shadow mode, that would have been), JSON list.",
        ),
        sa.Column("evaluated_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("evaluation_id"),
        comment="Every evaluation of a rule on an event, matched or not, and the actions it led to.",
    )


def create_action_tasks() -> None:
    op.create_table(
        "action_tasks",
        sa.Column("task_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "evaluation_id",
            sa.String(),
            nullable=True,
            comment="Evaluation that created it (action_evaluations); null if by hand.",
        ),
        sa.Column("rule_id", sa.String(), nullable=True, comment="Rule that created it."),
        sa.Column(
            "kind",
            sa.String(),
            nullable=False,
            comment="callback, reopen, reassign, knowledge_gap, verbatim_route, restricted_escalation, complaint or regulatory_complaint.",
        ),
        sa.Column("title", sa.String(), nullable=False, comment="What to do, in a line."),
        sa.Column(
            "owner",
            sa.String(),
            nullable=True,
            comment="Account responsible (users.username); null while unowned.",
        ),
        sa.Column("team_id", sa.String(), nullable=True, comment="Team whose inbox it sits in (teams.id)."),
        sa.Column(
            "restricted_to",
            sa.Text(),
            nullable=True,
            comment="Roles that alone may see it (sensitive findings), JSON list; null: any.",
        ),
        sa.Column("customer_id", sa.String(), nullable=True, comment="Customer concerned (customers.id)."),
        sa.Column("ticket_id", sa.String(), nullable=True, comment="Ticket concerned (tickets.id)."),
        sa.Column(
            "feedback_id", sa.String(), nullable=True, comment="Survey answer that led to it (feedback.id)."
        ),
        sa.Column(
            "painpoint_key",
            sa.String(),
            nullable=True,
            comment="Pain point concerned (painpoint_backlog.painpoint_key).",
        ),
        sa.Column(
            "context",
            sa.Text(),
            nullable=True,
            comment="The customer's and ticket's context at creation (no free text), JSON.",
        ),
        sa.Column(
            "status", sa.String(), nullable=False, comment="open, in_progress, done or could_not_reach."
        ),
        sa.Column(
            "due_at",
            sa.DateTime(),
            nullable=False,
            comment="Due (UTC), counted in business hours from creation.",
        ),
        sa.Column("outcome", sa.Text(), nullable=True, comment="What happened, in the owner's words."),
        sa.Column(
            "recovered",
            sa.Boolean(),
            nullable=True,
            comment="The customer was won back (owner's judgement at closing).",
        ),
        sa.Column(
            "root_cause", sa.String(), nullable=True, comment="Root cause: required to close a complaint."
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Created (UTC)."),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change (UTC)."),
        sa.Column("closed_at", sa.DateTime(), nullable=True, comment="Done or could-not-reach (UTC)."),
        sa.PrimaryKeyConstraint("task_id"),
        comment="Follow-up tasks: detractor call-backs, reopen requests, knowledge gaps, escalations.",
    )


def create_action_task_events() -> None:
    op.create_table(
        "action_task_events",
        sa.Column("event_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column("task_id", sa.String(), nullable=False, comment="Task (action_tasks.task_id)."),
        sa.Column(
            "field", sa.String(), nullable=False, comment="status, owner, outcome, recovered or root_cause."
        ),
        sa.Column("old_value", sa.Text(), nullable=True, comment="Value before."),
        sa.Column("new_value", sa.Text(), nullable=True, comment="Value after."),
        sa.Column("actor", sa.String(), nullable=False, comment="Who (users.username or `cli`)."),
        sa.Column("occurred_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("event_id"),
        comment="History of every task: each change, who made it and when.",
    )


def create_action_notifications() -> None:
    op.create_table(
        "action_notifications",
        sa.Column("notification_id", sa.String(), nullable=False, comment="Unique id: `<subject>:<level>`."),
        sa.Column(
            "subject",
            sa.String(),
            nullable=False,
            comment="What it is about: an evaluation, task or alert id.",
        ),
        sa.Column("rule_id", sa.String(), nullable=True, comment="Rule that asked for it."),
        sa.Column("level", sa.Integer(), nullable=False, comment="Escalation level, 0 first."),
        sa.Column("recipient", sa.String(), nullable=False, comment="Account, role or address notified."),
        sa.Column("channel", sa.String(), nullable=False, comment="email or webhook."),
        sa.Column(
            "message_id", sa.String(), nullable=True, comment="Its delivery (action_outbox.message_id)."
        ),
        sa.Column(
            "escalate_after_hours",
            sa.Float(),
            nullable=True,
            comment="Business hours before the next level; null: last level.",
        ),
        sa.Column("sent_at", sa.DateTime(), nullable=False, comment="Queued (UTC)."),
        sa.Column("acknowledged_by", sa.String(), nullable=True, comment="Who acknowledged it."),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True, comment="When (UTC)."),
        sa.Column(
            "escalated_at", sa.DateTime(), nullable=True, comment="When the next level was notified (UTC)."
        ),
        sa.PrimaryKeyConstraint("notification_id"),
        comment="Notifications and their escalation: unacknowledged ones go to the next level.",
    )
