"""Property tests of the readers (Hypothesis): random bytes, random CSV dialects and encodings,
random truncation of plain and gzip files, Parquet files cut short or overwritten. Whatever the file, ingest_file either reads it, with
accepted + rejected = received, or raises IngestError naming the file and commits nothing.

Bounded for CI: derandomized (the same examples every run), a fixed number each (EXAMPLES), on one
DuckDB store per test; the stores' part of the invariant runs on both engines in test_source_files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insightdesk.ingest import IngestError, ingest_file
from insightdesk.store import Store, open_store

EXAMPLES = {"bytes": 60, "dialects": 30, "truncation": 60, "parquet": 10}
TABLES = ("tickets", "quarantine", "ingest_batches", "record_history", "customers", "teams")
COLUMNS = ["id", "type", "status", "created_at", "subject"]


def bounded(examples: int):  # type: ignore[no-untyped-def]
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # `props_store` and `tmp_path` serve every example of a test, on purpose.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def snapshot(store: Store) -> dict[str, int]:
    # One query for every table: it runs twice per example, so round trips add up.
    counts = ", ".join(f'(SELECT count(*) FROM "{t}") AS "{t}"' for t in TABLES)
    row = store.query_df(f"SELECT {counts}").iloc[0]
    return {t: int(row[t]) for t in TABLES}


def check(store: Store, path: Path, **options: str) -> int | None:
    """The invariant for one file; returns the records received, or None when the file was refused."""
    before = snapshot(store)
    try:
        result = ingest_file(store, path, "tickets", **options)
    except IngestError as exc:
        message = str(exc)
        assert str(path) in message and message.strip(), message
        assert snapshot(store) == before, f"a refused file changed the store: {message}"
        return None
    assert result.received == result.accepted + result.rejected
    assert result.reconciles
    after = snapshot(store)
    assert after["ingest_batches"] == before["ingest_batches"] + 1
    assert after["quarantine"] - before["quarantine"] == result.rejected
    return result.received


@pytest.fixture
def props_store(tmp_path: Path, duckdb_template: Path) -> Iterator[Store]:
    """One store for every example of a test: the state the invariant is about."""
    target = tmp_path / "props.duckdb"
    shutil.copyfile(duckdb_template, target)
    with open_store(target) as store:
        yield store


SUFFIXES = st.sampled_from([".csv", ".jsonl", ".csv.gz", ".jsonl.gz", ".parquet", ".tsv"])


@bounded(EXAMPLES["bytes"])
@given(data=st.binary(max_size=3000), suffix=SUFFIXES, gzip_it=st.booleans())
def test_random_bytes_never_crash(tmp_path, props_store, data, suffix, gzip_it):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(gzip.compress(data) if gzip_it else data)
    check(props_store, path)


# Text a helpdesk export may hold, delimiters, quotes and line breaks included; per encoding what it
# can encode. No bare carriage return: Python's csv module leaves one unquoted when the line end is
# "\n", which makes a file no CSV reader can tell from one with mixed line ends.
PLAIN = "abcXYZ019 -:/_.,;|\t\"'\n"
EXTRA = {
    "utf-8": "\u00e9\u20ac\u2019\u4e2d\U0001f600",
    "utf-16": "\u00e9\u20ac\u4e2d",
    "cp1252": "\u00e9\u20ac\u2019",
    "latin-1": "\u00e9\u00fc",
}


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str, str, int]:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    alphabet = PLAIN + EXTRA[encoding.removesuffix("-sig")]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    n = draw(st.integers(min_value=1, max_value=12))
    rows = [
        [
            f"D{i}",
            draw(st.sampled_from(["incident", "question", "bogus"])),
            draw(st.sampled_from(["open", "resolved", "?"])),
            draw(st.sampled_from(["2026-01-02T03:04:05Z", "2026-01-02", "yesterday", ""])),
            draw(st.text(alphabet=alphabet, max_size=40)),
        ]
        for i in range(n)
    ]
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, quoting=quoting, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    )
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding), encoding, delimiter, n


@bounded(EXAMPLES["dialects"])
@given(made=csv_files(), pass_dialect=st.booleans())
def test_random_csv_dialects_and_encodings(tmp_path, props_store, made, pass_dialect):
    data, encoding, delimiter, n = made
    path = tmp_path / "dialect.csv"
    path.write_bytes(data)
    options = {"delimiter": delimiter, "encoding": encoding} if pass_dialect else {}
    if encoding in ("utf-8-sig", "utf-16"):
        options.pop("encoding", None)  # the byte-order mark says it
    received = check(props_store, path, **options)
    if pass_dialect:
        # Told the dialect, a file Python's csv module wrote is read record for record.
        assert received == n


@st.composite
def valid_files(draw: st.DrawFn) -> tuple[bytes, str]:
    n = draw(st.integers(min_value=1, max_value=30))
    subjects = [
        draw(st.text(alphabet=PLAIN.replace("\r", "") + EXTRA["utf-8"], max_size=30)) for _ in range(n)
    ]
    if draw(st.booleans()):
        lines = [
            json.dumps(
                {
                    "id": f"V{i}",
                    "type": "incident",
                    "status": "open",
                    "created_at": "2026-01-01",
                    "subject": s,
                }
            )
            for i, s in enumerate(subjects)
        ]
        return ("\n".join(lines) + "\n").encode(), ".jsonl"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([f"V{i}", "incident", "open", "2026-01-01", s] for i, s in enumerate(subjects))
    return out.getvalue().encode(), ".csv"


@bounded(EXAMPLES["truncation"])
@given(
    made=valid_files(), gzip_it=st.booleans(), cut=st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
)
def test_random_truncation(tmp_path, props_store, made, gzip_it, cut):
    data, suffix = made
    whole = gzip.compress(data) if gzip_it else data
    path = tmp_path / f"cut{suffix}{'.gz' if gzip_it else ''}"
    path.write_bytes(whole[: max(1, int(len(whole) * cut))])
    received = check(props_store, path)
    if gzip_it:
        assert received is None, "a gzip file cut short must be refused"


@st.composite
def damaged_parquet(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A valid Parquet file, then cut at a random byte or a random span overwritten; True if cut."""
    n = draw(st.integers(min_value=1, max_value=30))
    frame = pd.DataFrame(
        {
            "id": [f"Q{i}" for i in range(n)],
            "type": ["incident"] * n,
            "status": ["open"] * n,
            "created_at": ["2026-01-01"] * n,
            "subject": [draw(st.text(alphabet=PLAIN + EXTRA["utf-8"], max_size=30)) for _ in range(n)],
        }
    )
    out = io.BytesIO()
    frame.to_parquet(out)
    data = out.getvalue()
    if draw(st.booleans()):
        return data[: draw(st.integers(min_value=1, max_value=len(data) - 1))], True
    # Mostly inside the column chunks (after the leading PAR1, before the footer), where a damaged page
    # gets past the footer check and fails only in the scan; else anywhere, magic and footer included.
    footer = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    start = draw(
        st.integers(min_value=4, max_value=footer - 1) | st.integers(min_value=0, max_value=len(data) - 1)
    )
    noise = draw(st.binary(min_size=1, max_size=64))
    return data[:start] + noise + data[start + len(noise) :], False


@bounded(EXAMPLES["parquet"])
@given(made=damaged_parquet())
def test_random_damage_to_parquet(tmp_path, props_store, made):
    data, cut = made
    path = tmp_path / "damaged.parquet"
    path.write_bytes(data)
    received = check(props_store, path)
    if cut:  # the footer, which says where everything is, is at the end: a cut file is refused
        assert received is None, "a Parquet file cut short must be refused"
