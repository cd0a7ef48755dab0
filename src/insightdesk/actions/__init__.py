"""Closed loop: rules on events that create follow-up tasks, notify, escalate and write back to the helpdesk.

Roles, as in the insight features:
- computation (pure): `spec` (a rule as data, checked), `conditions`, `business_hours`, `events`
  (what rules react to, read from the desk's tables);
- configuration: `config` (calendar, limits, message policy, delivery backoff), `destinations`
  (where deliveries go, from a YAML file);
- persistence and services: `rules` (versions, shadow, approval, rollback), `evaluate` (live runs and
  dry-runs), `planning` (what a match does), `tasks` (follow-ups and inboxes), `outbox` and `delivery`
  (exactly-once write-back through `helpdesks`), `escalation`, `backlog` (pain-point governance and
  the recurrence watch), `packs` (review packs), `changes` (configuration change control), `kpis`.
"""

from __future__ import annotations

from insightdesk.actions.backlog import Rebound, recurrence_watch, unowned_queue
from insightdesk.actions.business_hours import (
    BusinessCalendar,
    add_business_days,
    add_business_hours,
    business_hours_between,
)
from insightdesk.actions.cases import case_clocks, regulatory_cases, stop_clock
from insightdesk.actions.changes import (
    REGIONAL,
    apply_due,
    diff_change,
    get_change,
    in_force,
    list_changes,
    propose_change,
    stage_change,
    withdraw_change,
)
from insightdesk.actions.config import ActionsConfig, DeliveryPolicy, MessagePolicy
from insightdesk.actions.delivery import DeliveryReport, deliver_due, slack_payload
from insightdesk.actions.destinations import Destination, load_destinations
from insightdesk.actions.errors import ActionsError, NotFound, RuleSpecError
from insightdesk.actions.escalation import acknowledge, escalate_due
from insightdesk.actions.evaluate import RuleRun, dry_run, run_rules, simulate
from insightdesk.actions.events import EVENT_FIELDS, EVENT_KINDS
from insightdesk.actions.holds import get_hold, list_holds
from insightdesk.actions.kpis import loop_kpis
from insightdesk.actions.loop_rate import close_the_loop_rate
from insightdesk.actions.notifications import list_notifications
from insightdesk.actions.outbox import list_messages, release, replay
from insightdesk.actions.packs import build_pack, get_pack, mark_sent, sign_off
from insightdesk.actions.packs_mail import send_pack
from insightdesk.actions.packs_read import held_reason, list_packs, pack_text
from insightdesk.actions.rules import (
    approve_activation,
    get_version,
    list_rules,
    reject_activation,
    request_activation,
    retire_rule,
    rollback_rule,
    rule_versions,
    save_rule,
    shadow_rule,
)
from insightdesk.actions.run_approval import approve_run, reject_run
from insightdesk.actions.spec import RuleSpec, parse_rule
from insightdesk.actions.tasks import STATUSES as TASK_STATUSES
from insightdesk.actions.tasks import get_task, inbox, task_history, update_task
from insightdesk.actions.writeback import SyncReport, sync_statuses

__all__ = [
    "EVENT_FIELDS",
    "EVENT_KINDS",
    "REGIONAL",
    "TASK_STATUSES",
    "ActionsConfig",
    "ActionsError",
    "BusinessCalendar",
    "DeliveryPolicy",
    "DeliveryReport",
    "Destination",
    "MessagePolicy",
    "NotFound",
    "Rebound",
    "RuleRun",
    "RuleSpec",
    "RuleSpecError",
    "SyncReport",
    "acknowledge",
    "add_business_days",
    "add_business_hours",
    "apply_due",
    "approve_activation",
    "approve_run",
    "build_pack",
    "business_hours_between",
    "case_clocks",
    "close_the_loop_rate",
    "deliver_due",
    "diff_change",
    "dry_run",
    "escalate_due",
    "get_change",
    "get_hold",
    "get_pack",
    "get_task",
    "get_version",
    "held_reason",
    "in_force",
    "inbox",
    "list_changes",
    "list_holds",
    "list_messages",
    "list_notifications",
    "list_packs",
    "list_rules",
    "load_destinations",
    "loop_kpis",
    "mark_sent",
    "pack_text",
    "parse_rule",
    "propose_change",
    "recurrence_watch",
    "regulatory_cases",
    "reject_activation",
    "reject_run",
    "release",
    "replay",
    "request_activation",
    "retire_rule",
    "rollback_rule",
    "rule_versions",
    "run_rules",
    "save_rule",
    "send_pack",
    "shadow_rule",
    "sign_off",
    "simulate",
    "slack_payload",
    "stage_change",
    "stop_clock",
    "sync_statuses",
    "task_history",
    "unowned_queue",
    "update_task",
    "withdraw_change",
]
