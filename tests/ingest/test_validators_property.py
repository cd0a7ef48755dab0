"""Property tests of the validators: random values per field type, through a real ingest (DuckDB).

For any batch of records with random timestamps (any year, offsets, zone abbreviations, garbage),
numbers (huge, NaN, infinity, text), scores and scale bounds, vocabulary words and text (NUL bytes,
quotes, newlines): the batch never crashes, received = accepted + rejected, every rejection names a
field of the record with a reason, and every accepted record satisfies the rules the validators
promise (plausible years, lifecycle order, finite scores inside their scale, 32-bit counts).
Derandomized and bounded, so CI runs the same examples every time.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insightdesk.ingest import ingest_file
from insightdesk.ingest.mapping import KINDS
from insightdesk.ingest.timestamps import EARLIEST, latest_plausible
from insightdesk.model import enums
from insightdesk.store import Store, open_store
from insightdesk.store.tables.base import business_columns
from insightdesk.store.tables.canonical import metadata

EXAMPLES = 30
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ZONES = [
    "Z",
    "+05:30",
    "-08:00",
    "+0100",
    " UTC",
    " GMT",
    " PST",
    " IST",
    " CST",
    " BST",
    " CET",
    " pst",
    " XYZ",
    "",
]
FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f"]

timestamps = st.one_of(
    st.builds(
        lambda moment, fmt, zone: moment.strftime(fmt) + (zone if "%H" in fmt else ""),
        st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 12, 31)),
        st.sampled_from(FORMATS),
        st.sampled_from(ZONES),
    ),
    st.sampled_from(["", "yesterday", "2026-02-30", "0000-00-00", "1899-12-30", "9999-12-31T23:59:59Z"]),
    st.text(max_size=12),
)
numbers = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NaN", "nan", "inf", "-Infinity", "1e30", "3.0", "3.5", " 7 ", "abc", "0x10"]),
)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ["a\0b", "\0", '"q",x', "l1\nl2"]
)


def vocabulary(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(words), st.sampled_from(words).map(str.upper), texts)


TICKET = {
    "type": vocabulary(enums.TICKET_TYPES),
    "channel": vocabulary(enums.CHANNELS),
    "status": vocabulary(enums.TICKET_STATUSES),
    "priority": vocabulary(enums.PRIORITIES),
    "subject": texts,
    "created_at": timestamps,
    "first_response_at": timestamps,
    "resolved_at": timestamps,
    "closed_at": timestamps,
    "reopen_count": numbers,
    "sla_response_target_minutes": numbers,
}
FEEDBACK = {
    "scale": vocabulary(enums.SCALES),
    "score": numbers,
    "scale_min": st.one_of(st.just(""), numbers),
    "scale_max": st.one_of(st.just(""), numbers),
    "comment": texts,
    "sent_at": timestamps,
    "answered_at": timestamps,
}


def records(fields: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[dict[str, str]]]:
    ids = st.one_of(st.sampled_from(["R1", "R2", "R3", "R4"]), st.just(""), texts)
    record = st.fixed_dictionaries({"id": ids, **fields})
    return st.lists(record, min_size=1, max_size=8)


# Well-formed records, which must all be accepted: no check may refuse a valid value.
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2025, 12, 31))
later = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90))
ISO = "%Y-%m-%dT%H:%M:%SZ"


@st.composite
def valid_ticket(draw: st.DrawFn) -> dict[str, str]:
    created = draw(moments)
    resolved = created + draw(later)
    return {
        "type": draw(st.sampled_from(enums.TICKET_TYPES)),
        "channel": draw(st.sampled_from(enums.CHANNELS)),
        "status": draw(st.sampled_from(enums.TICKET_STATUSES)),
        "priority": draw(st.sampled_from(enums.PRIORITIES)),
        "subject": draw(texts),
        "created_at": created.strftime(draw(st.sampled_from([ISO, "%Y-%m-%d %H:%M:%S+00:00", "%Y-%m-%d"]))),
        "first_response_at": (created + draw(later)).strftime(ISO),
        "resolved_at": draw(st.sampled_from(["", resolved.strftime(ISO)])),
        "closed_at": (resolved + draw(later)).strftime(ISO),
        "reopen_count": str(draw(st.integers(0, 2**31 - 1))),
        "sla_response_target_minutes": draw(st.sampled_from(["", "0", "480", "480.0"])),
    }


@st.composite
def valid_answer(draw: st.DrawFn) -> dict[str, str]:
    scale = draw(st.sampled_from(sorted(enums.SCALE_RANGES)))
    low, high = enums.SCALE_RANGES[scale]
    sent = draw(moments)
    given = draw(st.booleans())  # blank bounds take the scale's
    return {
        "scale": scale,
        "score": draw(
            st.sampled_from(["", str(draw(st.integers(low, high))), f"{draw(st.integers(low, high))}.0"])
        ),
        "scale_min": str(low) if given else "",
        "scale_max": str(high) if given else "",
        "comment": draw(texts),
        "sent_at": sent.strftime(ISO),
        "answered_at": (sent + draw(later)).strftime(ISO),
    }


def with_valid(rows: list[dict[str, str]], valid: list[dict[str, str]]) -> list[dict[str, str]]:
    return rows + [{"id": f"valid-{i}", **record} for i, record in enumerate(valid)]


@pytest.fixture
def duck(duckdb_template, tmp_path) -> Store:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(duckdb_template, path)
    with open_store(path, migrate=False) as store:
        yield store


batches = count()


def ingest(store: Store, folder: Path, kind: str, rows: list[dict[str, str]]):
    """Ingest `rows`; check the counts and that each reject names a field; the valid-* records are in."""
    path = folder / f"{kind}-{next(batches)}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = ingest_file(store, path, kind)
    assert result.received == len(rows) and result.reconciles, result
    bad = store.query_df("SELECT field, reason FROM quarantine WHERE batch_id = :b", {"b": result.batch_id})
    assert len(bad) == result.rejected
    for field, reason in bad.itertuples(index=False):
        assert field in rows[0] and reason and len(reason) > 8, (field, reason)
    valid = {r["id"] for r in rows if r["id"].startswith("valid-")}
    refused = store.query_df(
        "SELECT record_key, field, value, reason FROM quarantine WHERE batch_id = :b AND record_key LIKE 'valid-%'",
        {"b": result.batch_id},
    )
    assert refused.empty, f"valid records refused: {refused.to_dict('records')} of {valid}"
    return result


def window() -> tuple[datetime, datetime]:
    return EARLIEST, latest_plausible()


@SETTINGS
@given(rows=records(TICKET), valid=st.lists(valid_ticket(), max_size=4))
def test_ticket_validators_hold_for_any_values(duck, tmp_path, rows, valid):
    ingest(duck, tmp_path, "tickets", with_valid(rows, valid))
    low, high = window()
    broken = duck.scalar(
        "SELECT count(*) FROM tickets WHERE (created_at < :low OR created_at >= :high "
        "OR resolved_at < created_at OR closed_at < created_at OR first_response_at < created_at "
        "OR resolved_at >= :high OR reopen_count < 0 OR sla_response_target_minutes < 0)",
        {"low": low, "high": high},
    )
    assert broken == 0


@SETTINGS
@given(rows=records(FEEDBACK), valid=st.lists(valid_answer(), max_size=4))
def test_feedback_validators_hold_for_any_values(duck, tmp_path, rows, valid):
    ingest(duck, tmp_path, "feedback", with_valid(rows, valid))
    ranges = " OR ".join(
        f"(scale = '{s}' AND (scale_min <> {lo} OR scale_max <> {hi}))"
        for s, (lo, hi) in enums.SCALE_RANGES.items()
    )
    broken = duck.scalar(
        f"SELECT count(*) FROM feedback WHERE isnan(score) OR isinf(score) OR score < scale_min "
        f"OR score > scale_max OR answered_at < sent_at OR {ranges}"
    )
    assert broken == 0


def random_value(kind: str, name: str) -> st.SearchStrategy[str]:
    """Random text for one canonical field, shaped by its column type (or vocabulary)."""
    if (kind, name) in enums.VOCABULARIES:
        return vocabulary(enums.VOCABULARIES[(kind, name)])
    column = metadata.tables[kind].c[name].type
    if isinstance(column, sa.DateTime | sa.Date):
        return timestamps
    if isinstance(column, sa.Integer | sa.Float | sa.Numeric):
        return numbers
    if isinstance(column, sa.Boolean):
        return st.sampled_from(["true", "No", "1", "0", "maybe", ""]) | texts
    return texts


# Every kind, with every field it accepts: the invariant holds beyond tickets and feedback (fewer
# examples per kind keep the 12 kinds under the two tests above together).
@pytest.mark.parametrize("kind", KINDS)
@settings(SETTINGS, max_examples=8)
@given(data=st.data())
def test_every_kind_reconciles_for_any_values(duck, tmp_path, kind, data):
    fields = {name: random_value(kind, name) for name in business_columns(kind) if name != "is_stub"}
    rows = data.draw(records(fields))
    result = ingest(duck, tmp_path, kind, rows)
    assert result.accepted + result.rejected == len(rows)
