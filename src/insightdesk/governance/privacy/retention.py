"""Retention: policies per data class and region, and the purge that applies them, keeping aggregates.

- `free_text` policies empty the free text of records older than the policy (tickets' subject and
  description, comments, message bodies, redacted text, theme quotes drawn from them) and delete old
  record versions and quarantined raw records. Scores, dates and categories stay: KPIs of closed
  periods are unchanged.
- `identity` policies anonymise customers whose last contact is older than the policy, as an
  erasure would (their records stay, re-pointed at an anonymous customer that keeps the segment
  attributes), one person per transaction, without a tombstone: a returning customer is new.

A region is a customers.region value; `*` is every customer (and the rows linked to nobody).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy import rowcount
from insightdesk.governance.privacy.catalogue import ENTRIES, customer_tables
from insightdesk.governance.privacy.catalogue_model import DataClass
from insightdesk.governance.privacy.erasure import ErasureRefused, drop_quotes, erase_subject
from insightdesk.governance.privacy.subject import customers_filter
from insightdesk.store.tables import load_all_tables
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.privacy import retention_policies, retention_runs

DATA_CLASSES = ("free_text", "identity")
# The date a record's free text ages from, per table holding customers' free text.
FREE_TEXT_DATES: dict[str, str] = {
    "tickets": "created_at",
    "interactions": "occurred_at",
    "feedback": "answered_at",
    "text_analyses": "occurred_at",
    "text_labels": "labelled_at",
    "survey_invitations": "created_at",
    "survey_responses": "updated_at",
    "action_tasks": "created_at",
    "action_task_events": "occurred_at",
    "action_outbox": "created_at",
}
# Customers' tables whose free text no age applies to, and why (erasure still removes it).
NOT_AGED: dict[str, str] = {
    "legal_holds": "a hold's reason is kept while the hold stands",
    "survey_suppressions": "a suppression's note is kept while it is in force",
    "identity_links": "the match reason is rebuilt by every identity run",
    "identity_review_pairs": "a pair's detail is kept until it is decided",
}
# Rows that are nothing but old copies: deleted whole when they age out.
DELETED_WHEN_OLD: dict[str, str] = {"record_history": "replaced_at", "quarantine": "created_at"}
# Where a customer's last contact is read (customers.created_at when none).
CONTACT_DATES = (("tickets", "created_at"), ("feedback", "answered_at"), ("interactions", "occurred_at"))


class RetentionError(ValueError):
    """A policy that cannot be set; the message names the field."""


@dataclass
class PurgeReport:
    run_id: str
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    held: int = 0
    """People whose identity expired but who are under a legal hold (kept)."""


def set_policy(conn: sa.Connection, data_class: str, region: str, keep_days: int, actor: str) -> str:
    """Add or replace the policy of a data class and region; returns its id."""
    if data_class not in DATA_CLASSES:
        raise RetentionError(f"data class {data_class!r} cannot expire: use free_text or identity")
    if not 1 <= keep_days <= 36500:
        raise RetentionError(f"keep days {keep_days} is outside 1 to 36500")
    if not region.strip():
        raise RetentionError("region is empty: give a customers.region value, or * for every region")
    conn.execute(
        retention_policies.delete().where(
            retention_policies.c.data_class == data_class, retention_policies.c.region == region
        )
    )
    policy_id = new_id("ret-")
    conn.execute(
        retention_policies.insert().values(
            policy_id=policy_id,
            data_class=data_class,
            region=region.strip(),
            keep_days=keep_days,
            created_by=actor,
            created_at=utcnow(),
        )
    )
    return policy_id


def list_policies(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(retention_policies).order_by(retention_policies.c.data_class))
    return [dict(r._mapping) for r in rows]


def _region_ids(region: str) -> sa.Select[Any]:
    ids = sa.select(customers.c.id).where(~customers.c.id.startswith("erased:"))
    return ids if region == "*" else ids.where(customers.c.region == region)


def _free_text_columns(name: str) -> list[str]:
    return [c for c, k in ENTRIES[name].classes().items() if k is DataClass.FREE_TEXT]


def _expired_text(conn: sa.Connection, region: str, cutoff: dt.datetime, apply: bool) -> dict[str, int]:
    """Empty (or count) the free text older than `cutoff` of the region's customers."""
    tables = load_all_tables().tables
    counts: dict[str, int] = {}
    texts: set[str] = set()
    for name, date_column in {**FREE_TEXT_DATES, **DELETED_WHEN_OLD}.items():
        if name not in tables or date_column not in tables[name].columns:
            continue
        table = tables[name]
        old = table.c[date_column] < cutoff
        linked = customers_filter(name, _region_ids(region))
        if region != "*":
            if linked is None:
                continue
            old = sa.and_(old, linked)
        if name in DELETED_WHEN_OLD:
            statement: sa.Update | sa.Delete = table.delete().where(old)
        else:
            columns = [c for c in _free_text_columns(name) if table.c[c].nullable]
            if not columns:
                continue
            old = sa.and_(old, sa.or_(*[table.c[c].is_not(None) for c in columns]))
            if name == "text_analyses":
                texts |= {
                    t.strip()
                    for t in conn.execute(sa.select(table.c.redacted_text).where(old)).scalars()
                    if t
                }
            statement = table.update().where(old).values(dict.fromkeys(columns))
        n = (
            rowcount.changed(conn, statement)
            if apply
            else conn.execute(sa.select(sa.func.count()).select_from(table).where(old)).scalar_one()
        )
        if n:
            counts[name] = int(n)
    if apply and texts:
        counts["themes.quotes"] = drop_quotes(conn, texts)
    return counts


def _expired_people(conn: sa.Connection, region: str, cutoff: dt.datetime) -> list[str]:
    tables = load_all_tables().tables
    last = [
        sa.select(tables[t].c.customer_id.label("customer_id"), tables[t].c[d].label("at"))
        for t, d in CONTACT_DATES
        if t in tables
    ]
    contacts = sa.union_all(
        *last, sa.select(customers.c.id.label("customer_id"), customers.c.created_at.label("at"))
    ).subquery("contacts")
    latest = (
        sa.select(contacts.c.customer_id)
        .where(contacts.c.customer_id.in_(_region_ids(region)))
        .group_by(contacts.c.customer_id)
        .having(sa.func.max(contacts.c.at) < cutoff)
        .order_by(contacts.c.customer_id)
    )
    return list(conn.execute(latest).scalars())


def purge(
    engine: sa.Engine, actor: str, *, dry_run: bool = False, now: dt.datetime | None = None
) -> PurgeReport:
    """Apply every policy (or, with `dry_run`, count what would go); the run is recorded."""
    now = now or utcnow()
    report = PurgeReport(new_id("purge-"), dry_run)
    with engine.begin() as conn:
        policies = list_policies(conn)
    for policy in policies:
        key = f"{policy['data_class']}:{policy['region']}"
        cutoff = now - dt.timedelta(days=int(policy["keep_days"]))
        if policy["data_class"] == "free_text":
            with engine.begin() as conn:  # one policy's text goes all together, or none of it
                report.counts[key] = _expired_text(conn, policy["region"], cutoff, apply=not dry_run)
            continue
        with engine.begin() as conn:
            people = _expired_people(conn, policy["region"], cutoff)
        report.counts[key] = {"customers": len(people)}
        if dry_run:
            continue
        done = 0
        for customer_id in people:
            try:
                with engine.begin() as conn:  # atomic per person: a kill leaves each one old or new
                    erase_subject(conn, customer_id=customer_id, retention=True)
                done += 1
            except ErasureRefused:
                report.held += 1
        report.counts[key] = {"customers": done}
    with engine.begin() as conn:
        conn.execute(
            retention_runs.insert().values(
                run_id=report.run_id,
                dry_run=dry_run,
                actor=actor,
                started_at=now,
                finished_at=utcnow(),
                counts=json.dumps({**report.counts, "held": report.held}, sort_keys=True),
            )
        )
    return report


def unlisted_free_text_tables() -> list[str]:
    """Customers' tables with free text that no retention date covers (a test keeps this empty)."""
    covered = set(FREE_TEXT_DATES) | set(DELETED_WHEN_OLD) | set(NOT_AGED)
    return [
        name
        for name, entry in customer_tables().items()
        if name not in covered and any(k is DataClass.FREE_TEXT for k in entry.classes().values())
    ]
