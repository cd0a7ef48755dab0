"""A small synthetic desk for the workforce and QA tests: nine weeks of phone and chat tickets with a
weekly pattern and a public holiday, three tiers of teams with escalations, agents of different
quality and CSAT answers about them. Built with a fixed seed, so figures are reproducible."""

from __future__ import annotations

import datetime as dt

import numpy as np

from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import open_store

WFM_DESK = "wfm_desk"
START = dt.datetime(2026, 1, 5)  # a Monday
DAYS = 63
HOLIDAY = dt.date(2026, 2, 16)  # a Monday the desk was closed
AGENTS = {"a1": "t1", "a2": "t1", "a3": "t1", "a4": "t1", "a5": "t2", "a6": "t2", "a7": "t3"}
AGENT_CSAT = {"a1": 4.6, "a2": 4.2, "a3": 3.0, "a4": 4.0, "a5": 4.4, "a6": 3.8, "a7": 4.1}
CATEGORIES = ("password", "billing", "network")


def load_wfm_desk(url: str) -> None:
    rng = np.random.default_rng(7)
    with open_store(url) as store:
        insert(store, "teams", [
            {"source_id": "t1", "name": "Service desk", "support_tier": "L1"},
            {"source_id": "t2", "name": "Second line", "support_tier": "L2"},
            {"source_id": "t3", "name": "Engineering", "support_tier": "L3"},
        ])  # fmt: skip
        insert(
            store,
            "agents",
            [{"source_id": a, "name": a.upper(), "team_id": ref(t)} for a, t in AGENTS.items()],
        )
        tickets, events, feedback = [], [], []
        first_line = [a for a, t in AGENTS.items() if t == "t1"]
        for day in range(DAYS):
            date = START + dt.timedelta(days=day)
            weekend = date.weekday() >= 5 or date.date() == HOLIDAY
            for channel, level in (("phone", 30), ("chat", 14)):
                count = int(rng.poisson(level * (0.15 if weekend else 1.0)))
                for _ in range(count):
                    n = len(tickets)
                    created = date + dt.timedelta(hours=float(rng.uniform(8, 18)))
                    agent = str(rng.choice(first_line))
                    category = CATEGORIES[n % 3]
                    escalate = category == "network" and rng.random() < 0.6
                    final_agent = "a5" if escalate else agent
                    resolved = created + dt.timedelta(hours=float(rng.gamma(2, 3 if escalate else 1)))
                    sid = f"w{n}"
                    tickets.append({
                        "source_id": sid, "type": "incident", "channel": channel, "category": category,
                        "status": "resolved", "team_id": ref(AGENTS[final_agent]), "agent_id": ref(final_agent),
                        "created_at": created, "resolved_at": resolved, "reopen_count": 0,
                        "reassignment_count": int(escalate),
                    })  # fmt: skip
                    if escalate:
                        events.append({
                            "source_id": f"{sid}-e", "ticket_id": ref(sid), "seq": 1, "event_type": "reassignment",
                            "from_value": "t1", "to_value": "t2", "occurred_at": created + dt.timedelta(hours=1),
                        })  # fmt: skip
                    if rng.random() < 0.5:
                        score = float(np.clip(np.round(rng.normal(AGENT_CSAT[final_agent], 0.8)), 1, 5))
                        feedback.append({
                            "source_id": f"{sid}-f", "scale": "csat", "score": score, "scale_min": 1,
                            "scale_max": 5, "ticket_id": ref(sid), "agent_id": ref(final_agent),
                            "answered_at": resolved + dt.timedelta(hours=2),
                        })  # fmt: skip
        insert(store, "tickets", tickets)
        insert(store, "ticket_events", events)
        insert(store, "feedback", feedback)
