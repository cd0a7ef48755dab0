"""Metrics engine benchmark: a generated desk in DuckDB, InsightDesk KPIs vs hand-written SQL.

    python benchmarks/metrics.py                          # 5M tickets, 10M feedback rows
    python benchmarks/metrics.py --tickets 200000 --feedback 400000 --db /tmp/small.duckdb

The desk is generated inside DuckDB by SQL (deterministic: every random draw is a hash of the
row number), straight into the canonical tables with lineage filled (`source_system = 'gen'`,
ids prefixed `gen:`). It bypasses ingestion and its validation on purpose: this measures the
metrics engine, not the loader.

Timings (median of --repeat runs after one warm-up, plus the cold first run):
- NPS by channel x month with intervals (target < 1 s);
- the overview: every KPI, last 12 months, by channel (target < 5 s);
- for each, a hand-written DuckDB SQL query of the same KPI (same semantics, fetched to pandas),
  and the ratio InsightDesk / hand-written (target <= 1.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

START = dt.datetime(2025, 1, 1)
END = dt.datetime(2026, 11, 1)  # data spans 22 months; "last 12 months" = 2025-11-01 .. 2026-11-01
SINCE = dt.datetime(2025, 11, 1)

# u(i, k): a uniform draw in [0, 1) for row i and stream k, identical on every run.
MACROS = """
CREATE OR REPLACE TEMP MACRO u(i, k) AS (hash(i * 7919 + k) % 1000003) / 1000003.0;
CREATE OR REPLACE TEMP MACRO pick(x, opts, cum) AS opts[coalesce(list_position(list_transform(cum, c -> x < c), true), len(opts))];
"""

LINEAGE = "'gen', {sid}, 'bench', md5({sid}), TIMESTAMP '2026-11-01', TIMESTAMP '2026-11-01'"


def lineage(sid: str) -> str:
    return LINEAGE.format(sid=sid)


def generate(con, tickets: int, feedback: int, customers: int) -> dict[str, float]:
    span = int((END - START).total_seconds())
    timings: dict[str, float] = {}

    def run(name: str, sql: str) -> None:
        t0 = time.perf_counter()
        con.execute(sql)
        timings[name] = time.perf_counter() - t0

    con.execute(MACROS)
    run(
        "teams",
        f"""INSERT INTO teams (id, name, support_tier, is_stub, source_system, source_id, batch_id, record_hash,
            first_seen_at, last_changed_at)
        SELECT 'gen:team' || i, 'Team ' || i, CASE WHEN i < 20 THEN 'L1' WHEN i < 27 THEN 'L2' ELSE 'L3' END,
            false, {lineage("'team' || i")} FROM range(30) r(i)""",
    )
    run(
        "agents",
        f"""INSERT INTO agents (id, name, team_id, support_tier, is_bot, active, is_stub, source_system, source_id,
            batch_id, record_hash, first_seen_at, last_changed_at)
        SELECT 'gen:agent' || i, 'Agent ' || i, 'gen:team' || (i % 30),
            CASE WHEN i % 30 < 20 THEN 'L1' WHEN i % 30 < 27 THEN 'L2' ELSE 'L3' END, false, true, false,
            {lineage("'agent' || i")} FROM range(600) r(i)""",
    )
    run(
        "customers",
        f"""INSERT INTO customers (id, tier, segment, region, language, is_stub, source_system, source_id, batch_id,
            record_hash, first_seen_at, last_changed_at)
        SELECT 'gen:c' || i,
            pick(u(i, 1), ['gold', 'silver', 'bronze', 'free'], [0.1, 0.35, 0.7, 1.0]),
            pick(u(i, 2), ['consumer', 'smb', 'enterprise'], [0.6, 0.9, 1.0]),
            pick(u(i, 3), ['emea', 'amer', 'apac'], [0.45, 0.8, 1.0]),
            pick(u(i, 4), ['en', 'de', 'fr', 'es'], [0.6, 0.75, 0.9, 1.0]),
            false, {lineage("'c' || i")} FROM range({customers}) r(i)""",
    )
    run(
        "tickets",
        f"""INSERT INTO tickets (id, type, channel, category, priority, status, team_id, agent_id, customer_id,
            language, region, created_at, first_response_at, resolved_at, closed_at, reopen_count,
            reassignment_count, sla_response_target_minutes, sla_resolution_target_minutes,
            sla_response_breached, sla_resolution_breached, source_system, source_id, batch_id, record_hash,
            first_seen_at, last_changed_at)
        WITH b AS (
            SELECT i,
                TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(CAST(floor(u(i, 10) * {span}) AS BIGINT)) AS created,
                pick(u(i, 11), ['email', 'phone', 'chat', 'web', 'self_service', 'bot'],
                     [0.35, 0.55, 0.75, 0.9, 0.95, 1.0]) AS channel,
                pick(u(i, 12), ['critical', 'high', 'medium', 'low'], [0.03, 0.2, 0.7, 1.0]) AS priority,
                pick(u(i, 13), ['resolved', 'closed', 'open', 'pending', 'cancelled'],
                     [0.45, 0.92, 0.955, 0.97, 1.0]) AS status,
                CAST(floor(u(i, 14) * 600) AS BIGINT) AS agent,
                CAST(floor(pow(u(i, 15), 1.3) * {customers}) AS BIGINT) AS customer,
                -- log-normal-ish waits: minutes to first response, hours to resolution
                CAST(exp(ln(30) + 1.2 * (u(i, 16) + u(i, 17) + u(i, 18) - 1.5) * 2) * 60 AS BIGINT) AS frt_s,
                CAST(exp(ln(20) + 1.0 * (u(i, 19) + u(i, 20) + u(i, 21) - 1.5) * 2) * 3600 AS BIGINT) AS ttr_s,
                u(i, 22) AS r_reopen, u(i, 23) AS r_reassign, u(i, 24) AS r_flag
            FROM range({tickets}) r(i)
        )
        SELECT 'gen:t' || i, 'incident', channel, 'cat' || (i % 20), priority, status,
            'gen:team' || (agent % 30), 'gen:agent' || agent, 'gen:c' || customer,
            CASE WHEN i % 7 = 0 THEN 'de' ELSE 'en' END, CASE WHEN i % 3 = 0 THEN 'emea' ELSE 'amer' END,
            created,
            CASE WHEN status <> 'cancelled' AND (status IN ('resolved', 'closed') OR r_flag < 0.5)
                 THEN created + to_seconds(frt_s) END,
            CASE WHEN status IN ('resolved', 'closed') THEN created + to_seconds(frt_s + ttr_s) END,
            CASE WHEN status = 'closed' THEN created + to_seconds(frt_s + ttr_s + 86400) END,
            CASE WHEN r_reopen < 0.06 THEN 1 ELSE 0 END,
            CASE WHEN r_reassign < 0.7 THEN 0 WHEN r_reassign < 0.9 THEN 1 ELSE 2 END,
            CASE priority WHEN 'critical' THEN 15 WHEN 'high' THEN 60 WHEN 'medium' THEN 240 ELSE 480 END,
            CASE priority WHEN 'critical' THEN 240 WHEN 'high' THEN 1440 WHEN 'medium' THEN 4320 ELSE 10080 END,
            CASE WHEN r_flag < 0.3 THEN frt_s > 3600 END,
            CASE WHEN r_flag < 0.3 AND status IN ('resolved', 'closed') THEN ttr_s > 86400 END,
            {lineage("'t' || i")}
        FROM b""",
    )
    run(
        "ticket_events",
        f"""INSERT INTO ticket_events (id, ticket_id, seq, event_type, from_value, to_value, occurred_at,
            source_system, source_id, batch_id, record_hash, first_seen_at, last_changed_at)
        WITH t AS (SELECT id, created_at, first_response_at, resolved_at, reassignment_count, team_id,
                          row_number() OVER () AS i FROM tickets WHERE source_system = 'gen')
        SELECT t.id || ':' || e.seq, t.id, e.seq, e.kind, e.frm, e.too, e.at, {lineage("t.id || ':' || e.seq")}
        FROM t, LATERAL (
            SELECT 0 AS seq, 'created' AS kind, NULL AS frm, NULL AS too, t.created_at AS at
            UNION ALL SELECT 1, 'status_change', 'new', 'open', t.first_response_at WHERE t.first_response_at IS NOT NULL
            UNION ALL SELECT 2, 'reassignment', t.team_id,
                'gen:team' || (20 + (t.i % 10)), t.created_at + INTERVAL 10 MINUTE WHERE t.reassignment_count > 0
            UNION ALL SELECT 3, 'resolved', 'open', 'resolved', t.resolved_at WHERE t.resolved_at IS NOT NULL
        ) e""",
    )
    conversations = tickets // 3
    run(
        "interactions",
        f"""INSERT INTO interactions (id, conversation_id, ticket_id, customer_id, agent_id, channel, author_role,
            occurred_at, seq, source_system, source_id, batch_id, record_hash, first_seen_at, last_changed_at)
        WITH c AS (
            SELECT i, 'gen:t' || (i * 3) AS ticket, 'gen:c' || CAST(floor(u(i, 30) * {customers}) AS BIGINT) AS cust,
                TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(CAST(floor(u(i, 31) * {span}) AS BIGINT)) AS at,
                pick(u(i, 32), ['chat', 'bot', 'self_service', 'email'], [0.4, 0.65, 0.85, 1.0]) AS first_channel,
                u(i, 33) AS r
            FROM range({conversations}) r(i)
        )
        SELECT 'gen:m' || c.i || ':' || m.seq, 'gen:cv' || c.i,
            CASE WHEN c.first_channel = 'self_service' THEN NULL ELSE c.ticket END, c.cust,
            CASE WHEN m.role = 'agent' THEN 'gen:agent' || (c.i % 600) END, m.channel, m.role,
            c.at + to_seconds(m.seq * 300), m.seq, {lineage("'m' || c.i || ':' || m.seq")}
        FROM c, LATERAL (
            SELECT 0 AS seq, 'customer' AS role, c.first_channel AS channel
            UNION ALL SELECT 1, CASE WHEN c.first_channel IN ('bot', 'self_service') THEN 'bot' ELSE 'agent' END,
                c.first_channel
            UNION ALL SELECT 2, 'agent', CASE WHEN c.r < 0.2 THEN 'phone' ELSE 'chat' END
                WHERE c.r < 0.5 AND c.first_channel <> 'self_service'
        ) m""",
    )
    run(
        "feedback",
        f"""INSERT INTO feedback (id, survey_id, question_id, scale, score, scale_min, scale_max, ticket_id,
            customer_id, agent_id, channel, language, sent_at, answered_at, source_system, source_id, batch_id,
            record_hash, first_seen_at, last_changed_at)
        WITH f AS (
            SELECT i, i % {tickets} AS t, pick(u(i, 40), ['csat', 'nps', 'ces'], [0.4, 0.8, 1.0]) AS scale,
                u(i, 41) AS r, u(i, 42) AS answered
            FROM range({feedback}) r(i)
        )
        SELECT 'gen:f' || f.i, 'survey-' || f.scale, f.scale, f.scale,
            CASE WHEN f.answered < 0.8 THEN CASE f.scale
                WHEN 'csat' THEN 1 + floor(pow(f.r, 0.5) * 5)
                WHEN 'nps' THEN floor(pow(f.r, 0.6) * 11)
                ELSE 1 + floor(pow(f.r, 0.7) * 7) END END,
            CASE f.scale WHEN 'nps' THEN 0 ELSE 1 END,
            CASE f.scale WHEN 'csat' THEN 5 WHEN 'nps' THEN 10 ELSE 7 END,
            t.id, t.customer_id, t.agent_id,
            CASE WHEN f.i % 10 = 0 THEN NULL ELSE t.channel END, t.language,
            t.created_at + INTERVAL 1 DAY,
            CASE WHEN f.answered < 0.8 THEN t.created_at + INTERVAL 2 DAY END,
            {lineage("'f' || f.i")}
        FROM f JOIN tickets t ON t.id = 'gen:t' || f.t""",
    )
    con.execute("CHECKPOINT")
    return timings


# ---- hand-written DuckDB SQL, one per KPI, same semantics as the definitions -----------------------
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


def _frt(stat: str, business: bool) -> str:
    where = CREATED + " AND t.first_response_at IS NOT NULL AND t.first_response_at >= t.created_at"
    if business:
        joins, x = _bh("created_at", "first_response_at")
        where = where.replace("FROM tickets t", f"FROM tickets t {joins}")
    else:
        x = f"({SECS.format(c='t.first_response_at')} - {SECS.format(c='t.created_at')}) / 3600.0"
    return _stat(stat, f"SELECT t.channel, {x} AS x {where}")


def _ttr(stat: str, business: bool) -> str:
    where = RESOLVED + " AND t.resolved_at >= t.created_at"
    if business:
        joins, x = _bh("created_at", "resolved_at")
        where = where.replace("FROM tickets t", f"FROM tickets t {joins}")
    else:
        x = f"({SECS.format(c='t.resolved_at')} - {SECS.format(c='t.created_at')}) / 3600.0"
    return _stat(stat, f"SELECT t.channel, {x} AS x {where}")


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


def progress(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(cold first run, median of `repeat` warm runs, last result)."""
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return cold, statistics.median(runs), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--feedback", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=None, help="default: tickets / 5")
    parser.add_argument("--db", default="benchmarks/.metrics-bench.duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", default=None, help="write results as JSON here")
    parser.add_argument(
        "--generate-only", action="store_true", help="build the store and stop (time it later with --reuse)"
    )
    parser.add_argument(
        "--rollups",
        action="store_true",
        help="also time the same requests answered from daily roll-ups (built first unless current)",
    )
    parser.add_argument("--skip-live", action="store_true", help="time the roll-up path only")
    args = parser.parse_args(argv)

    import numpy as np  # noqa: F401 - warm the import outside the timings

    from insightdesk.metrics import compute, list_kpis, overview
    from insightdesk.metrics.calendar import BusinessCalendar, calendar_table
    from insightdesk.store import open_store

    path = Path(args.db)
    fresh = not (args.reuse and path.exists())
    if fresh and path.exists():
        path.unlink()
    results: dict[str, object] = {
        "tickets": args.tickets,
        "feedback": args.feedback,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    with open_store(path) as store:
        con = store.duckdb
        if fresh:
            progress(f"generating {args.tickets:,} tickets and {args.feedback:,} feedback rows")
            t0 = time.perf_counter()
            results["generate_s"] = generate(
                con, args.tickets, args.feedback, args.customers or args.tickets // 5
            )
            results["generate_total_s"] = time.perf_counter() - t0
        results["rows"] = {
            t: store.count(t) for t in ("tickets", "feedback", "ticket_events", "interactions")
        }
        if args.generate_only:
            sys.stdout.write(json.dumps(results, indent=2, default=float) + "\n")
            return 0
        con.register("bench_calendar_df", calendar_table(BusinessCalendar()))
        con.execute("CREATE OR REPLACE TEMP TABLE bench_calendar AS SELECT * FROM bench_calendar_df")
        duckdb_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        results["duckdb_threads"] = duckdb_threads

        names = [k.name for k in list_kpis()]
        if args.rollups:
            results["rollups"] = time_rollups(store, names, args.repeat)
        if args.skip_live:
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=2, default=float))
            sys.stdout.write(json.dumps(results, indent=2, default=float) + "\n")
            sys.stdout.write(report_rollups(results["rollups"]))
            return 0
        progress("NPS by channel x month")
        nps = timed(
            lambda: compute("nps", store=store, by=["channel"], grain="month", rollups=False), args.repeat
        )
        nps_hand = timed(lambda: hand(con, NPS_BY_MONTH, START, END), args.repeat)
        results["nps_channel_month"] = {
            "cold_s": nps[0],
            "warm_s": nps[1],
            "hand_s": nps_hand[1],
            "ratio": nps[1] / nps_hand[1],
            "cells": len(nps[2]),
        }
        progress("overview")
        ov = timed(
            lambda: overview(store, by=["channel"], since=SINCE, until=END, rollups=False), args.repeat
        )
        per_kpi = {}
        for name in names:
            progress(f"per KPI: {name}")
            mine = timed(
                lambda name=name: compute(
                    name, store=store, by=["channel"], since=SINCE, until=END, rollups=False
                ),
                1,
            )
            theirs = timed(lambda name=name: hand(con, HAND_SQL[name], SINCE, END), 1)
            per_kpi[name] = {
                "warm_s": mine[1],
                "hand_s": theirs[1],
                "ratio": mine[1] / theirs[1],
                "same_values": agree(mine[2], theirs[2]),
            }
        hand_total = sum(v["hand_s"] for v in per_kpi.values())
        results["overview_by_channel_12m"] = {
            "cold_s": ov[0],
            "warm_s": ov[1],
            "hand_total_s": hand_total,
            "ratio": ov[1] / hand_total,
            "kpis": len(names),
            "rows": len(ov[2]),
        }
        results["per_kpi"] = per_kpi
    text = json.dumps(results, indent=2, default=float)
    if args.json:
        Path(args.json).write_text(text)
    sys.stdout.write(text + "\n")
    sys.stdout.write(report(results))
    if "rollups" in results:
        sys.stdout.write(report_rollups(results["rollups"]))
    return 0


def time_rollups(store, names: list[str], repeat: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Build the roll-ups (unless current), time the two headline requests from them, and check
    every value against the live engine (medians within their 1% bins)."""
    from insightdesk.metrics import compute, overview
    from insightdesk.metrics.rollup import build_rollups, rollup_status, rollups_current

    out: dict[str, object] = {}
    if rollups_current(store):
        progress("roll-ups current: reusing them")
        built = store.query_df("SELECT sum(seconds) AS s FROM kpi_rollup_builds")["s"].iloc[0]
        out["build_s"], out["build_reused"] = float(built), True
    else:
        progress("building roll-ups")
        t0 = time.perf_counter()
        build_rollups(store, on_kpi=lambda r: progress(f"  {r.kpi}: {r.rows:,} rows, {r.seconds:.1f} s"))
        out["build_s"], out["build_reused"] = time.perf_counter() - t0, False
    out["rows"] = int(store.scalar("SELECT count(*) FROM kpi_rollups"))
    out["live_kpis"] = [s["kpi"] for s in rollup_status(store) if s["state"].startswith("live")]
    progress("NPS by channel x month from roll-ups")
    nps = timed(lambda: compute("nps", store=store, by=["channel"], grain="month"), repeat)
    assert nps[2].attrs["source"] == "rollup"
    progress("overview from roll-ups")
    ov = timed(lambda: overview(store, by=["channel"], since=SINCE, until=END), repeat)
    progress("overview live, to check the values")
    live = overview(store, by=["channel"], since=SINCE, until=END, rollups=False)
    out["nps_channel_month"] = {"cold_s": nps[0], "warm_s": nps[1], "cells": len(nps[2])}
    out["overview_by_channel_12m"] = {"cold_s": ov[0], "warm_s": ov[1], "rows": len(ov[2])}
    out["max_relative_difference"] = max_relative_difference(live, ov[2])
    return out


def max_relative_difference(live, rolled) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Per kind of KPI, the largest |rolled - live| / |live| over values and interval bounds."""
    from insightdesk.metrics import get_kpi

    keys = ["kpi", "channel", "category"]
    merged = live.merge(rolled, on=keys, suffixes=("_live", "_rolled"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "the roll-ups and the live engine returned other cells"
    out: dict[str, float] = {}
    for kpi, part in merged.groupby("kpi"):
        kind = get_kpi(kpi).kind
        worst = 0.0
        for col in ("value", "ci_low", "ci_high"):
            a, b = part[f"{col}_live"].astype(float), part[f"{col}_rolled"].astype(float)
            both = a.notna() & b.notna() & (a != 0)
            if both.any():
                worst = max(worst, float(((a - b).abs() / a.abs())[both].max()))
        out[kind] = max(out.get(kind, 0.0), worst)
    return out


def report_rollups(r: dict) -> str:  # type: ignore[type-arg]
    nps, ov = r["nps_channel_month"], r["overview_by_channel_12m"]
    reused = " (reused; time of the earlier build)" if r["build_reused"] else ""
    lines = [
        "",
        f"Roll-ups: built in {r['build_s']:.0f} s{reused}, {r['rows']:,} rows; live by design: "
        + ", ".join(r["live_kpis"]),
        "",
        "| measurement, from roll-ups | warm | cold (first run) | target |",
        "|---|---|---|---|",
        f"| NPS by channel x month, with intervals | {nps['warm_s']:.3f} s | {nps['cold_s']:.3f} s | < 1 s |",
        f"| overview: every KPI, 12 months, by channel | {ov['warm_s']:.3f} s | {ov['cold_s']:.3f} s | < 5 s |",
        "",
        "Largest relative difference to the live engine, per kind of KPI: "
        + ", ".join(f"{k} {v:.1e}" for k, v in sorted(r["max_relative_difference"].items())),
    ]
    return "\n".join(lines) + "\n"


def report(r: dict) -> str:  # type: ignore[type-arg]
    nps, ov = r["nps_channel_month"], r["overview_by_channel_12m"]
    lines = [
        "",
        "| measurement | InsightDesk warm | cold (first run) | hand-written SQL | ratio | target |",
        "|---|---|---|---|---|---|",
        f"| NPS by channel x month, with intervals | {nps['warm_s']:.3f} s | {nps['cold_s']:.3f} s | {nps['hand_s']:.3f} s | {nps['ratio']:.2f} | < 1 s, <= 1.5 |",
        f"| overview: {ov['kpis']} KPIs, 12 months, by channel | {ov['warm_s']:.3f} s | {ov['cold_s']:.3f} s | {ov['hand_total_s']:.3f} s | {ov['ratio']:.2f} | < 5 s, <= 1.5 |",
        "",
        "| KPI | InsightDesk | hand SQL | ratio | same values |",
        "|---|---|---|---|---|",
    ]
    for name, v in r["per_kpi"].items():
        same = "yes" if v.get("same_values") else "NO"
        lines.append(f"| `{name}` | {v['warm_s']:.3f} s | {v['hand_s']:.3f} s | {v['ratio']:.2f} | {same} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
