"""One chunk of a synthetic desk: tickets with their events, transcripts and survey answers.

Everything is vectorised with numpy and assembled as Arrow tables; a chunk only needs the
dimension arrays, so any number of chunks can be generated one after the other in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.sample import catalog as cat
from insightdesk.sample.entities import Dimensions, pick
from insightdesk.sample.planted import PlantedEffects

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

HOUR, DAY = 3600, 86400
THEME_KEYS = tuple(t.key for t in cat.THEMES)
TEAM_NAMES = tuple(t[0] for t in cat.TEAMS)
_TYPE_OF_THEME = {
    "how_to": "question",
    "feature_request": "other",
    "plan_change": "service_request",
    "cancellation": "service_request",
    "refund_request": "service_request",
    "password_reset": "service_request",
}


@dataclass(frozen=True)
class Period:
    start_s: int
    end_s: int
    day_p: np.ndarray  # probability of each day of the period
    weekend: np.ndarray  # bool per day
    spike_start_s: int
    spike_end_s: int


@dataclass(frozen=True)
class Context:
    """Everything fixed for a whole desk, computed once and shared by all chunks."""

    dims: Dimensions
    period: Period
    effects: PlantedEffects
    customer_mood: np.ndarray  # per-customer satisfaction offset (logit)
    consent_survey: np.ndarray  # bool per customer


# Hour-of-day profiles: office hours on weekdays, a flatter late-morning hump at weekends.
_WEEKDAY_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 9, 11, 12, 11, 9, 7, 5, 4, 3, 2, 2, 1]
_WEEKEND_HOURS = [2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 7, 7, 6, 6, 5, 5, 4, 3, 3, 2]


def _flat(bank: str) -> tuple[tuple[str, ...], np.ndarray]:
    """All phrases of one bank of every theme, and each theme's offset into the flat tuple."""
    import numpy as np

    phrases = tuple(p for t in cat.THEMES for p in getattr(t, bank))
    sizes = [len(getattr(t, bank)) for t in cat.THEMES]
    return phrases, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int), np.array(sizes)


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    import pyarrow as pa

    return pa.array(seconds.astype("int64"), mask=None if valid is None else ~valid).cast(pa.timestamp("s"))


def _text_join(*parts: pa.Array) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pc.binary_join_element_wise(*parts, pa.scalar(" "))
    return pc.utf8_trim_whitespace(pc.replace_substring(joined, "  ", " "))


def make_chunk(
    rng: np.random.Generator, ctx: Context, first: int, n: int, n_feedback: int, interactions: bool = True
) -> dict[str, pa.Table]:
    """Tickets `first`..`first + n - 1` and everything hanging off them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    dims, period, fx = ctx.dims, ctx.period, ctx.effects
    ticket_ids = pc.binary_join_element_wise(
        pa.scalar("T"),
        pc.utf8_lpad(pa.array(np.arange(first + 1, first + n + 1)).cast(pa.string()), width=8, padding="0"),
        "",
    )

    # When: weekly and daily seasonality, plus the planted theme spike.
    day = rng.choice(len(period.day_p), n, p=period.day_p)
    hours = np.where(
        period.weekend[day],
        rng.choice(24, n, p=np.array(_WEEKEND_HOURS) / sum(_WEEKEND_HOURS)),
        rng.choice(24, n, p=np.array(_WEEKDAY_HOURS) / sum(_WEEKDAY_HOURS)),
    )
    created = period.start_s + day * DAY + hours * HOUR + rng.integers(0, HOUR, n)
    customer = np.minimum(np.searchsorted(dims.customer_cdf, rng.random(n)), len(dims.customer_cdf) - 1)
    weights = np.array([t.weight for t in cat.THEMES])
    theme = rng.choice(len(weights), n, p=weights / weights.sum())
    spike = THEME_KEYS.index(fx.spike_theme)
    p0 = weights[spike] / weights.sum()
    switch_p = p0 * (fx.spike_multiplier - 1) / (1 - p0)
    in_week = (created >= period.spike_start_s) & (created < period.spike_end_s)
    theme = np.where(in_week & (rng.random(n) < switch_p), spike, theme)
    channel = rng.choice(len(cat.CHANNELS), n, p=cat.CHANNEL_SHARE)

    # Repeat contacts: some tickets get a follow-up (same customer, same theme, within the window):
    # another row of the chunk is turned into it; the planted channel's tickets far more often.
    repeat_ch = cat.CHANNELS.index(fx.repeat_channel)
    p_repeat = np.where(channel == repeat_ch, fx.repeat_probability, fx.repeat_probability_other_channels)
    is_origin = rng.random(n) < p_repeat
    origins = np.flatnonzero(is_origin)
    targets = rng.permutation(np.flatnonzero(~is_origin))[: len(origins)]
    origins = origins[: len(targets)]
    customer[targets] = customer[origins]
    theme[targets] = theme[origins]
    gap = rng.integers(2 * HOUR, (fx.repeat_window_days - 1) * DAY, len(targets))
    created[targets] = np.minimum(created[origins] + gap, period.end_s - HOUR)
    channel[targets] = np.where(rng.random(len(targets)) < 0.6, channel[origins], channel[targets])

    # Who: intake team by channel, escalation to the theme's specialists, sometimes to engineering.
    priority = rng.choice(4, n, p=cat.PRIORITY_SHARE)
    intake = np.select([np.isin(channel, [2, 6]), channel == 4], [2, 3], rng.integers(0, 2, n))
    esc_p = np.array([t.escalation for t in cat.THEMES])[theme] * np.array([1.3, 1.15, 1.0, 0.8])[priority]
    escalated = rng.random(n) < np.minimum(esc_p, 0.95)
    specialist = np.array([TEAM_NAMES.index(t.team) for t in cat.THEMES])[theme]
    to_l3 = escalated & (rng.random(n) < 0.15)
    engineering = np.where(np.array([t.category == "Billing" for t in cat.THEMES])[theme], 11, 10)
    team = np.where(to_l3, engineering, np.where(escalated, specialist, intake))
    reassign = escalated.astype(int) + to_l3 + rng.poisson(0.15, n)
    sizes = np.array([len(a) for a in dims.team_agents])
    starts = np.array([a[0] for a in dims.team_agents])
    agent = starts[team] + (rng.random(n) * sizes[team]).astype(int)

    # How long: lognormal first response and resolution; the planted segment waits longer.
    slow = dims.customer_region[customer] == cat.REGIONS.index(fx.slow_segment_value)
    frt_median = (
        np.array(cat.FIRST_RESPONSE_MEDIAN_MIN)[priority]
        * np.array(cat.CHANNEL_RESPONSE_FACTOR)[channel]
        * np.where(slow, fx.slow_segment_first_response_factor, 1.0)
    )
    frt = np.maximum(30, rng.lognormal(np.log(frt_median * 60), 0.9)).astype(np.int64)
    res_median = np.array(cat.RESOLUTION_MEDIAN_H)[priority] * (
        1 + 0.8 * escalated + 1.5 * to_l3 + 0.3 * reassign
    )
    res = np.maximum(300, rng.lognormal(np.log(res_median * HOUR), 1.0)).astype(np.int64)
    resolved1 = created + frt + res
    # Quick "resolutions" are reopened more often (premature closure).
    p_reopen = 0.04 + 0.06 * (res < 2 * HOUR)
    u = rng.random(n)
    reopens = (u < p_reopen).astype(int) + (u < p_reopen * 0.15)
    reopen1 = resolved1 + rng.integers(HOUR, 72 * HOUR, n)
    resolved2 = reopen1 + rng.lognormal(np.log(20 * HOUR), 0.8, n).astype(np.int64)
    reopen2 = resolved2 + rng.integers(HOUR, 72 * HOUR, n)
    resolved3 = reopen2 + rng.lognormal(np.log(20 * HOUR), 0.8, n).astype(np.int64)
    end = period.end_s
    reopens = np.where(reopens >= 1, (reopen1 <= end).astype(int) + ((reopens >= 2) & (reopen2 <= end)), 0)
    last_res = np.select([reopens == 0, reopens == 1], [resolved1, resolved2], resolved3)
    responded = created + frt <= end
    resolved = last_res <= end
    closed_at = last_res + rng.integers(2 * DAY, 5 * DAY, n)
    closed = closed_at <= end
    status_i = np.where(
        ~responded,
        0,
        np.where(~resolved, rng.choice([1, 2, 3], n, p=[0.65, 0.25, 0.1]), np.where(closed, 5, 4)),
    )
    status = pick(("new", "open", "pending", "on_hold", "resolved", "closed"), status_i)
    sla_resp = np.array(cat.SLA_RESPONSE_MIN)[priority]
    sla_res = np.array(cat.SLA_RESOLUTION_MIN)[priority]
    resp_breach = np.where(responded, frt > sla_resp * 60, end - created > sla_resp * 60)
    res_breach = np.where(resolved, last_res - created > sla_res * 60, end - created > sla_res * 60)
    # Not breached yet and still running: the SLA verdict is unknown (null), as helpdesks report it.
    resp_known = responded | (end - created > sla_resp * 60)
    res_known = resolved | (end - created > sla_res * 60)

    issues, issue_off, issue_n = _flat("issue")
    issue_i = issue_off[theme] + (rng.random(n) * issue_n[theme]).astype(int)
    subject = pick(issues, issue_i)
    description = _text_join(
        pick(cat.OPENERS, rng.integers(len(cat.OPENERS), size=n)),
        subject,
        pick(cat.DETAILS, rng.integers(len(cat.DETAILS), size=n)),
        pick(cat.CLOSERS, rng.integers(len(cat.CLOSERS), size=n)),
    )
    knowledge = rng.random(n) < np.where(
        np.isin(theme, [THEME_KEYS.index("how_to"), THEME_KEYS.index("password_reset")]), 0.5, 0.2
    )
    problem = np.full(n, -1)
    linkable = np.isin(
        theme, [THEME_KEYS.index(k) for k in ("outage", "app_crash", "data_sync", "slow_performance")]
    )
    linked = linkable & (rng.random(n) < 0.12)
    for t in np.unique(theme[linked]):
        rows = np.flatnonzero(linked & (theme == t))
        problem[rows] = rng.choice(dims.theme_problems[t], len(rows))
    change = np.where(linked & (rng.random(n) < 0.2), rng.integers(dims.n_changes, size=n), -1)
    teams_t, agents_t, cust_t = (dims.tables[k]["id"] for k in ("teams", "agents", "customers"))
    org = dims.customer_org[customer]
    tickets = pa.table(
        {
            "id": ticket_ids,
            "type": pick(tuple(_TYPE_OF_THEME.get(k, "incident") for k in THEME_KEYS), theme),
            "channel": pick(cat.CHANNELS, channel),
            "subject": subject,
            "description": description,
            "product": pick(tuple(t.product for t in cat.THEMES), theme),
            "category": pick(tuple(t.category for t in cat.THEMES), theme),
            "subcategory": pick(tuple(t.subcategory for t in cat.THEMES), theme),
            "priority": pick(cat.PRIORITIES, priority),
            "impact": pick(cat.PRIORITY_IMPACT, priority),
            "urgency": pick(cat.PRIORITY_URGENCY, priority),
            "status": status,
            "team_id": teams_t.take(pa.array(team)),
            "agent_id": agents_t.take(pa.array(agent)),
            "customer_id": cust_t.take(pa.array(customer)),
            "organisation_id": dims.tables["organisations"]["id"].take(pa.array(org, mask=org < 0)),
            "language": pick(("en",), np.zeros(n, dtype=int)),
            "region": pick(cat.REGIONS, dims.customer_region[customer]),
            "problem_id": dims.tables["problems"]["id"].take(pa.array(problem, mask=problem < 0)),
            "change_id": dims.tables["changes"]["id"].take(pa.array(change, mask=change < 0)),
            "created_at": _ts(created),
            "first_response_at": _ts(created + frt, responded),
            "resolved_at": _ts(last_res, resolved),
            "closed_at": _ts(closed_at, closed),
            "source_updated_at": _ts(
                np.select([closed, resolved, responded], [closed_at, last_res, created + frt], created)
            ),
            "reopen_count": reopens,
            "reassignment_count": reassign,
            "sla_response_target_minutes": sla_resp,
            "sla_resolution_target_minutes": sla_res,
            "sla_response_breached": pa.array(resp_breach, mask=~resp_known),
            "sla_resolution_breached": pa.array(res_breach, mask=~res_known),
            "resolution_code": pick(
                ("solved", "workaround", "duplicate", "no_reply"),
                np.where(resolved, rng.choice(4, n, p=[0.8, 0.1, 0.05, 0.05]), -1),
            ),
            "knowledge_used": knowledge,
        }
    )
    out = {"tickets": tickets}
    state = _State(
        ticket_ids,
        created,
        frt,
        responded,
        resolved1,
        reopen1,
        resolved2,
        reopen2,
        resolved3,
        reopens,
        last_res,
        resolved,
        closed_at,
        closed,
        intake,
        team,
        reassign,
        agent,
        customer,
        channel,
        theme,
        rng.integers(len(cat.AGENT_REPLIES), size=n),
    )
    out["ticket_events"] = _events(state, teams_t, agents_t)
    art_rows = np.flatnonzero(knowledge & resolved)
    art = np.array([dims.theme_articles[t][0] for t in range(len(cat.THEMES))])[theme[art_rows]]
    art += rng.integers(0, 3, len(art_rows))
    out["ticket_articles"] = pa.table(
        {
            "id": pc.binary_join_element_wise(ticket_ids.take(pa.array(art_rows)), pa.scalar("KB"), "-"),
            "ticket_id": ticket_ids.take(pa.array(art_rows)),
            "article_id": dims.tables["articles"]["id"].take(pa.array(art)),
            "link_type": pick(("resolved_by",), np.zeros(len(art_rows), dtype=int)),
        }
    )
    if interactions:
        out["interactions"] = _transcripts(rng, state, description, cust_t, agents_t)
    from insightdesk.sample.surveys import surveys

    z = _experience(fx, last_res - created, reassign, reopens, res_breach, resp_breach, team, customer, ctx)
    out["feedback"] = surveys(rng, ctx, state, z, n_feedback, cust_t, agents_t)
    return out


@dataclass
class _State:
    ids: pa.Array
    created: np.ndarray
    frt: np.ndarray
    responded: np.ndarray
    resolved1: np.ndarray
    reopen1: np.ndarray
    resolved2: np.ndarray
    reopen2: np.ndarray
    resolved3: np.ndarray
    reopens: np.ndarray
    last_res: np.ndarray
    resolved: np.ndarray
    closed_at: np.ndarray
    closed: np.ndarray
    intake: np.ndarray
    team: np.ndarray
    reassign: np.ndarray
    agent: np.ndarray
    customer: np.ndarray
    channel: np.ndarray
    theme: np.ndarray
    reply: np.ndarray


def _experience(
    fx: PlantedEffects,
    resolution_s: np.ndarray,
    reassign: np.ndarray,
    reopens: np.ndarray,
    res_breach: np.ndarray,
    resp_breach: np.ndarray,
    team: np.ndarray,
    customer: np.ndarray,
    ctx: Context,
) -> np.ndarray:
    import numpy as np

    m = fx.experience_model
    return (
        m["intercept"]
        + m["log1p_resolution_days"] * np.log1p(np.maximum(resolution_s, 0) / DAY)
        + m["reassignment"] * reassign
        + m["reopened"] * (reopens > 0)
        + m["sla_resolution_breached"] * res_breach
        + m["sla_response_breached"] * resp_breach
        + fx.low_csat_team_logit_shift * (team == TEAM_NAMES.index(fx.low_csat_team))
        + ctx.customer_mood[customer]
    )


def _events(s: _State, teams: pa.Array, agents: pa.Array) -> pa.Table:
    """Event history, built as blocks (one per event kind) then ordered per ticket. Each block's
    `order` is its place in the ticket's life, which the construction makes the time order too."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    statuses = ("new", "open", "resolved", "closed")
    blocks: list[tuple[np.ndarray, np.ndarray, int, str, np.ndarray, np.ndarray, np.ndarray]] = []
    none = np.full(len(s.created), -1)

    def block(
        rows: np.ndarray,
        at: np.ndarray,
        order: int,
        kind: str,
        old: np.ndarray,
        new: np.ndarray,
        actor: np.ndarray,
    ) -> None:
        blocks.append((rows, at[rows], order, kind, old[rows], new[rows], actor[rows]))

    every = np.arange(len(s.created))
    block(every, s.created, 0, "created", none, np.full(len(every), 0), none)
    r = np.flatnonzero(s.responded)
    block(r, s.created + s.frt, 1, "first_response", none, none, s.agent)
    block(
        r, s.created + s.frt, 2, "status_change", np.zeros(len(every), int), np.ones(len(every), int), s.agent
    )
    # Reassignments sit between first response and (first) resolution, evenly spaced.
    k_max = min(int(s.reassign.max(initial=0)), 90)
    for k in range(k_max):
        rows = np.flatnonzero(s.responded & (s.reassign > k))
        at = s.created + s.frt + (s.resolved1 - s.created - s.frt) * (k + 1) // (s.reassign + 1)
        old = np.where(k == 0, s.intake, s.team)
        block(rows, at, 3 + k, "reassignment", old + 100, s.team + 100, s.agent)
    for res_at, reo_at, level in ((s.resolved1, s.reopen1, 1), (s.resolved2, s.reopen2, 2)):
        rows = np.flatnonzero(s.reopens >= level)
        block(
            rows,
            res_at,
            98 + 2 * level,
            "resolved",
            np.ones(len(every), int),
            np.full(len(every), 2),
            s.agent,
        )
        block(
            rows, reo_at, 99 + 2 * level, "reopened", np.full(len(every), 2), np.ones(len(every), int), none
        )
    rows = np.flatnonzero(s.resolved)
    block(rows, s.last_res, 110, "resolved", np.ones(len(every), int), np.full(len(every), 2), s.agent)
    rows = np.flatnonzero(s.closed)
    block(rows, s.closed_at, 111, "closed", np.full(len(every), 2), np.full(len(every), 3), none)

    ticket = np.concatenate([b[0] for b in blocks])
    at = np.concatenate([b[1] for b in blocks])
    order = np.concatenate([np.full(len(b[0]), b[2]) for b in blocks])
    kind = np.concatenate([np.full(len(b[0]), i) for i, b in enumerate(blocks)])
    old = np.concatenate([b[4] for b in blocks])
    new = np.concatenate([b[5] for b in blocks])
    actor = np.concatenate([b[6] for b in blocks])
    idx = np.argsort(ticket.astype(np.int64) * 128 + order)  # keys are unique: no tie to break
    ticket, at, kind, old, new, actor = ticket[idx], at[idx], kind[idx], old[idx], new[idx], actor[idx]
    starts = np.flatnonzero(np.r_[True, ticket[1:] != ticket[:-1]])
    seq = np.arange(len(ticket)) - np.repeat(starts, np.diff(np.r_[starts, len(ticket)]))
    # Values below 100 are statuses, 100+ are team indices (reassignments name groups).
    labels = (*statuses, *[""] * 96, *(t.as_py() for t in teams))
    tids = s.ids.take(pa.array(ticket))
    return pa.table(
        {
            "id": pc.binary_join_element_wise(tids, pa.array(seq).cast(pa.string()), "-E"),
            "ticket_id": tids,
            "seq": seq,
            "event_type": pick(tuple(b[3] for b in blocks), kind),
            "from_value": pick(labels, old),
            "to_value": pick(labels, new),
            "occurred_at": _ts(at),
            "actor": agents.take(pa.array(actor, mask=actor < 0)),
        }
    )


def _transcripts(
    rng: np.random.Generator, s: _State, description: pa.Array, customers: pa.Array, agents: pa.Array
) -> pa.Table:
    """The customer's first message, the agent's first reply, and sometimes a customer follow-up."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(s.created)
    replied = np.flatnonzero(s.responded)
    follow = replied[rng.random(len(replied)) < 0.3]
    rows = np.concatenate([np.arange(n), replied, follow])
    seq = np.concatenate([np.zeros(n, int), np.ones(len(replied), int), np.full(len(follow), 2)])
    at = np.concatenate(
        [
            s.created,
            (s.created + s.frt)[replied],
            (s.created + s.frt)[follow] + rng.integers(300, DAY, len(follow)),
        ]
    )
    is_agent = seq == 1
    follow_texts = pick(cat.CUSTOMER_FOLLOW_UPS, rng.integers(len(cat.CUSTOMER_FOLLOW_UPS), size=len(follow)))
    body = pa.chunked_array(
        [description, pick(cat.AGENT_REPLIES, s.reply[replied]), follow_texts]
    ).combine_chunks()
    tids = s.ids.take(pa.array(rows))
    agent = np.where(is_agent, s.agent[rows], -1)
    return pa.table(
        {
            "id": pc.binary_join_element_wise(tids, pa.array(seq).cast(pa.string()), "-M"),
            "conversation_id": tids,
            "ticket_id": tids,
            "customer_id": customers.take(pa.array(s.customer[rows])),
            "agent_id": agents.take(pa.array(agent, mask=agent < 0)),
            "channel": pick(cat.CHANNELS, s.channel[rows]),
            "author_role": pick(("customer", "agent"), is_agent.astype(int)),
            "body": body,
            "occurred_at": _ts(at),
            "seq": seq,
            "language": pick(("en",), np.zeros(len(rows), dtype=int)),
        }
    )
