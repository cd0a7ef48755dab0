"""Ticket skeletons from the ServiceNow incident event log: real timings, groups, resolvers, priorities.

Every bank ticket of the sample borrows the life of one real incident (created, first response,
reassignments, reopenings, resolution, closure, SLA outcome). Times are moved by a constant
`SHIFT` of whole weeks, so weekdays, times of day and every duration stay exactly as recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# 2016-02-29 + 209 weeks = 2020-03-02 (both Mondays): the incidents then overlap the real dates of
# the Twitter conversations (March-April 2020) instead of sitting four years apart.
SHIFT_WEEKS = 209

_STATUS = {
    "New": "new",
    "Active": "open",
    "Awaiting User Info": "pending",
    "Awaiting Vendor": "on_hold",
    "Awaiting Problem": "on_hold",
    "Awaiting Evidence": "on_hold",
    "Resolved": "resolved",
    "Closed": "closed",
}
_LEVEL = {"1 - High": "high", "2 - Medium": "medium", "3 - Low": "low"}
_PRIORITY = {"1 - Critical": "critical", "2 - High": "high", "3 - Moderate": "medium", "4 - Low": "low"}


def token_id(value: object, prefix: str) -> str | None:
    """'Group 56' -> 'G56', 'Resolver 149' -> 'R149'; null stays null."""
    if value is None or value != value:  # NaN check without pandas
        return None
    return prefix + str(value).rsplit(" ", 1)[-1]


def _shift(ts: pd.Series) -> pd.Series:
    import pandas as pd

    return ts + pd.Timedelta(weeks=SHIFT_WEEKS)


def skeletons(events: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """One row per chosen incident with the canonical ticket timing and assignment columns."""
    import pandas as pd

    chosen = events[events["number"].isin(numbers)]
    first = chosen.groupby("number", sort=False).first()
    last = chosen.groupby("number", sort=False).last()
    started = chosen[chosen["incident_state"] != "New"].groupby("number")["sys_updated_at"].min()
    status = last["incident_state"].map(_STATUS)
    done = status.isin(["resolved", "closed"])
    opened = first["opened_at"]
    out = pd.DataFrame(index=pd.Index(numbers, name="number"))
    out["created_at"] = _shift(opened)
    # First response: the first update that took the incident out of "New" (never before opening).
    out["first_response_at"] = _shift(started.reindex(out.index).clip(lower=opened.reindex(out.index)))
    out["resolved_at"] = _shift(last["resolved_at"].where(done))
    out["closed_at"] = _shift(last["closed_at"].where(status == "closed"))
    out["source_updated_at"] = _shift(last["sys_updated_at"])
    out["status"] = status
    out["priority"] = last["priority"].map(_PRIORITY)
    out["impact"] = last["impact"].map(_LEVEL)
    out["urgency"] = last["urgency"].map(_LEVEL)
    out["team_id"] = last["assignment_group"].map(lambda v: token_id(v, "G"))
    out["agent_id"] = last["assigned_to"].map(lambda v: token_id(v, "R"))
    out["caller"] = first["caller_id"]
    out["location"] = last["location"].map(lambda v: token_id(v, "L"))
    out["problem_id"] = last["problem_id"].map(lambda v: token_id(v, "PRB"))
    out["change_id"] = last["rfc"]
    out["reopen_count"] = last["reopen_count"].astype(int)
    out["reassignment_count"] = last["reassignment_count"].astype(int)
    # made_sla is the source's own verdict on the resolution target.
    out["sla_resolution_breached"] = ~last["made_sla"].astype(bool)
    out["resolution_code"] = last["closed_code"].where(done)
    out["knowledge_used"] = last["knowledge"].astype(bool)
    return out.reset_index()


def ticket_events(events: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """The canonical event history of each chosen incident, from its update rows."""
    import pandas as pd

    chosen = events[events["number"].isin(numbers)]
    rows = [row for number, group in chosen.groupby("number", sort=False) for row in _history(number, group)]
    frame = pd.DataFrame(rows)
    frame["occurred_at"] = _shift(pd.to_datetime(frame["occurred_at"]))
    return frame


def _history(number: str, group: pd.DataFrame) -> list[dict[str, object]]:
    """Events of one incident: creation, then what each update row changed (group, priority, state)."""
    import pandas as pd

    first = group.iloc[0]
    opened = first["opened_at"]
    rows: list[dict[str, object]] = []

    def add(kind: str, old: object, new: object, at: object, actor: object) -> None:
        rows.append(
            {
                "id": f"{number}-{len(rows)}",
                "ticket_id": number,
                "seq": len(rows),
                "event_type": kind,
                "from_value": old,
                "to_value": new,
                # A few update rows predate the opening by a minute (clock skew in the source).
                "occurred_at": max(at, opened) if pd.notna(at) else opened,
                "actor": actor,
            }
        )

    add("created", None, "new", opened, token_id(first["opened_by"], "O"))
    state, team, priority = "new", token_id(first["assignment_group"], "G"), first["priority"]
    for row in group.itertuples(index=False):
        at, actor = row.sys_updated_at, token_id(row.sys_updated_by, "U")
        new_team = token_id(row.assignment_group, "G")
        if new_team is not None and new_team != team:
            add("reassignment", team, new_team, at, actor)
            team = new_team
        if row.priority != priority:
            add("priority_change", _PRIORITY.get(priority), _PRIORITY.get(row.priority), at, actor)
            priority = row.priority
        new_state = _STATUS[row.incident_state]
        if new_state == state:
            continue
        if state == "new":
            add("first_response", None, None, at, actor)
        if new_state in ("resolved", "closed"):
            kind = new_state
        elif state in ("resolved", "closed"):
            kind = "reopened"
        else:
            kind = "status_change"
        add(kind, state, new_state, at, actor)
        state = new_state
    return rows


def team_tiers(events: pd.DataFrame) -> dict[str, str]:
    """L1/L2/L3 per group, derived from the whole log: groups that usually receive incidents first
    are front line (top third by that share = L1), groups reached mostly by reassignment are L2/L3."""
    import pandas as pd

    first_group = events.groupby("number")["assignment_group"].first()
    touched = events.dropna(subset=["assignment_group"]).drop_duplicates(["number", "assignment_group"])
    per_group = touched.groupby("assignment_group")["number"].size()
    initial = first_group.value_counts().reindex(per_group.index, fill_value=0)
    share = (initial / per_group).sort_values(ascending=False, kind="stable")
    ranks = pd.Series(range(len(share)), index=share.index) / max(len(share), 1)
    tiers = ranks.map(lambda r: "L1" if r < 1 / 3 else ("L2" if r < 2 / 3 else "L3"))
    return {token_id(g, "G"): t for g, t in tiers.items()}  # type: ignore[misc]


def resolver_homes(events: pd.DataFrame) -> dict[str, str]:
    """Home team of each resolver: the group it was most often assigned under in the whole log."""
    pairs = events.dropna(subset=["assigned_to", "assignment_group"])
    counts = pairs.groupby(["assigned_to", "assignment_group"]).size().reset_index(name="n")
    best = counts.sort_values(["assigned_to", "n", "assignment_group"], ascending=[True, False, True])
    best = best.drop_duplicates("assigned_to")
    return {
        token_id(r.assigned_to, "R"): token_id(r.assignment_group, "G")  # type: ignore[misc]
        for r in best.itertuples(index=False)
    }
