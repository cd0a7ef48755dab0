"""Hand-written DuckDB SQL for every KPI, written separately from the metric definitions, so the
metrics benchmark (and tests/metrics/test_metrics_sample.py) can check and time InsightDesk against it."""

from __future__ import annotations

import datetime as dt

# {s} / {u}: since / until literals. Channel = the dimension's definition (feedback and conversations:
# their own channel, else the ticket's).

FB = """FROM feedback f LEFT JOIN tickets t ON t.id = f.ticket_id
WHERE f.scale = '{scale}' AND f.score IS NOT NULL AND f.answered_at IS NOT NULL
  AND f.answered_at >= {s} AND f.answered_at < {u}"""
CH_FB = "coalesce(f.channel, t.channel)"
LIVE = "FROM tickets t WHERE t.status <> 'cancelled'"
RESOLVED = LIVE + " AND t.resolved_at IS NOT NULL AND t.resolved_at >= {s} AND t.resolved_at < {u}"
CREATED = LIVE + " AND t.created_at >= {s} AND t.created_at < {u}"
EV = """LEFT JOIN (SELECT ticket_id, count(*) FILTER (WHERE event_type = 'reassignment') AS reassign,
                   count(*) FILTER (WHERE event_type = 'reopened') AS reopened
            FROM ticket_events GROUP BY ticket_id) ev ON ev.ticket_id = t.id"""
MEDIAN = """SELECT channel, len(xs) AS n, (xs[(len(xs) + 1) // 2] + xs[(len(xs) + 2) // 2]) / 2 AS median, xs
FROM (SELECT channel, list_sort(list(x)) AS xs FROM ({inner}) GROUP BY channel)"""
SECS = "epoch(date_trunc('second', {c}))"
BCLOCK = """(c{k}.cum + greatest(least({sec} - c{k}.day_epoch - c{k}.s1, c{k}.e1 - c{k}.s1), 0)
  + greatest(least({sec} - c{k}.day_epoch - c{k}.s2, c{k}.e2 - c{k}.s2), 0))"""


def _bh(a: str, b: str) -> tuple[str, str]:
    joins = f"JOIN bench_calendar c1 ON c1.day = CAST(t.{a} AS DATE) JOIN bench_calendar c2 ON c2.day = CAST(t.{b} AS DATE)"
    expr = f"({BCLOCK.format(k=2, sec=SECS.format(c='t.' + b))} - {BCLOCK.format(k=1, sec=SECS.format(c='t.' + a))}) / 3600.0"
    return joins, expr


def _hours(stat: str, business: bool, start: str, end: str, where: str) -> str:
    """`stat` of the hours from `start` to `end` per channel (business hours or the clock)."""
    if business:
        joins, x = _bh(start, end)
        where = where.replace("FROM tickets t", f"FROM tickets t {joins}")
    else:
        x = f"({SECS.format(c='t.' + end)} - {SECS.format(c='t.' + start)}) / 3600.0"
    return _stat(stat, f"SELECT t.channel, {x} AS x {where}")


def _frt(stat: str, business: bool) -> str:
    where = CREATED + " AND t.first_response_at IS NOT NULL AND t.first_response_at >= t.created_at"
    return _hours(stat, business, "created_at", "first_response_at", where)


def _ttr(stat: str, business: bool) -> str:
    return _hours(
        stat, business, "created_at", "resolved_at", RESOLVED + " AND t.resolved_at >= t.created_at"
    )


def _stat(stat: str, inner: str) -> str:
    if stat == "median":
        return MEDIAN.format(inner=inner)
    return (
        f"SELECT channel, count(x) AS n, avg(x) AS mean, stddev_samp(x) AS sd FROM ({inner}) GROUP BY channel"
    )


def _sla(target: str, done: str, flag: str) -> str:
    return f"""SELECT t.channel, t.id, coalesce(t.{flag}, CASE
        WHEN t.{done} IS NOT NULL THEN {SECS.format(c="t." + done)} - {SECS.format(c="t.created_at")} > t.{target} * 60
        WHEN {SECS.format(c="{u}")} - {SECS.format(c="t.created_at")} > t.{target} * 60 THEN true END) AS breached
    {CREATED} AND t.{target} IS NOT NULL"""


CONV = """WITH conv AS (
  SELECT i.conversation_id, min(i.occurred_at) AS ts, max(i.ticket_id) AS ticket_id, max(i.customer_id) AS customer_id,
    count(DISTINCT i.channel) AS channels, max(CASE WHEN i.author_role = 'bot' OR i.channel = 'bot' THEN 1 ELSE 0 END) AS has_bot,
    max(CASE WHEN i.author_role = 'agent' THEN 1 ELSE 0 END) AS has_agent,
    arg_min(i.channel, (i.occurred_at, i.seq, i.id)) AS first_channel
  FROM interactions i GROUP BY i.conversation_id),
c AS (SELECT conv.*, coalesce(conv.first_channel, t.channel) AS channel FROM conv LEFT JOIN tickets t ON t.id = conv.ticket_id
      WHERE conv.ts >= {s} AND conv.ts < {u})"""

OPEN_AT = """FROM tickets t WHERE t.status <> 'cancelled' AND t.created_at < {u}
  AND NOT (t.status IN ('resolved', 'closed') AND coalesce(t.resolved_at, t.closed_at, t.created_at) < {u})"""

TIERS = """WITH lookup AS (
  SELECT key, max(rank) AS rank FROM (
    SELECT id AS key, CASE support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END AS rank FROM teams
    UNION ALL SELECT name, CASE support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END FROM teams WHERE name IS NOT NULL
    UNION ALL SELECT id, CASE support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END FROM agents
    UNION ALL SELECT source_id, CASE support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END FROM teams
    UNION ALL SELECT source_id, CASE support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END FROM agents)
  WHERE rank IS NOT NULL GROUP BY key),
esc AS (
  SELECT e.ticket_id, max(CASE WHEN lt.rank > lf.rank THEN 1 ELSE 0 END) AS up,
         max(greatest(coalesce(lf.rank, 0), coalesce(lt.rank, 0))) AS top
  FROM ticket_events e LEFT JOIN lookup lf ON lf.key = e.from_value LEFT JOIN lookup lt ON lt.key = e.to_value
  WHERE e.event_type = 'reassignment' GROUP BY e.ticket_id),
r AS (
  SELECT t.channel, coalesce(esc.up, 0) AS escalated,
    nullif(greatest(coalesce(esc.top, 0), coalesce(CASE tm.support_tier WHEN 'L1' THEN 1 WHEN 'L2' THEN 2 WHEN 'L3' THEN 3 END, 0)), 0) AS top
  FROM tickets t LEFT JOIN esc ON esc.ticket_id = t.id LEFT JOIN teams tm ON tm.id = t.team_id
  WHERE t.status <> 'cancelled' AND t.resolved_at IS NOT NULL AND t.resolved_at >= {s} AND t.resolved_at < {u})"""


def epoch_s(ts: str) -> str:
    """Whole epoch seconds, as the metrics engine compares times (`metrics.tables.seconds`)."""
    return f"epoch(date_trunc('second', {ts}))"


# Live tickets with a customer and a category, and their person: identity resolution's
# (identity_links), else the customer account. Written independently of metrics/persons.py.
PERSON_TICKETS = """(SELECT t.*, coalesce(l.person_id, t.customer_id) AS person
    FROM tickets t LEFT JOIN identity_links l ON l.record_id = t.customer_id
    WHERE t.status <> 'cancelled' AND t.customer_id IS NOT NULL AND t.category IS NOT NULL) pt"""

HAND_SQL: dict[str, str] = {
    "csat": f"""SELECT {CH_FB} AS channel, count(*) AS n,
        sum(CASE WHEN (f.scale_max = 5 AND f.score IN (4, 5)) OR (f.scale_max = 7 AND f.score IN (6, 7))
            OR (f.scale_max = 10 AND f.score IN (9, 10)) OR (f.scale_max NOT IN (5, 7, 10) AND f.score >= f.scale_max - 1)
            THEN 1 ELSE 0 END) AS k {FB.replace("{scale}", "csat")} GROUP BY 1""",
    "nps": f"""SELECT {CH_FB} AS channel, count(*) AS n, sum(CASE WHEN f.score >= 9 THEN 1 ELSE 0 END) AS promoters,
        sum(CASE WHEN f.score <= 6 THEN 1 ELSE 0 END) AS detractors
        {FB.replace("{scale}", "nps")} AND f.scale_min = 0 AND f.scale_max = 10 GROUP BY 1""",
    "ces_mean": f"""SELECT {CH_FB} AS channel, count(*) AS n, avg(1 + (f.score - f.scale_min) * 6.0 / (f.scale_max - f.scale_min)) AS mean,
        stddev_samp(1 + (f.score - f.scale_min) * 6.0 / (f.scale_max - f.scale_min)) AS sd
        {FB.replace("{scale}", "ces")} AND f.scale_max > f.scale_min GROUP BY 1""",
    "ces_easy": f"""SELECT {CH_FB} AS channel, count(*) AS n,
        sum(CASE WHEN 1 + (f.score - f.scale_min) * 6.0 / (f.scale_max - f.scale_min) >= 5 THEN 1 ELSE 0 END) AS k
        {FB.replace("{scale}", "ces")} AND f.scale_max > f.scale_min GROUP BY 1""",
    "survey_response_rate": """SELECT coalesce(i.channel, t.channel) AS channel, count(*) AS n, sum(i.hit) AS k FROM (
        SELECT coalesce(survey_id, '') AS s, ticket_id, customer_id, sent_at, max(channel) AS channel,
            max(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS hit
        FROM feedback WHERE sent_at IS NOT NULL GROUP BY 1, 2, 3, 4) i LEFT JOIN tickets t ON t.id = i.ticket_id
        WHERE i.sent_at >= {s} AND i.sent_at < {u} GROUP BY 1""",
    "fcr": f"""SELECT t.channel, count(*) AS n, sum(CASE WHEN coalesce(t.reopen_count, ev.reopened, 0) = 0
            AND coalesce(t.reassignment_count, ev.reassign, 0) = 0 AND coalesce(rp.n, 0) <= 1 THEN 1 ELSE 0 END) AS k
        FROM tickets t {EV}
        LEFT JOIN (SELECT ticket_id, count(*) AS n FROM interactions WHERE author_role = 'agent' AND ticket_id IS NOT NULL
                   GROUP BY ticket_id) rp ON rp.ticket_id = t.id
        {RESOLVED.replace("FROM tickets t ", "")} GROUP BY 1""",
    "repeat_contact_rate": f"""SELECT channel, count(*) AS n, sum(CASE WHEN prev IS NOT NULL
            AND {epoch_s("created_at")} - {epoch_s("prev")} <= 7 * 86400 THEN 1 ELSE 0 END) AS k
        FROM (SELECT channel, created_at, lag(created_at) OVER (PARTITION BY person, category ORDER BY created_at, id) AS prev
              FROM {PERSON_TICKETS})
        WHERE created_at >= {{s}} AND created_at < {{u}} GROUP BY 1""",
    "fcr_person": f"""SELECT channel, count(*) AS n, sum(CASE WHEN nxt IS NOT NULL
            AND {epoch_s("nxt")} - {epoch_s("resolved_at")} <= 7 * 86400 THEN 0 ELSE 1 END) AS k
        FROM (SELECT channel, resolved_at, lead(created_at) OVER (PARTITION BY person, category ORDER BY created_at, id) AS nxt
              FROM {PERSON_TICKETS})
        WHERE resolved_at IS NOT NULL
          AND (SELECT {epoch_s("max(created_at)")} FROM tickets) - {epoch_s("resolved_at")} >= 7 * 86400
          AND resolved_at >= {{s}} AND resolved_at < {{u}} GROUP BY 1""",
    "issue_channel_switch_rate": f"""WITH p AS (SELECT *, lag(created_at) OVER (PARTITION BY person, category ORDER BY created_at, id) AS prev
            FROM {PERSON_TICKETS}),
        s AS (SELECT *, CASE WHEN prev IS NULL OR {epoch_s("created_at")} - {epoch_s("prev")} > 7 * 86400 THEN 1 ELSE 0 END AS starts
            FROM p),
        n AS (SELECT *, sum(starts) OVER (PARTITION BY person, category ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS issue
            FROM s),
        i AS (SELECT person, category, issue, count(DISTINCT channel) AS channels FROM n GROUP BY 1, 2, 3)
        SELECT n.channel, count(*) AS n, sum(CASE WHEN i.channels > 1 THEN 1 ELSE 0 END) AS k
        FROM n JOIN i USING (person, category, issue)
        WHERE n.starts = 1 AND n.created_at >= {{s}} AND n.created_at < {{u}} GROUP BY 1""",
    "reopen_rate": f"""SELECT t.channel, count(*) AS n, sum(CASE WHEN coalesce(t.reopen_count, ev.reopened, 0) > 0 THEN 1 ELSE 0 END) AS k
        FROM tickets t {EV} {RESOLVED.replace("FROM tickets t ", "")} GROUP BY 1""",
    "escalation_rate": TIERS + " SELECT channel, count(*) AS n, sum(escalated) AS k FROM r GROUP BY 1",
    "tier_distribution": TIERS
    + """ SELECT channel, CASE top WHEN 1 THEN 'L1' WHEN 2 THEN 'L2' WHEN 3 THEN 'L3' ELSE 'unknown' END AS category,
        count(*) AS n FROM r GROUP BY 1, 2""",
    "handoffs_per_ticket": f"""SELECT t.channel, count(*) AS n, avg(coalesce(t.reassignment_count, ev.reassign, 0)) AS mean,
        stddev_samp(coalesce(t.reassignment_count, ev.reassign, 0)) AS sd FROM tickets t {EV}
        {RESOLVED.replace("FROM tickets t ", "")} GROUP BY 1""",
    "frt_median": _frt("median", False),
    "frt_mean": _frt("mean", False),
    "frt_business_median": _frt("median", True),
    "frt_business_mean": _frt("mean", True),
    "ttr_median": _ttr("median", False),
    "ttr_mean": _ttr("mean", False),
    "ttr_business_median": _ttr("median", True),
    "ttr_business_mean": _ttr("mean", True),
    "sla_response_attainment": "SELECT channel, count(*) AS n, sum(CASE WHEN NOT breached THEN 1 ELSE 0 END) AS k FROM ("
    + _sla("sla_response_target_minutes", "first_response_at", "sla_response_breached")
    + ") WHERE breached IS NOT NULL GROUP BY 1",
    "sla_resolution_attainment": "SELECT channel, count(*) AS n, sum(CASE WHEN NOT breached THEN 1 ELSE 0 END) AS k FROM ("
    + _sla("sla_resolution_target_minutes", "resolved_at", "sla_resolution_breached")
    + ") WHERE breached IS NOT NULL GROUP BY 1",
    "sla_breaches": "SELECT channel, count(DISTINCT id) AS n FROM ("
    + _sla("sla_response_target_minutes", "first_response_at", "sla_response_breached")
    + " UNION ALL "
    + _sla("sla_resolution_target_minutes", "resolved_at", "sla_resolution_breached")
    + ") WHERE breached GROUP BY 1",
    "backlog": "SELECT t.channel, count(*) AS n " + OPEN_AT + " GROUP BY 1",
    "backlog_age_median": MEDIAN.format(
        inner=f"SELECT t.channel, ({SECS.format(c='{u}')} - {SECS.format(c='t.created_at')}) / 86400.0 AS x {OPEN_AT}"
    ),
    "backlog_aged_share": f"""SELECT t.channel, count(*) AS n,
        sum(CASE WHEN ({SECS.format(c="{u}")} - {SECS.format(c="t.created_at")}) / 86400.0 > 7 THEN 1 ELSE 0 END) AS k
        {OPEN_AT} GROUP BY 1""",
    "self_service_deflection": CONV
    + """, s AS (SELECT * FROM c WHERE first_channel = 'self_service'),
        f AS (SELECT s.conversation_id, count(*) AS followed FROM s JOIN tickets t ON t.customer_id = s.customer_id
              WHERE t.status <> 'cancelled' AND (t.channel IS NULL OR t.channel NOT IN ('self_service', 'bot'))
              AND epoch(date_trunc('second', t.created_at)) - epoch(date_trunc('second', s.ts)) BETWEEN 0 AND 7 * 86400
              GROUP BY 1)
        SELECT s.channel, count(*) AS n, sum(CASE WHEN s.has_agent = 0 AND f.followed IS NULL THEN 1 ELSE 0 END) AS k
        FROM s LEFT JOIN f USING (conversation_id) GROUP BY 1""",
    "bot_containment": CONV
    + " SELECT channel, count(*) AS n, sum(1 - has_agent) AS k FROM c WHERE has_bot = 1 GROUP BY 1",
    "channel_mix": "SELECT t.channel, coalesce(t.channel, 'unknown') AS category, count(*) AS n "
    + CREATED
    + " GROUP BY 1, 2",
    "channel_switch_rate": CONV
    + " SELECT channel, count(*) AS n, sum(CASE WHEN channels > 1 THEN 1 ELSE 0 END) AS k FROM c WHERE channels >= 1 GROUP BY 1",
    "ticket_volume": "SELECT t.channel, count(*) AS n " + CREATED + " GROUP BY 1",
    "handled_volume": "SELECT t.channel, count(*) AS n " + RESOLVED + " GROUP BY 1",
    "handle_time": f"""WITH e AS (
          SELECT ticket_id, CASE event_type WHEN 'created' THEN 'new' WHEN 'resolved' THEN 'resolved' WHEN 'closed' THEN 'closed'
                 WHEN 'reopened' THEN 'open' ELSE to_value END AS status, occurred_at,
                 lead(occurred_at) OVER (PARTITION BY ticket_id ORDER BY seq, occurred_at) AS nxt
          FROM ticket_events WHERE event_type IN ('created', 'status_change', 'resolved', 'closed', 'reopened')),
        w AS (SELECT ticket_id, sum(CASE WHEN status IN ('new', 'open') AND nxt IS NOT NULL
                  THEN epoch(date_trunc('second', nxt)) - epoch(date_trunc('second', occurred_at)) ELSE 0 END) AS secs
              FROM e GROUP BY 1)
        SELECT t.channel, count(*) AS n, avg(w.secs / 3600.0) AS mean, stddev_samp(w.secs / 3600.0) AS sd
        FROM tickets t JOIN w ON w.ticket_id = t.id {RESOLVED.replace("FROM tickets t ", "")} GROUP BY 1""",
}

NPS_BY_MONTH = (
    "SELECT coalesce(f.channel, t.channel) AS channel, date_trunc('month', f.answered_at) AS period, count(*) AS n, "
    "sum(CASE WHEN f.score >= 9 THEN 1 ELSE 0 END) AS promoters, sum(CASE WHEN f.score <= 6 THEN 1 ELSE 0 END) AS detractors "
    "FROM feedback f LEFT JOIN tickets t ON t.id = f.ticket_id "
    "WHERE f.scale = 'nps' AND f.score IS NOT NULL AND f.answered_at IS NOT NULL AND f.scale_min = 0 AND f.scale_max = 10 "
    "GROUP BY 1, 2"
)


def hand(con, sql: str, since: dt.datetime, until: dt.datetime):
    lit = "TIMESTAMP '{:%Y-%m-%d %H:%M:%S}'"
    return con.execute(sql.replace("{s}", lit.format(since)).replace("{u}", lit.format(until))).df()


def agree(mine, theirs) -> bool:
    """The hand-written query gives the same per-channel values (so the timings compare like with like)."""
    import numpy as np
    import pandas as pd

    theirs = theirs.copy()
    if "category" in theirs:
        left = mine.set_index(["channel", "category"])["numerator"]
        right = theirs.set_index(["channel", "category"])["n"]
    else:
        if "k" in theirs:
            theirs["v"] = theirs["k"].astype(float) / theirs["n"]
        elif "promoters" in theirs:
            theirs["v"] = 100 * (theirs["promoters"] - theirs["detractors"]).astype(float) / theirs["n"]
        elif "mean" in theirs:
            theirs["v"] = theirs["mean"]
        elif "median" in theirs:
            theirs["v"] = theirs["median"]
        else:
            theirs["v"] = theirs["n"]
        left = mine.set_index("channel")["value"]
        right = theirs.set_index("channel")["v"]
    joined = pd.concat([left.rename("a"), right.rename("b")], axis=1)
    return bool(np.allclose(joined["a"].astype(float), joined["b"].astype(float), rtol=1e-9, equal_nan=True))
