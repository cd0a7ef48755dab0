"""The metrics benchmark's desk: generated inside DuckDB by SQL, deterministically (every random draw
is a hash of the row number), straight into the canonical tables with lineage filled. Used by
benchmarks/metrics.py and, through it, by the pain-point and alert benchmarks."""

from __future__ import annotations

import datetime as dt
import time

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
