"""Evaluating rules: live (active versions act, shadow versions record), and dry-runs over history.

    run_rules(store)                       # every active and shadow version on the events since it went live
    dry_run(store, "detractor-callback")   # what the newest version would have done over 30 days

Each event is evaluated in its own transaction: the evaluation row, the tasks, notifications and
outbox messages it leads to commit together. The evaluation id (rule, mode, event) is the table's
key, so a re-run or a second process never evaluates an event twice. Events whose attributes grow
with time (a ticket still unresolved, a survey still unanswered) are recorded only once they match,
so they are looked at again on the next run until they do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.conditions import matches
from insightdesk.actions.config import DRY_RUN_DAYS, ActionsConfig
from insightdesk.actions.errors import ActionsError
from insightdesk.actions.events import Event, EventWindow, read_events
from insightdesk.actions.holds import contacts_of_run, hold_run, pending_hold
from insightdesk.actions.planning import Replay, Step, carry_out, evaluation_id, plan
from insightdesk.actions.rules import get_version, live_versions, record_dry_run
from insightdesk.actions.spec import CONTACT_KINDS, RuleSpec, parse_rule
from insightdesk.governance import audit
from insightdesk.governance.privacy import consented_customers
from insightdesk.insights.common.runs import plain, to_json, utcnow
from insightdesk.store.tables.actions import action_evaluations

if TYPE_CHECKING:
    from insightdesk.store import Store

_EPOCH = dt.datetime(1970, 1, 1)
TIME_DEPENDENT = ("ticket_unresolved", "survey_unanswered")
MAX_DRY_RUN_DAYS = 366
BATCH = 200


@dataclass
class RuleRun:
    rule_id: str
    version: int
    mode: str
    events: int = 0
    evaluated: int = 0
    matched: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    held: str | None = None
    """The hold this run's events wait in (a bulk contact awaiting a second person), if any."""

    def summary(self) -> dict[str, Any]:
        return {
            "held": self.held,
            "rule_id": self.rule_id,
            "version": self.version,
            "mode": self.mode,
            "events": self.events,
            "evaluated": self.evaluated,
            "matched": self.matched,
            "actions": dict(self.steps),
            "skipped": dict(self.skipped),
        }


def run_rules(
    store: Store, *, now: dt.datetime | None = None, config: ActionsConfig | None = None, actor: str = "cli"
) -> list[RuleRun]:
    """Evaluate every active and shadow version on the events that arrived since it went live."""
    cfg = config or ActionsConfig()
    now = now or utcnow()
    runs = []
    for spec, row in live_versions(store):
        mode = "live" if row["status"] == "active" else "shadow"
        since = row["activated_at"] if mode == "live" else row["shadow_since"]
        runs.append(_run_one(store, spec, row["version"], mode, since, now, cfg))
    for run in runs:
        if run.evaluated or run.held:
            audit.append(
                store.engine,
                actor=actor,
                action="rules.evaluate",
                target="action_evaluations",
                record_ids=[f"{run.rule_id}@v{run.version}"],
                detail=run.summary(),
            )
    return runs


def _run_one(
    store: Store,
    spec: RuleSpec,
    version: int,
    mode: str,
    since: dt.datetime,
    now: dt.datetime,
    cfg: ActionsConfig,
) -> RuleRun:
    run = RuleRun(spec.rule, version, mode)
    events = read_events(store, spec.event, EventWindow(since, now, live=True, now=now), cfg.calendar)
    run.events = len(events)
    done = _evaluated(store, spec.rule, mode, [e.key for e in events])
    todo = []
    for event in events:
        if evaluation_id(spec.rule, mode, event.key) in done:
            continue
        matched = matches(spec.when, event.attrs)
        if matched or spec.event not in TIME_DEPENDENT:
            todo.append((event, matched))
    if mode == "live" and spec.contacts_customers and todo:
        # The per-run gate: a waiting hold stops the version; a run over the bulk limit is held whole.
        run.held = pending_hold(store, spec.rule, version)
        contacts = 0 if run.held else contacts_of_run(store, spec, todo, now)
        if contacts > cfg.bulk_run_limit:
            run.held = hold_run(store, spec, version, todo, contacts, now)
        if run.held:
            return run
    evaluate_todo(store, spec, version, mode, todo, now, cfg, run)
    return run


def evaluate_todo(
    store: Store,
    spec: RuleSpec,
    version: int,
    mode: str,
    todo: list[tuple[Event, bool]],
    now: dt.datetime,
    cfg: ActionsConfig,
    run: RuleRun,
) -> None:
    """Evaluate (and, live, act on) these events, counting into `run`."""
    # Events commit in batches (one commit per event is the slow part on DuckDB); a batch that meets an
    # evaluation another process made meanwhile is rolled back whole and redone event by event.
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        try:
            with store.begin() as conn:
                results = _evaluate_batch(conn, spec, version, mode, batch, now, cfg)
        except sa.exc.IntegrityError:
            results = []
            for e, m in batch:
                try:
                    with store.begin() as conn:
                        results += _evaluate_batch(conn, spec, version, mode, [(e, m)], now, cfg)
                except sa.exc.IntegrityError:
                    continue  # another process evaluated it between our read and our write
        for matched, steps in results:
            run.evaluated += 1
            run.matched += int(matched)
            _count(run, steps)


def _evaluate_batch(
    conn: sa.Connection,
    spec: RuleSpec,
    version: int,
    mode: str,
    batch: list[tuple[Event, bool]],
    now: dt.datetime,
    cfg: ActionsConfig,
) -> list[tuple[bool, list[Step]]]:
    """Events planned, carried out (live only) and recorded, inside the caller's transaction."""
    # Contact consent for the batch's customers, read once in this transaction (the ledger's answer).
    customers = {str(e.attrs["customer_id"]) for e, m in batch if m and e.attrs.get("customer_id")}
    consenting = consented_customers(conn, "contact", at=now, among=customers) if customers else set()
    results, rows = [], []
    for event, matched in batch:
        ev_id = evaluation_id(spec.rule, mode, event.key)
        steps = plan(conn, spec, event, now, cfg, consenting=consenting) if matched else []
        if mode == "live" and steps:
            carry_out(conn, steps, rule_id=spec.rule, evaluation=ev_id, event=event, now=now)
        rows.append({"evaluation_id": ev_id, "rule_id": spec.rule, "version": version, "mode": mode,
                     "event": spec.event, "event_key": event.key, "matched": matched,
                     "actions": to_json([s.summary() for s in steps]), "evaluated_at": now})  # fmt: skip
        results.append((matched, steps))
    # The evaluation's key is the table's: one made meanwhile by another process fails the transaction.
    conn.execute(action_evaluations.insert(), rows)
    return results


def _count(run: RuleRun, steps: list[Step]) -> None:
    for step in steps:
        if step.skipped:
            run.skipped[step.skipped] += 1
        else:
            run.steps[step.kind] += 1


def _evaluated(store: Store, rule_id: str, mode: str, keys: list[str]) -> set[str]:
    ids = [evaluation_id(rule_id, mode, k) for k in keys]
    found: set[str] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            found |= set(
                conn.execute(
                    sa.select(action_evaluations.c.evaluation_id).where(
                        action_evaluations.c.evaluation_id.in_(chunk)
                    )
                ).scalars()
            )
    return found


def dry_run(
    store: Store,
    rule_id: str,
    *,
    version: int | None = None,
    days: int = DRY_RUN_DAYS,
    until: dt.datetime | None = None,
    config: ActionsConfig | None = None,
    actor: str = "cli",
    record: bool = True,
) -> dict[str, Any]:
    """What a version would have done over `days` of history (to `until`, default the newest event).

    Counts (events, matches, actions by kind, customers contacted, skips) and a few examples; nothing
    is written but the summary on the version (`record`) and an audit entry.
    """
    cfg = config or ActionsConfig()
    if not 1 <= days <= MAX_DRY_RUN_DAYS:
        raise ActionsError(f"dry-run days must be 1 to {MAX_DRY_RUN_DAYS}, got {days}")
    row = get_version(store, rule_id, version)
    summary = simulate(
        store, parse_rule(row["spec"], policy=cfg.messages, stored=True), days=days, until=until, config=cfg
    )
    summary["version"] = row["version"]
    if record:
        record_dry_run(store, rule_id, row["version"], summary)
        audit.append(
            store.engine,
            actor=actor,
            action="rules.dry_run",
            target="action_rule_versions",
            record_ids=[f"{rule_id}@v{row['version']}"],
            detail={k: summary[k] for k in ("since", "until", "events", "matched", "actions", "customers")},
        )
    return summary


def simulate(
    store: Store, spec: RuleSpec, *, days: int, until: dt.datetime | None, config: ActionsConfig
) -> dict[str, Any]:
    """A spec (saved or not) replayed over history; reads only."""
    if until is None:
        # One read of the whole history, the window cut from it: ends just after the newest event.
        now = utcnow()
        every = read_events(
            store,
            spec.event,
            EventWindow(_EPOCH, now + dt.timedelta(days=1), live=False, now=now),
            config.calendar,
        )
        end = max((e.occurred_at for e in every), default=now) + dt.timedelta(seconds=1)
        start = end - dt.timedelta(days=days)
        events = [e for e in every if start <= e.occurred_at < end]
    else:
        end, start = until, until - dt.timedelta(days=days)
        events = read_events(store, spec.event, EventWindow(start, end, live=False, now=end), config.calendar)
    run = RuleRun(spec.rule, 0, "dry_run", events=len(events))
    customers: set[str] = set()
    examples: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        replay = Replay(consented_customers(conn, "contact"))
        for event in events:
            if not matches(spec.when, event.attrs):
                continue
            steps = plan(conn, spec, event, event.occurred_at, config, replay)
            run.matched += 1
            _count(run, steps)
            for s in steps:
                if s.kind == "task" and not s.skipped and s.detail["task_kind"] in CONTACT_KINDS:
                    customers.add(str(s.detail["customer_id"]))
            if len(examples) < config.examples:
                examples.append(_example(event, steps))
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "days": days,
        "events": run.events,
        "matched": run.matched,
        "match_rate": run.matched / run.events if run.events else None,
        "actions": dict(run.steps),
        "skipped": dict(run.skipped),
        "customers": len(customers),
        "examples": examples,
    }


def _example(event: Event, steps: list[Step]) -> dict[str, Any]:
    return plain(
        {
            "event_key": event.key,
            "occurred_at": event.occurred_at,
            "attributes": {k: v for k, v in event.attrs.items() if v is not None},
            "actions": [s.summary() for s in steps],
        }
    )
