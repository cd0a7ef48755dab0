"""Store tables of the closed loop (migration 0010): rules and their versions, evaluations, follow-up
tasks, notifications, the delivery outbox, helpdesk records written back, review packs and
configuration changes.

The outbox is written in the same transaction as the evaluation that asks for a delivery, so a crash
leaves both or neither; a delivery is keyed by an idempotency key, so a retry never sends twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

action_rule_versions = sa.Table(
    "action_rule_versions",
    metadata,
    _col("rule_id", sa.String, "Rule name, stable across its versions.", primary_key=True),
    _col("version", sa.Integer, "Version, counting up per rule from 1.", primary_key=True),
    _col(
        "event", sa.String, "Event the rule listens to (feedback_received, alert_raised...).", nullable=False
    ),
    _col("spec", sa.Text, "The rule as written (YAML): conditions and actions.", nullable=False),
    _col(
        "status",
        sa.String,
        "draft, shadow (evaluated live, acts on nothing), awaiting_approval, active or retired.",
        nullable=False,
    ),
    _col("needs_approval", sa.Boolean, "Writes to a helpdesk or contacts customers in bulk.", nullable=False),
    _col("dry_run", sa.Text, "Summary of the latest dry-run against history, JSON."),
    _col("created_by", sa.String, "Account or `cli` that wrote this version.", nullable=False),
    _col("created_at", sa.DateTime, "When it was written (UTC).", nullable=False),
    _col("requested_by", sa.String, "Who asked for activation (awaiting a second person's approval)."),
    _col("approved_by", sa.String, "Second person who approved activation (never the requester)."),
    _col("activated_by", sa.String, "Who put it in force (migration 0015): a bulk run needs someone else."),
    _col("shadow_since", sa.DateTime, "When it started shadowing (UTC): live events from then on."),
    _col("activated_at", sa.DateTime, "Last activation (UTC): live events from then on."),
    _col("retired_at", sa.DateTime, "Retirement (UTC): replaced, rolled back or withdrawn."),
    comment="Every version of every rule, its lifecycle (draft, shadow, approval, active, retired).",
)

action_evaluations = sa.Table(
    "action_evaluations",
    metadata,
    _col(
        "evaluation_id",
        sa.String,
        "Hash of rule, mode and event: an event is evaluated once.",
        primary_key=True,
    ),
    _col("rule_id", sa.String, "Rule (action_rule_versions.rule_id).", nullable=False),
    _col("version", sa.Integer, "Rule version evaluated.", nullable=False),
    _col("mode", sa.String, "live or shadow (shadow records what would have happened).", nullable=False),
    _col("event", sa.String, "Event kind.", nullable=False),
    _col("event_key", sa.String, "The event: `<kind>:<record id>`.", nullable=False),
    _col("matched", sa.Boolean, "The conditions held.", nullable=False),
    _col("actions", sa.Text, "Actions taken (or, in shadow mode, that would have been), JSON list."),
    _col("evaluated_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Every evaluation of a rule on an event, matched or not, and the actions it led to.",
)

action_tasks = sa.Table(
    "action_tasks",
    metadata,
    _col("task_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("evaluation_id", sa.String, "Evaluation that created it (action_evaluations); null if by hand."),
    _col("rule_id", sa.String, "Rule that created it."),
    _col(
        "kind",
        sa.String,
        "callback, reopen, reassign, knowledge_gap, verbatim_route, restricted_escalation, complaint or "
        "regulatory_complaint.",
        nullable=False,
    ),
    _col("title", sa.String, "What to do, in a line.", nullable=False),
    _col("owner", sa.String, "Account responsible (users.username); null while unowned."),
    _col("team_id", sa.String, "Team whose inbox it sits in (teams.id)."),
    _col("restricted_to", sa.Text, "Roles that alone may see it (sensitive findings), JSON list; null: any."),
    _col("customer_id", sa.String, "Customer concerned (customers.id)."),
    _col("ticket_id", sa.String, "Ticket concerned (tickets.id)."),
    _col("feedback_id", sa.String, "Survey answer that led to it (feedback.id)."),
    _col("painpoint_key", sa.String, "Pain point concerned (painpoint_backlog.painpoint_key)."),
    _col("context", sa.Text, "The customer's and ticket's context at creation (no free text), JSON."),
    _col("status", sa.String, "open, in_progress, done or could_not_reach.", nullable=False),
    _col("due_at", sa.DateTime, "Due (UTC), counted in business hours from creation.", nullable=False),
    _col("outcome", sa.Text, "What happened, in the owner's words."),
    _col("recovered", sa.Boolean, "The customer was won back (owner's judgement at closing)."),
    _col("root_cause", sa.String, "Root cause: required to close a complaint."),
    _col("created_at", sa.DateTime, "Created (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change (UTC).", nullable=False),
    _col("closed_at", sa.DateTime, "Done or could-not-reach (UTC)."),
    comment="Follow-up tasks: detractor call-backs, reopen requests, knowledge gaps, escalations.",
)

action_task_events = sa.Table(
    "action_task_events",
    metadata,
    _col("event_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("task_id", sa.String, "Task (action_tasks.task_id).", nullable=False),
    _col("field", sa.String, "status, owner, outcome, recovered or root_cause.", nullable=False),
    _col("old_value", sa.Text, "Value before."),
    _col("new_value", sa.Text, "Value after."),
    _col("actor", sa.String, "Who (users.username or `cli`).", nullable=False),
    _col("occurred_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="History of every task: each change, who made it and when.",
)

action_notifications = sa.Table(
    "action_notifications",
    metadata,
    _col("notification_id", sa.String, "Unique id: `<subject>:<level>`.", primary_key=True),
    _col("subject", sa.String, "What it is about: an evaluation, task or alert id.", nullable=False),
    _col("rule_id", sa.String, "Rule that asked for it."),
    _col("level", sa.Integer, "Escalation level, 0 first.", nullable=False),
    _col("recipient", sa.String, "Account, role or address notified.", nullable=False),
    _col("channel", sa.String, "email or webhook.", nullable=False),
    _col("message_id", sa.String, "Its delivery (action_outbox.message_id)."),
    _col("escalate_after_hours", sa.Float, "Business hours before the next level; null: last level."),
    _col("sent_at", sa.DateTime, "Queued (UTC).", nullable=False),
    _col("acknowledged_by", sa.String, "Who acknowledged it."),
    _col("acknowledged_at", sa.DateTime, "When (UTC)."),
    _col("escalated_at", sa.DateTime, "When the next level was notified (UTC)."),
    comment="Notifications and their escalation: unacknowledged ones go to the next level.",
)

action_outbox = sa.Table(
    "action_outbox",
    metadata,
    _col("message_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col(
        "idempotency_key", sa.String, "One effect per key, whatever the retries.", nullable=False, unique=True
    ),
    _col(
        "channel", sa.String, "problem_record (to a helpdesk destination), email or webhook.", nullable=False
    ),
    _col("destination", sa.String, "Named destination (the destinations file) or address.", nullable=False),
    _col("payload", sa.Text, "What to deliver, JSON.", nullable=False),
    _col(
        "status",
        sa.String,
        "awaiting_approval, pending, delivered or dead (dead-letter: replay to retry).",
        nullable=False,
    ),
    _col("attempts", sa.Integer, "Delivery attempts so far.", nullable=False),
    _col(
        "next_attempt_at",
        sa.DateTime,
        "Not before (UTC): backoff with jitter, or Retry-After.",
        nullable=False,
    ),
    _col("lease_until", sa.DateTime, "A worker holds it until then (UTC); a dead worker's lease lapses."),
    _col("last_error", sa.Text, "Last failure, one sentence."),
    _col("error_kind", sa.String, "transient (retried) or terminal (dead-lettered at once)."),
    _col("external_id", sa.String, "Id of the effect at the destination (problem sys_id, issue key...)."),
    _col("evaluation_id", sa.String, "Evaluation that queued it (action_evaluations)."),
    _col("approved_by", sa.String, "Second person who released it (helpdesk writes, bulk contact)."),
    _col("created_at", sa.DateTime, "Queued (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change (UTC).", nullable=False),
    _col("delivered_at", sa.DateTime, "Delivered (UTC)."),
    comment="Transactional outbox: deliveries to helpdesks, e-mail and webhooks, retried until done or dead.",
)

action_external_records = sa.Table(
    "action_external_records",
    metadata,
    _col("vendor", sa.String, "servicenow, jira or zendesk.", primary_key=True),
    _col("external_id", sa.String, "The record's id there (sys_id, issue key, ticket id).", primary_key=True),
    _col("number", sa.String, "Its human number there (PRB0040001, OPS-12...)."),
    _col("idempotency_key", sa.String, "Outbox key that created it.", nullable=False),
    _col("painpoint_key", sa.String, "Pain point it is about."),
    _col("status", sa.String, "Its state there, as last read back."),
    _col("created_at", sa.DateTime, "Created there (UTC, as we recorded it).", nullable=False),
    _col("synced_at", sa.DateTime, "Last status read back (UTC)."),
    comment="Problem records written to a helpdesk, and their status as it flows back.",
)

action_review_packs = sa.Table(
    "action_review_packs",
    metadata,
    _col("pack_id", sa.String, "`<role>:<period start>`: one pack per role and period.", primary_key=True),
    _col("role", sa.String, "Audience role.", nullable=False),
    _col("period_start", sa.DateTime, "Period covered, start (UTC).", nullable=False),
    _col("period_end", sa.DateTime, "Period covered, end (UTC, exclusive).", nullable=False),
    _col("status", sa.String, "held (data-quality gate), awaiting_signoff, ready or sent.", nullable=False),
    _col("quality", sa.Text, "Data-quality checks and their results, JSON.", nullable=False),
    _col("content", sa.Text, "KPI movements, pain points with rank changes, open actions, JSON."),
    _col("signed_off_by", sa.String, "Who signed it off."),
    _col("created_at", sa.DateTime, "Built (UTC).", nullable=False),
    _col("sent_at", sa.DateTime, "Sent (UTC)."),
    comment="Review packs per role and period, held when their data is stale or partial.",
)

action_config_changes = sa.Table(
    "action_config_changes",
    metadata,
    _col("change_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("setting", sa.String, "Run-time setting changed (settings.name).", nullable=False),
    _col("region", sa.String, "Region the value applies to; null: the global value."),
    _col("value", sa.Text, "New value, JSON.", nullable=False),
    _col("status", sa.String, "draft, staging, active, superseded or withdrawn.", nullable=False),
    _col("effective_at", sa.DateTime, "When it takes effect (UTC).", nullable=False),
    _col("created_by", sa.String, "Who proposed it.", nullable=False),
    _col("approved_by", sa.String, "Second person who staged it."),
    _col("created_at", sa.DateTime, "Proposed (UTC).", nullable=False),
    _col("applied_at", sa.DateTime, "Applied (UTC)."),
    comment="Change control of configuration: proposed, staged, effective on a date, with a diff.",
)

action_case_clocks = sa.Table(
    "action_case_clocks",
    metadata,
    _col("task_id", sa.String, "Regulatory-complaint case (action_tasks.task_id).", primary_key=True),
    _col("clock", sa.String, "Clock of the regime: acknowledgement, final_response...", primary_key=True),
    _col(
        "regime",
        sa.String,
        "Regulatory regime whose clocks these are (uk-fca-disp, us-cfpb...).",
        nullable=False,
    ),
    _col(
        "started_at", sa.DateTime, "Receipt of the complaint (UTC): the clock runs from here.", nullable=False
    ),
    _col(
        "due_at",
        sa.DateTime,
        "Deadline (UTC), counted in the regime's days or business days.",
        nullable=False,
    ),
    _col(
        "binding",
        sa.Boolean,
        "Missing it is a breach (false: a window, e.g. summary resolution).",
        nullable=False,
    ),
    _col(
        "stops_on", sa.String, "close (the case's closing stops it) or manual (stop_clock).", nullable=False
    ),
    _col("stopped_at", sa.DateTime, "When it was met (UTC); null while running."),
    _col("stopped_by", sa.String, "Who stopped it (users.username or `cli`)."),
    comment="Deadline clocks of regulatory-complaint cases (migration 0015): due, met, breached.",
)

action_run_holds = sa.Table(
    "action_run_holds",
    metadata,
    _col("hold_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("rule_id", sa.String, "Rule whose run is held (action_rule_versions.rule_id).", nullable=False),
    _col("version", sa.Integer, "Rule version of the run.", nullable=False),
    _col(
        "contacts", sa.Integer, "Customers the run would contact (over the bulk-run limit).", nullable=False
    ),
    _col(
        "event_keys",
        sa.Text,
        "Events of the run, JSON list: approval evaluates exactly these.",
        nullable=False,
    ),
    _col("status", sa.String, "held, released (approved and run) or rejected.", nullable=False),
    _col("activated_by", sa.String, "Who put the rule version in force (may not approve the run)."),
    _col("created_at", sa.DateTime, "Held (UTC).", nullable=False),
    _col("decided_by", sa.String, "Second person who released or rejected it."),
    _col("decided_at", sa.DateTime, "When (UTC)."),
    _col("reason", sa.Text, "Why it was rejected."),
    comment="Live runs that contact customers in bulk, held for a second person's approval (migration 0015).",
)

sa.Index("ix_action_tasks_owner", action_tasks.c.owner, action_tasks.c.status)
sa.Index("ix_action_outbox_due", action_outbox.c.status, action_outbox.c.next_attempt_at)

ACTION_TABLES = (
    "action_rule_versions",
    "action_evaluations",
    "action_tasks",
    "action_task_events",
    "action_notifications",
    "action_outbox",
    "action_external_records",
    "action_review_packs",
    "action_config_changes",
    "action_case_clocks",
    "action_run_holds",
)
