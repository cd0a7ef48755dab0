"""Channel KPIs: self-service deflection, bot containment, channel mix and channel switching."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import as_int, live_tickets
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables, seconds

UNASSISTED = ("self_service", "bot")


def conversations(tables: Tables) -> Any:
    """One row per conversation (one customer issue): start, first channel, who took part."""
    import ibis

    i = tables.interactions
    order = ibis.window(group_by=i.conversation_id, order_by=[i.occurred_at, i.seq, i.id])
    first = i.mutate(_rn=ibis.row_number().over(order))
    first = first.filter(first._rn == 0).select(_fc_conv=first.conversation_id, _fc_channel=first.channel)
    conv = i.group_by(_cv_conv=i.conversation_id).agg(
        ts=i.occurred_at.min(),
        ticket_id=i.ticket_id.max(),
        customer_id=i.customer_id.max(),
        channels=i.channel.nunique(),
        has_bot=as_int((i.author_role == "bot") | (i.channel == "bot")).max(),
        has_agent=as_int(i.author_role == "agent").max(),
    )
    conv = conv.join(first, conv._cv_conv == first._fc_conv)
    conv = conv.mutate(conversation_id=conv._cv_conv, channel=conv._fc_channel)
    conv = conv.drop("_cv_conv", "_fc_conv", "_fc_channel")
    return conv.filter(conv.ts.notnull())


def _containment(tables: Tables, config: MetricsConfig) -> Any:
    c = conversations(tables)
    c = c.filter(c.has_bot == 1)
    return c.mutate(hit=1 - c.has_agent)


def _deflection(tables: Tables, config: MetricsConfig) -> Any:
    c = conversations(tables)
    c = c.filter(c.channel == "self_service")
    t = live_tickets(tables)
    t = t.filter(t.customer_id.notnull(), t.channel.isnull() | ~t.channel.isin(list(UNASSISTED)))
    t = t.select(_as_customer=t.customer_id, _as_created=t.created_at)
    # Equi-join on the customer, then the window as a filter: engines hash-join this; a join
    # condition mixing both is planned as a nested loop by some (DuckDB's blockwise NL join).
    pairs = c.select("conversation_id", "customer_id", "ts").join(t, c.customer_id == t._as_customer)
    gap = seconds(pairs._as_created) - seconds(pairs.ts)
    pairs = pairs.filter(gap >= 0, gap <= config.deflection_days * 86400)
    followed = pairs.group_by(_fl_conv=pairs.conversation_id).agg(_followed=pairs.count())
    c = c.left_join(followed, c.conversation_id == followed._fl_conv)
    deflected = (c.has_agent == 0) & c._followed.isnull()
    return c.mutate(hit=as_int(deflected)).drop("_followed", "_fl_conv")


def _mix(tables: Tables, config: MetricsConfig) -> Any:
    t = live_tickets(tables)
    return t.mutate(ts=t.created_at, category=t.channel.coalesce("unknown"))


def _switching(tables: Tables, config: MetricsConfig) -> Any:
    c = conversations(tables)
    c = c.filter(c.channels >= 1)
    return c.mutate(hit=as_int(c.channels > 1))


_CONV = "conversation start (first interactions.occurred_at)"

KPIS = (
    KPI(
        name="self_service_deflection",
        title="Self-service deflection",
        kind="proportion",
        fact=_deflection,
        unit="share",
        family="channels",
        dims=("channel",),
        dated_by=_CONV,
        formula="self-service sessions not followed by assisted contact / self-service sessions",
        numerator="sessions with no agent message and no assisted ticket (channel not self_service/bot) "
        "from the same customer within `config.deflection_days` (default 7) of the session start",
        denominator="conversations whose first message is on the self_service channel",
        excludes="conversations starting on other channels",
        edge_cases="an anonymous session (no customer id) is judged on its own thread only; "
        "a ticket the same second as the session counts as a follow-up",
        convention="Zendesk / TSIA self-service deflection (sessions that did not become tickets)",
    ),
    KPI(
        name="bot_containment",
        title="Bot containment",
        kind="proportion",
        fact=_containment,
        unit="share",
        family="channels",
        dims=("channel",),
        dated_by=_CONV,
        formula="bot conversations with no human agent / bot conversations",
        numerator="conversations with a bot turn and no agent-authored message",
        denominator="conversations with at least one bot turn (author_role or channel 'bot')",
        excludes="conversations without a bot",
        edge_cases="containment says the bot kept the conversation, not that it solved the issue: "
        "it is measured apart from FCR on purpose",
        convention="Gartner / conversational-AI containment rate (not transferred to a live agent)",
    ),
    KPI(
        name="channel_mix",
        title="Channel mix",
        kind="share",
        fact=_mix,
        unit="share",
        family="channels",
        higher_is_better=None,
        dated_by="tickets.created_at",
        formula="tickets per channel / tickets",
        numerator="tickets raised through each channel (null: `unknown`)",
        denominator="tickets in the cell, cancelled excluded",
        excludes="cancelled tickets",
        edge_cases="one row per channel (column `category`)",
        convention="contact-mix share (COPC, HDI channel reports)",
    ),
    KPI(
        name="channel_switch_rate",
        title="Channel switching",
        kind="proportion",
        fact=_switching,
        unit="share",
        family="channels",
        higher_is_better=False,
        dims=("channel",),
        dated_by=_CONV,
        formula="conversations using more than one channel / conversations",
        numerator="conversations whose messages span two or more distinct channels",
        denominator="conversations with at least one message channel",
        excludes="conversations whose messages have no channel",
        edge_cases="`channel` of a conversation is that of its first message",
        convention="Gartner / CEB channel switching within one issue",
    ),
)
