"""Cross-channel conversation stitching (IDR-03): one person's contacts about one issue, whatever the
channel, within a window, become one thread.

A ticket starts a new thread when it is the person's first, when more than the window has passed
since the person's previous contact, or (with `same_issue`) when both it and the previous contact
have a category and the categories differ. A ticket whose customer is not resolved to a person is a
thread of its own.
"""

from __future__ import annotations

import pandas as pd

THREAD_COLUMNS = [
    "ticket_id",
    "person_id",
    "thread_id",
    "thread_seq",
    "channel",
    "channel_switch",
    "created_at",
]


def stitch_threads(
    tickets: pd.DataFrame, person_of: pd.Series, window_hours: float, same_issue: bool
) -> pd.DataFrame:
    """`tickets`: ticket_id, customer_id, channel, category, created_at; `person_of`: customer -> person."""
    if tickets.empty:
        return pd.DataFrame(columns=THREAD_COLUMNS)
    frame = tickets.assign(
        person_id=tickets["customer_id"].map(person_of),
        created_at=pd.to_datetime(tickets["created_at"]),
    )
    known = frame["person_id"].notna()
    resolved = frame.loc[known].sort_values(["person_id", "created_at", "ticket_id"]).reset_index(drop=True)
    same_person = resolved["person_id"].eq(resolved["person_id"].shift())
    gap = resolved["created_at"] - resolved["created_at"].shift()
    within = gap <= pd.Timedelta(hours=window_hours)
    # The issue of the thread so far: the last category the person's contacts named.
    previous_category = resolved.groupby("person_id")["category"].ffill().shift().where(same_person)
    other_issue = (
        resolved["category"].notna() & previous_category.notna() & (resolved["category"] != previous_category)
        if same_issue
        else pd.Series(False, index=resolved.index)
    )
    starts = ~same_person | ~within | other_issue
    number = starts.cumsum()
    resolved["thread_id"] = resolved.groupby(number)["ticket_id"].transform("first")
    resolved["thread_seq"] = resolved.groupby(number).cumcount() + 1
    previous_channel = resolved.groupby(number)["channel"].shift()
    resolved["channel_switch"] = previous_channel.notna() & (resolved["channel"] != previous_channel)
    alone = frame.loc[~known].assign(thread_id=lambda f: f["ticket_id"], thread_seq=1, channel_switch=False)
    out = pd.concat([resolved, alone], ignore_index=True)
    out["channel_switch"] = out["channel_switch"].astype(bool)
    return out[THREAD_COLUMNS]
