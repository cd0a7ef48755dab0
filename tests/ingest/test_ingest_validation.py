"""Values that used to pass or crash, on both engines: each is now a rejection naming its field, or a
correct value where the meaning is unambiguous.

Impossible lifecycle orders, placeholder years, time-zone abbreviations, NaN and infinity, numbers
too large for the store, blank scale bounds, and NUL bytes (which PostgreSQL text cannot hold).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from insightdesk.ingest import ingest_file
from insightdesk.ingest.timestamps import latest_plausible
from tests.support.ingest_files import write

HEADER = (
    "id,type,channel,subject,status,priority,created_at,first_response_at,resolved_at,closed_at,reopen_count"
)
OK = "incident,email,Fine,open,high"
TICKETS = f"""{HEADER}
G1,{OK},2026-01-05T09:00:00Z,2026-01-05T09:30:00Z,2026-01-05T12:00:00Z,2026-01-06T12:00:00Z,0
G2,{OK},2026-01-05 09:00:00 UTC,,,,0
G3,{OK},2026-01-05 09:00:00-08:00,,,,1.0
G4,{OK},1970-01-01T00:00:00Z,,,,
R1,{OK},2026-01-05T09:00:00Z,,2026-01-04T09:00:00Z,,0
R2,{OK},2026-01-05T09:00:00Z,,,2026-01-05T08:59:59Z,0
R3,{OK},2026-01-05T09:00:00Z,2026-01-05T08:00:00Z,,,0
Y1,{OK},1899-12-30,,,,0
Y2,{OK},2026-01-05T09:00:00Z,,2099-12-31T00:00:00Z,,0
Z1,{OK},2026-01-05 09:00:00 PST,,,,0
Z2,{OK},2026-01-05 09:00:00 IST,,,,0
Z3,{OK},2026-01-05 09:00:00 CST,,,,0
Z4,{OK},2026-01-05 09:00:00 BST,,,,0
N1,{OK},2026-01-05T09:00:00Z,,,,inf
N2,{OK},2026-01-05T09:00:00Z,,,,NaN
N3,{OK},2026-01-05T09:00:00Z,,,,10000000000
N4,{OK},2026-01-05T09:00:00Z,,,,1e30
"""
# record -> (field named, words of the reason)
TICKET_REJECTS = {
    "R1": ("resolved_at", "resolved_at 2026-01-04 09:00:00 (UTC) is before created_at 2026-01-05 09:00:00"),
    "R2": ("closed_at", "is before created_at"),
    "R3": ("first_response_at", "is before created_at"),
    "Y1": ("created_at", "year 1899 is outside the plausible range 1970-01-01 to"),
    "Y2": ("resolved_at", "year 2099 is outside the plausible range"),
    "Z1": ("created_at", "time zone abbreviation PST is refused as ambiguous (Pacific or Philippine"),
    "Z2": ("created_at", "abbreviation IST is refused as ambiguous"),
    "Z3": ("created_at", "abbreviation CST is refused as ambiguous"),
    "Z4": ("created_at", "BST is refused as ambiguous (British Summer Time or Bangladesh"),
    "N1": ("reopen_count", "not a whole number"),
    "N2": ("reopen_count", "not a whole number"),
    "N3": ("reopen_count", "out of range (at most 2,147,483,647)"),
    "N4": ("reopen_count", "out of range"),
}


def rejects(store, batch_id: str) -> dict[str, tuple[str, str]]:
    frame = store.query_df(
        "SELECT record_key, field, reason FROM quarantine WHERE batch_id = :b", {"b": batch_id}
    )
    return {r.record_key: (r.field, r.reason) for r in frame.itertuples()}


def check_rejects(found: dict[str, tuple[str, str]], expected: dict[str, tuple[str, str]]) -> None:
    assert set(found) == set(expected)
    for key, (field, words) in expected.items():
        assert found[key][0] == field and words in found[key][1], (key, found[key])


def test_impossible_times_and_numbers_are_rejected_by_field(store, tmp_path):
    result = ingest_file(store, write(tmp_path, "tickets.csv", TICKETS), "tickets")
    assert result.reconciles and (result.received, result.rejected) == (17, len(TICKET_REJECTS))
    check_rejects(rejects(store, result.batch_id), TICKET_REJECTS)
    t = store.query_df("SELECT id, created_at, reopen_count FROM tickets").set_index("id")
    assert t.loc["generic:G2", "created_at"] == pd.Timestamp("2026-01-05 09:00:00")  # UTC is unambiguous
    assert t.loc["generic:G3", "created_at"] == pd.Timestamp("2026-01-05 17:00:00")
    assert t.loc["generic:G3", "reopen_count"] == 1
    # the plausible window: from 1970 to a year ahead (decided per batch)
    assert latest_plausible(pd.Timestamp("2026-02-28").to_pydatetime()).year == 2027


def test_problems_and_changes_in_an_impossible_order(store, tmp_path):
    problems = "id,title,created_at,resolved_at,closed_at\nP1,ok,2026-01-02,2026-01-03,2026-01-04\nP2,bad,2026-01-02,2026-01-01,\n"
    result = ingest_file(store, write(tmp_path, "problems.csv", problems), "problems")
    check_rejects(rejects(store, result.batch_id), {"P2": ("resolved_at", "is before created_at")})
    changes = "id,title,implemented_at,closed_at\nC1,ok,2026-01-02,2026-01-03\nC2,bad,2026-01-05,2026-01-04\n"
    result = ingest_file(store, write(tmp_path, "changes.csv", changes), "changes")
    check_rejects(rejects(store, result.batch_id), {"C2": ("closed_at", "is before implemented_at")})


FEEDBACK = """id,scale,score,scale_min,scale_max,sent_at,answered_at
F1,csat,4,,,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z
F2,nps,9,,,,
F3,ces,6,,,,
F4,other,3,1,4,,
F5,csat,5,1,5,,
B1,csat,NaN,,,,
B2,nps,inf,,,,
B3,ces,-Infinity,,,,
B4,csat,4,0,10,,
B5,csat,4,,,2026-01-05T10:00:00Z,2026-01-05T09:00:00Z
B6,other,3,,,,
"""
FEEDBACK_REJECTS = {
    "B1": ("score", "not a number: NaN and infinity are refused"),
    "B2": ("score", "not a number: NaN and infinity are refused"),
    "B3": ("score", "not a number"),
    "B4": ("scale_min", "scale_min 0 does not match the csat scale 1-5"),
    "B5": ("answered_at", "is before sent_at"),
    "B6": ("scale_min", "scale 'other' needs scale_min and scale_max"),
}


def test_feedback_scales_default_and_scores_must_be_finite(store, tmp_path):
    # NaN is one of the generic profile's null markers: in a text field it means "no value", but a
    # NaN score is refused rather than read as an unanswered survey
    result = ingest_file(store, write(tmp_path, "feedback.csv", FEEDBACK), "feedback")
    assert result.reconciles and result.accepted == 5
    check_rejects(rejects(store, result.batch_id), FEEDBACK_REJECTS)
    f = store.query_df("SELECT id, score, scale_min, scale_max FROM feedback").set_index("id")
    assert f.loc["generic:F1"].tolist() == [4.0, 1, 5]
    assert f.loc["generic:F2"].tolist() == [9.0, 0, 10]
    assert f.loc["generic:F3"].tolist() == [6.0, 1, 7]
    assert f.loc["generic:F4"].tolist() == [3.0, 1, 4]


NUL_CSV = (
    "id,type,channel,subject,status,priority,created_at\n"
    "T1,incident,email,Printer\0 broken,open,high,2026-01-05T09:00:00Z\n"
    "T2\0,incident,email,Fine,open\0,high,2026-01-05T09:00:00Z\n"
    "T3,incident,pigeon,Bad\0channel,open,high,2026-01-05T09:00:00Z\n"
    "T4,incident,email,ok,open,high,2026-01-05T09:00:00Z,extra\0field\n"
)


def test_nul_bytes_are_removed_the_same_way_on_both_engines(store, tmp_path):
    """Decision: NUL (0x00) carries no meaning in text and PostgreSQL cannot store it, so every value
    is stored without it (on both engines) and the result warns, naming the columns."""
    result = ingest_file(store, write(tmp_path, "nul.csv", NUL_CSV), "tickets")
    assert (result.received, result.accepted, result.rejected) == (4, 2, 2)
    assert any(
        "3 record(s) had NUL bytes (0x00) removed from column(s) 'id' (1), 'status' (1), 'subject' (2)" in w
        for w in result.warnings
    ), result.warnings
    t = store.query_df("SELECT id, subject, status FROM tickets ORDER BY id")
    assert t.values.tolist() == [["generic:T1", "Printer broken", "open"], ["generic:T2", "Fine", "open"]]
    bad = store.query_df("SELECT record_key, field, raw FROM quarantine ORDER BY line")
    assert bad["field"].tolist() == ["channel", "(line)"]
    assert json.loads(bad["raw"][0])["subject"] == "Bad\0channel"  # the raw record keeps it, escaped in JSON
    assert json.loads(bad["raw"][1])["__line"].endswith("extra\0field")
    # JSON Lines take the same path
    line = {
        "id": "T5",
        "type": "incident",
        "channel": "email",
        "subject": "a\0b",
        "status": "open",
        "created_at": "2026-01-05T09:00:00Z",
    }
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = ingest_file(store, path, "tickets")
    assert (
        result.inserted == 1 and store.scalar("SELECT subject FROM tickets WHERE id = 'generic:T5'") == "ab"
    )


@pytest.mark.parametrize("profile_null", ["NaN", "nan"])
def test_nan_markers_still_mean_no_value_in_text_fields(store, tmp_path, profile_null):
    text = f"id,type,channel,subject,status,created_at\nT1,incident,email,{profile_null},open,2026-01-05T09:00:00Z\n"
    result = ingest_file(store, write(tmp_path, "t.csv", text), "tickets")
    assert result.inserted == 1
    # generic lists NaN (not nan) among its null markers: a marker is case-sensitive
    expected = None if profile_null == "NaN" else "nan"
    assert store.scalar("SELECT subject FROM tickets") == expected
