"""The QA reads the CLI and the API call: each keeps to the caller's scope and leaves an audit entry
naming the agents (or plans) whose records it showed. Writes live in `reviews`, `rounds`, `plans`
and `rubrics`; this module is where reads of people's performance go through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.governance import Principal, Scope
from insightdesk.quality import plans, reviews
from insightdesk.quality.access import audit_read, visible_agents
from insightdesk.quality.sampling import weighted_mean
from insightdesk.quality.scorecards import scorecards
from insightdesk.quality.segments import SEGMENTS, domain_scores, evaluation_design
from insightdesk.quality.skills import skill_gaps

if TYPE_CHECKING:
    from insightdesk.store import Store


def _in_scope(store: Store, principal: Principal, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    if principal.scope is Scope.ALL or frame.empty:
        return frame
    allowed = visible_agents(store, principal, [str(a) for a in frame[column].dropna().unique()])
    return frame[frame[column].isin(allowed)].reset_index(drop=True)


def read_evaluations(
    store: Store, principal: Principal, *, agent_id: str | None = None, ip: str | None = None, **kw: Any
) -> pd.DataFrame:
    frame = reviews.list_evaluations(store, principal, agent_id=agent_id, **kw)
    audit_read(
        store,
        principal,
        "qa.evaluations.read",
        agent_id or "qa_evaluations",
        list(frame["evaluation_id"]),
        {"agent_id": agent_id},
        ip,
    )
    return frame


def read_scorecards(
    store: Store, principal: Principal, *, ip: str | None = None, since: Any = None, until: Any = None
) -> pd.DataFrame:
    """Scorecards of the agents in scope (shrunk toward their teams, which are computed over every agent)."""
    frame = _in_scope(store, principal, scorecards(store, since=since, until=until), "agent_id")
    audit_read(
        store, principal, "qa.scorecards.read", "scorecards", list(frame["agent_id"].astype(str)), {}, ip
    )
    return frame


def read_skill_gaps(
    store: Store,
    principal: Principal,
    *,
    unit: str = "agent",
    topic: str = "category",
    ip: str | None = None,
    gaps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The desk's skill gaps (`gaps` when the caller has them already) in the reader's scope; audited."""
    frame = skill_gaps(store, unit=unit, topic=topic) if gaps is None else gaps
    if unit == "agent":
        frame = _in_scope(store, principal, frame, "unit")
    elif principal.scope is Scope.OWN:
        frame = frame.iloc[0:0]  # an agent sees gaps of its own, not of its team
    elif principal.scope is Scope.TEAM:
        frame = frame[frame["unit"].isin(principal.team_ids)].reset_index(drop=True)
    audit_read(
        store,
        principal,
        "qa.skill_gaps.read",
        f"skill_gaps:{unit}",
        list(frame["unit"].astype(str)),
        {"unit": unit, "topic": topic},
        ip,
    )
    return frame


def team_scores(store: Store, principal: Principal, *, ip: str | None = None) -> pd.DataFrame:
    """Per team: the sampling-weighted QA mean (unbiased for the team's tickets) beside the plain mean."""
    frame = reviews.list_evaluations(store, principal, limit=1_000_000)
    frame = frame[frame["calibration_id"].isna()]
    rows = []
    for team, g in frame.groupby(frame["team_id"].fillna("unknown")):
        mean, low, high, n = weighted_mean(g["score"], g["weight"])
        rows.append(
            {
                "team_id": team,
                "weighted": mean,
                "low": low,
                "high": high,
                "plain": float(g["score"].mean()),
                "n": n,
            }
        )
    out = pd.DataFrame(rows, columns=["team_id", "weighted", "low", "high", "plain", "n"])
    audit_read(store, principal, "qa.team_scores.read", "team_scores", list(frame["evaluation_id"]), {}, ip)
    return out


def segment_scores(
    store: Store, principal: Principal, *, by: str = "team", ip: str | None = None
) -> pd.DataFrame:
    """Per team, channel, category or customer segment or tier: the sampling-weighted QA score of the tickets in your scope, with
    a design-based interval (`segments`), beside the plain mean."""
    if by not in SEGMENTS:
        raise ValueError(f"segment {by!r} must be one of {', '.join(SEGMENTS)}")
    design = evaluation_design(store, principal)
    out = domain_scores(design, SEGMENTS[by])
    seen = design.loc[design["in_scope"], "evaluation_id"]
    audit_read(store, principal, "qa.team_scores.read", f"segment_scores:{by}", list(seen), {"by": by}, ip)
    return out


def read_plans(
    store: Store, principal: Principal, *, agent_id: str | None = None, ip: str | None = None
) -> pd.DataFrame:
    frame = plans.list_plans(store, principal, agent_id)
    audit_read(
        store, principal, "qa.coaching.read", agent_id or "coaching_plans", list(frame["plan_id"]), {}, ip
    )
    return frame


def read_progress(
    store: Store, principal: Principal, plan_id: str, *, ip: str | None = None
) -> dict[str, Any]:
    progress = plans.plan_progress(store, principal, plan_id)
    audit_read(
        store,
        principal,
        "qa.coaching.read",
        plan_id,
        [plan_id],
        {"agent_id": progress["plan"]["agent_id"]},
        ip,
    )
    return progress
