"""KPIs of people rather than accounts: did the person come back, and through which channel.

A person is identity resolution's person of the ticket's customer (`identity_links`), else the
customer account itself (metrics/persons.py); every result's `attrs` say which was counted. The
same person writing from a second account about the same issue is then a callback, not a new
customer. An *issue* is a person's run of tickets with the same `config.repeat_key` (default
category), each within `config.repeat_days` of the one before (as `repeat_contact_rate` chains them).
"""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import as_int, live_tickets
from insightdesk.metrics.persons import with_person
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables, seconds


def _person_tickets(tables: Tables, config: MetricsConfig) -> tuple[Any, Any]:
    """Live tickets with a customer and a repeat key, their person `_person`, and the window that
    orders one person's tickets about one issue."""
    import ibis

    t = live_tickets(tables)
    t = t.filter(t.customer_id.notnull(), t[config.repeat_key].notnull())
    t = with_person(t, tables.backend, out="_person")
    return t, ibis.window(group_by=[t._person, t[config.repeat_key]], order_by=[t.created_at, t.id])


def _fcr_person(tables: Tables, config: MetricsConfig) -> Any:
    t, order = _person_tickets(tables, config)
    # The next ticket of the person about the same issue: the earliest that could be a callback.
    t = t.mutate(_next=t.created_at.lead().over(order))
    window = config.repeat_days * 86400
    # A ticket resolved less than the window before the store's newest ticket may still be called
    # back about. (The data's end, not the snapshot time: the facts stay the same for any `until`,
    # so the daily roll-ups can hold them.)
    newest = tables.tickets.created_at.max().as_scalar()
    t = t.filter(t.resolved_at.notnull(), (seconds(newest) - seconds(t.resolved_at)) >= window)
    came_back = t._next.notnull() & ((seconds(t._next) - seconds(t.resolved_at)) <= window)
    return t.mutate(ts=t.resolved_at, hit=as_int(~came_back)).drop("_next", "_person")


def _issue_channel_switch(tables: Tables, config: MetricsConfig) -> Any:
    import ibis

    t, order = _person_tickets(tables, config)
    t = t.mutate(_prev=t.created_at.lag().over(order))
    gap = seconds(t.created_at) - seconds(t._prev)
    t = t.mutate(_new=as_int(t._prev.isnull() | (gap > config.repeat_days * 86400)))
    # Issue number within (person, key): a running count of the tickets that started one.
    running = ibis.cumulative_window(
        group_by=[t._person, t[config.repeat_key]], order_by=[t.created_at, t.id]
    )
    t = t.mutate(_issue=t._new.sum().over(running))
    key = config.repeat_key
    issues = t.group_by(_is_person=t._person, _is_key=t[key], _is_no=t._issue).agg(
        _is_channels=t.channel.nunique()
    )
    # One fact row per issue: its first ticket (dated, and cut by dimensions, as that ticket).
    first = t.filter(t._new == 1)
    joined = first.join(
        issues,
        (first._person == issues._is_person)
        & (first[key] == issues._is_key)
        & (first._issue == issues._is_no),
    )
    out = joined.mutate(ts=joined.created_at, hit=as_int(joined._is_channels > 1))
    return out.drop("_person", "_prev", "_new", "_issue", "_is_person", "_is_key", "_is_no", "_is_channels")


_ISSUE = (
    "a person's tickets with the same `config.repeat_key` (default category), each within "
    "`config.repeat_days` (default 7) of the one before"
)

KPIS = (
    KPI(
        name="fcr_person",
        title="First-contact resolution by person",
        kind="proportion",
        fact=_fcr_person,
        unit="share",
        family="resolution",
        dated_by="tickets.resolved_at",
        formula="resolved tickets not followed by another contact of the same person about the same "
        "issue / resolved tickets",
        numerator="resolved tickets after which the same person (identity resolution's person, else "
        "the customer account) opened no ticket with the same `config.repeat_key` (default category) "
        "before N days after the resolution (`config.repeat_days`, default 7), from any account "
        "or channel",
        denominator="resolved or closed tickets with a customer and a repeat key, resolved at least "
        "N days before the newest ticket in the store, cancelled excluded",
        excludes="tickets without customer or key; cancelled tickets; tickets resolved less than "
        "N days before the store's newest ticket (their callback window is not over)",
        edge_cases="a ticket of the same person and key opened while this one was still open counts "
        "as coming back; `attrs['person_key']` says whether persons or accounts were counted",
        convention="SQM Group FCR measured by callback (the customer did not contact again within N "
        "days); the desk-side view (no reopen, transfer or second reply) is `fcr`",
        counts_persons=True,
    ),
    KPI(
        name="issue_channel_switch_rate",
        title="Channel switching across a person's contacts",
        kind="proportion",
        fact=_issue_channel_switch,
        unit="share",
        family="channels",
        higher_is_better=False,
        dims=("channel",),
        dated_by="the issue's first ticket (tickets.created_at)",
        formula="issues whose tickets came through more than one channel / issues",
        numerator="issues (" + _ISSUE + ") whose tickets span two or more distinct channels",
        denominator="issues of persons (identity resolution's person, else the customer account), "
        "cancelled tickets excluded",
        excludes="tickets without customer or key; cancelled tickets",
        edge_cases="`channel` of an issue is that of its first ticket; a ticket without a channel adds "
        "none; the switch within one conversation's messages is `channel_switch_rate`; "
        "`attrs['person_key']` says whether persons or accounts were counted",
        convention="Gartner / CEB channel switching (one issue, several channels), across contacts "
        "and accounts of one person",
        counts_persons=True,
    ),
)
