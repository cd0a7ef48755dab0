"""One chunk of a synthetic desk: tickets with their events, transcripts and survey answers.

Everything is vectorised with numpy and assembled as Arrow tables; a chunk only needs the
dimension arrays, so any number of chunks can be generated one after the other in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.sample import catalog as cat
from insightdesk.sample.entities import Dimensions, pick
from insightdesk.sample.history import TicketState, events, transcripts, ts_array
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


def _flat(bank: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """All phrases of one bank of every theme, each theme's offset into the flat tuple, and its size."""
    import numpy as np

    phrases = tuple(p for t in cat.THEMES for p in getattr(t, bank))
    sizes = [len(getattr(t, bank)) for t in cat.THEMES]
    return phrases, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int), np.array(sizes)


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
            "created_at": ts_array(created),
            "first_response_at": ts_array(created + frt, responded),
            "resolved_at": ts_array(last_res, resolved),
            "closed_at": ts_array(closed_at, closed),
            "source_updated_at": ts_array(
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
    state = TicketState(
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
    out["ticket_events"] = events(state, teams_t, agents_t)
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
        out["interactions"] = transcripts(rng, state, description, cust_t, agents_t)
    from insightdesk.sample.surveys import surveys

    z = _experience(fx, last_res - created, reassign, reopens, res_breach, resp_breach, team, customer, ctx)
    out["feedback"] = surveys(rng, ctx, state, z, n_feedback, cust_t, agents_t)
    return out


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
