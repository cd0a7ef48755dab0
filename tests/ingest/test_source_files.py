"""Files that cannot be a batch fail whole, in one sentence naming the file and where, and commit
nothing; odd files that can (UTF-16, one undecodable line, an over-long line, a ragged row) load
with each bad line set aside once, with one reason."""

from __future__ import annotations

import codecs
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from insightdesk.ingest import IngestError, ingest_file
from insightdesk.ingest.source import MAX_LINE_BYTES, undecodable_allowance
from tests.support.ingest_files import TICKETS_CSV, write

HEADER = "id,type,status,created_at,subject\n"
TABLES = ("tickets", "quarantine", "ingest_batches", "record_history")


def tickets(n: int, subject: str = "plain subject {i}") -> str:
    return HEADER + "".join(
        f"R{i},incident,open,2026-01-01T00:00:00Z,{subject.format(i=i)}\n" for i in range(n)
    )


def tickets_jsonl(n: int) -> str:
    return "".join(
        json.dumps({"id": f"J{i}", "type": "incident", "status": "open", "created_at": "2026-01-01"}) + "\n"
        for i in range(n)
    )


def counts(store) -> dict[str, int]:
    return {t: store.count(t) for t in TABLES}


def parquet_bytes(n: int) -> bytes:
    frame = pd.DataFrame(
        {
            "id": [f"P{i}" for i in range(n)],
            "type": ["incident"] * n,
            "status": ["open"] * n,
            "created_at": ["2026-01-01"] * n,
            "subject": [f"subject {i} " * 5 for i in range(n)],
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def broken_files(tmp: Path) -> list[tuple[str, Path, dict[str, str], str]]:
    """(case, path, ingest options, what the one-sentence error must say)."""
    text = tickets(1000)
    gz = gzip.compress(text.encode())
    jsonl = tickets_jsonl(1000).encode()
    pq = parquet_bytes(1000)
    accented = tickets(50, subject="caf\u00e9 n\u00b0{i} \u2019quoted\u2019").encode("cp1252")
    cut = text.encode()[: len(text) - 30]  # inside the last line: too few fields, no line end
    made = {
        "truncated.csv.gz": gz[: len(gz) * 2 // 3],
        "corrupt.csv.gz": gz[:40] + bytes(b ^ 0xFF for b in gz[40:140]) + gz[140:],
        "truncated.jsonl.gz": gzip.compress(jsonl)[:-200],
        "truncated.jsonl": jsonl[: len(jsonl) - 17],
        "truncated.csv": cut,
        "truncated.parquet": pq[: len(pq) - 300],
        "corrupt.parquet": pq[:2000] + b"\x00" * 3000 + pq[5000:],
        "empty.csv": b"",
        "empty.csv.gz": gzip.compress(b""),
        "blank.csv": b"\n\n  \n",
        "huge-field.csv": (
            HEADER + "A,incident,open,2026-01-01," + "x" * (MAX_LINE_BYTES + 10) + "\n"
        ).encode(),
        "windows.csv": accented,
        "bom-less.jsonl": b"\n".join([b'{"id": "\xe9t\xe9"}'] * 5) + b"\n",
    }
    for name, data in made.items():
        (tmp / name).write_bytes(data)
    (tmp / "folder.csv").mkdir()
    return [
        (
            "truncated gzip",
            tmp / "truncated.csv.gz",
            {},
            r"gzip stream ends early, at byte [\d,]+ .*truncated",
        ),
        ("corrupt gzip", tmp / "corrupt.csv.gz", {}, r"gzip data is corrupt near byte [\d,]+"),
        ("truncated gzip JSON Lines", tmp / "truncated.jsonl.gz", {}, r"gzip stream ends early"),
        ("truncated JSON Lines", tmp / "truncated.jsonl", {}, r"line 1,000, the last, .*truncated"),
        ("truncated CSV", tmp / "truncated.csv", {}, r"line 1,001, the last, .*missing columns.*truncated"),
        ("truncated Parquet", tmp / "truncated.parquet", {}, r"Parquet file is incomplete"),
        ("corrupt Parquet", tmp / "corrupt.parquet", {}, r"row group 0: records 1 to 1,000, bytes"),
        ("empty file", tmp / "empty.csv", {}, r"the file is empty \(0 bytes\)"),
        ("empty gzip", tmp / "empty.csv.gz", {}, r"empty once decompressed"),
        ("blank lines", tmp / "blank.csv", {}, r"only blank lines"),
        ("a folder", tmp / "folder.csv", {}, r"is a folder, not a file"),
        ("missing", tmp / "missing.csv", {}, r"no such file"),
        ("huge field", tmp / "huge-field.csv", {}, rf"line 2 is longer than the {MAX_LINE_BYTES:,} bytes"),
        ("cp1252 file", tmp / "windows.csv", {}, r"probably cp1252; pass --encoding cp1252"),
        ("latin-1 JSON Lines", tmp / "bom-less.jsonl", {}, r"5 of 5 records are not valid UTF-8"),
        ("unknown encoding", tmp / "windows.csv", {"encoding": "klingon"}, r"unknown encoding 'klingon'"),
    ]


def test_a_broken_file_fails_whole_in_one_sentence_and_commits_nothing(store, tmp_path):
    ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    before = counts(store)
    for case, path, options, expected in broken_files(tmp_path):
        with pytest.raises(IngestError, match=expected) as caught:
            ingest_file(store, path, "tickets", **options)
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 400, case
        assert counts(store) == before, case


def test_odd_files_load_with_each_bad_line_set_aside_once(store, tmp_path):
    # One store for all cases (the fixture costs more than the ingests): each case checks its batch.
    def batch(name: str, data: bytes):
        path = tmp_path / name
        path.write_bytes(data)
        result = ingest_file(store, path, "tickets")
        frame = store.query_df(
            "SELECT line, reason, raw FROM quarantine WHERE batch_id = :b ORDER BY line",
            {"b": result.batch_id},
        )
        return result, frame

    # A byte-order mark decides the encoding: UTF-16 either way round, UTF-8, inside gzip too.
    text = tickets(3, subject="Caf\u00e9 \u00fcber \u20ac{i}")
    jsonl = tickets_jsonl(3).replace('"2026-01-01"}', '"2026-01-01", "subject": "\u00e9t\u00e9"}')
    for name, data in {
        "le.csv": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "be.csv": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "sig.csv": codecs.BOM_UTF8 + text.encode(),
        "le.jsonl": codecs.BOM_UTF16_LE + jsonl.encode("utf-16-le"),
        "le.csv.gz": gzip.compress(codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
    }.items():
        result, _ = batch(name, data)
        assert (result.received, result.accepted) == (3, 3), name
    # a UTF-16 file ends in "\n\0": its last line, ragged, is set aside, not taken for a cut-short file
    result, frame = batch("ragged-le.csv", codecs.BOM_UTF16_LE + (text + "R9,incident\n").encode("utf-16-le"))
    assert (result.received, result.rejected, frame.line[0]) == (4, 1, 5)
    subjects = set(store.query_df("SELECT subject FROM tickets")["subject"])
    assert subjects == {f"Caf\u00e9 \u00fcber \u20ac{i}" for i in range(3)} | {"\u00e9t\u00e9"}

    # A ragged row: one reason with the counts, not DuckDB's message once per missing column.
    columns = ["id", "type", "status", "created_at", *(f"x{i}" for i in range(31))]
    good = ["A", "incident", "open", "2026-01-01T00:00:00Z", *(["v"] * 31)]
    ragged = ",".join(columns) + "\n" + ",".join(good) + "\nB,incident,open,2026-01-01,v\n"
    ragged += ",".join(["C", *good[1:], "v", "v"]) + "\n"
    result, frame = batch("ragged.csv", ragged.encode())
    assert (result.received, result.accepted, result.rejected) == (3, 1, 2)
    assert dict(zip(frame.line, frame.reason, strict=True)) == {
        3: "unparseable CSV line (missing columns): it has 5 fields where the header has 35",
        4: "unparseable CSV line (too many columns): it has 37 fields where the header has 35",
    }

    # An over-long line past the lines DuckDB sniffs: set aside (DuckDB 1.5 dropped it silently
    # unless max_line_size was given), and not copied whole into quarantine.
    lines = tickets(4200).splitlines(keepends=True)
    lines.insert(4150, "BIG,incident,open,2026-01-01," + "y" * (MAX_LINE_BYTES + 10) + "\n")
    result, frame = batch("long.csv", "".join(lines).encode())
    assert (result.received, result.accepted, result.rejected) == (4201, 4200, 1)
    assert (
        frame.line[0] == 4151 and f"over the {MAX_LINE_BYTES:,} bytes one record may have" in frame.reason[0]
    )
    assert len(frame.raw[0]) < 20_000

    # One line that is not UTF-8 in a UTF-8 file: that line quarantined, its bytes escaped.
    for fmt, marker, line in (("csv", b"caf\xc3\xa9 50\n", 52), ("jsonl", b'"J50", ', 51)):
        data = (tickets(300, subject="caf\u00e9 {i}") if fmt == "csv" else tickets_jsonl(300)).encode()
        result, frame = batch(f"one-bad.{fmt}", data.replace(marker, marker[:-2] + b"\xff\xfe" + marker[-2:]))
        assert (result.received, result.accepted, result.rejected) == (300, 299, 1), fmt
        assert frame.line[0] == line and "not valid UTF-8" in frame.reason[0], fmt
        assert "\\xff\\xfe" in json.loads(frame.raw[0])["__line"], fmt


def test_undecodable_lines_past_the_allowance_refuse_the_file(tmp_path):
    from insightdesk.store import open_store

    assert [undecodable_allowance(n) for n in (1, 99, 300, 5_000, 1_000_000)] == [1, 1, 3, 50, 100]
    text = tickets(300).encode()
    with open_store(tmp_path / "store.duckdb") as store:
        for bad in (3, 4):
            data = text
            for i in range(bad):
                data = data.replace(
                    f"subject {i * 7}\n".encode(), f"subject \xe9 {i * 7}\n".encode("latin-1")
                )
            path = tmp_path / f"bad{bad}.csv"
            path.write_bytes(data)
            if bad <= undecodable_allowance(300):
                assert ingest_file(store, path, "tickets").rejected == bad
            else:
                expected = r"4 of 300 records are not valid UTF-8 \(the first at line 2\).*cp1252"
                with pytest.raises(IngestError, match=expected):
                    ingest_file(store, path, "tickets")
