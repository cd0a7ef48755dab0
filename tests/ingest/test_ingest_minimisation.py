"""Minimisation per source: an allow-list of canonical fields, and free text stored redacted only.

Both engines: every table (records, their history, quarantine, contacts, consent) is searched for
the values the source may not keep. On DuckDB the file's bytes too: the raw text never reaches it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from insightdesk.governance.privacy.traces import find_traces
from insightdesk.ingest import IngestError, ingest_file
from insightdesk.ingest.mapping import MappingError, load_mapping_file
from insightdesk.ingest.quarantine import retry
from insightdesk.store import open_store
from insightdesk.text.pipeline import ingest_redactor

NAME = "Quentin Marbleford"
EMAIL = "quentin.marbleford@example.net"
PHONE = "+15550009876"
# What the redactor is sure to catch (its own tests cover the rest): a name after "I am", a card
# number that passes Luhn, a valid UK phone number.
SECRET_TEXT = "I am Sarah Miller; my card 4111 1111 1111 1111 was charged twice, call +44 20 7946 0958"
SECRETS = ["Sarah Miller", "4111 1111 1111 1111", "7946 0958"]

CUSTOMERS = (
    "id,name,tier,region,email,phone,consent_survey\n"
    f"C1,{NAME},gold,EMEA,{EMAIL},{PHONE},true\n"
    f"C2,{NAME} Junior,silver,EMEA,junior@example.net,,true\n"
)
TICKETS = (
    "id,type,channel,subject,description,customer_id,created_at,status,priority\n"
    f"T1,incident,email,Parcel for {NAME},write to {EMAIL} or call {PHONE},C1,2024-01-02T10:00:00Z,open,high\n"
    f'T2,incident,email,Parcel,"{SECRET_TEXT}",C1,2024-01-03T10:00:00Z,open,low\n'
    f'T3,incident,email,Late,"{EMAIL} again: {SECRET_TEXT}",C1,not-a-date,open,low\n'
)


def _mapping(folder: Path, minimisation: dict) -> Path:
    path = folder / "mapping.yaml"
    data = {
        "name": "minimal",
        "source_system": "minimal",
        "kinds": {"customers": {"auto": True}, "tickets": {"auto": True}},
        "minimisation": minimisation,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _load(store, folder: Path, mapping: Path, **kwargs) -> None:
    ingest_file(store, _write(folder, "customers.csv", CUSTOMERS), "customers", mapping=mapping, **kwargs)
    ingest_file(store, _write(folder, "tickets.csv", TICKETS), "tickets", mapping=mapping, **kwargs)
    # A changed ticket: its old version goes to record_history.
    changed = TICKETS.replace(",open,high", ",closed,high")
    ingest_file(store, _write(folder, "tickets2.csv", changed), "tickets", mapping=mapping, **kwargs)


def test_only_the_allowed_fields_reach_any_table(store, tmp_path):
    mapping = _mapping(
        tmp_path,
        {
            "keep": {
                "customers": ["tier", "region"],
                "tickets": ["type", "status", "created_at", "channel", "priority", "customer_id"],
            }
        },
    )
    _load(store, tmp_path, mapping)
    with store.begin() as conn:
        traces = find_traces(conn, [NAME, EMAIL, PHONE, *SECRETS, "Parcel"], skip=("ingest_batches",))
    assert traces == {}
    tickets = store.query_df("select id, status, priority, subject, description from tickets order by id")
    assert list(tickets["id"]) == ["minimal:T1", "minimal:T2"]
    assert tickets["subject"].isna().all() and tickets["description"].isna().all()
    assert list(tickets["status"]) == ["closed", "open"]
    history = store.query_df("select count(*) as n from record_history where entity = 'tickets'")
    assert history["n"].iloc[0] == 1  # the old version exists, without the dropped fields
    quarantined = store.query_df("select raw from quarantine where kind = 'tickets'")
    assert len(quarantined) >= 1 and all("description" not in raw for raw in quarantined["raw"])
    customers = store.query_df("select name, tier from customers order by id")
    assert customers["name"].isna().all() and list(customers["tier"]) == ["gold", "silver"]
    assert store.query_df("select count(*) as n from customer_contacts")["n"].iloc[0] == 0


def test_redacted_text_only_stores_redacted_text_and_retries_it(store, tmp_path):
    mapping = _mapping(tmp_path, {"redacted_text": True})
    _load(store, tmp_path, mapping, redact_text=ingest_redactor())
    with store.begin() as conn:
        traces = find_traces(conn, [*SECRETS, f"write to {EMAIL}"])
    assert traces == {}
    described = store.query_df("select description from tickets where id = 'minimal:T1'")
    assert described["description"].iloc[0] == f"write to <EMAIL_1> or call {PHONE}"
    raw = store.query_df("select batch_id, raw from quarantine where kind = 'tickets' and status = 'open'")
    # T3 of each of the two files, redacted like the records.
    assert len(raw) == 2 and all("<EMAIL_1> again" in r and EMAIL not in r for r in raw["raw"])
    # A retry re-reads the redacted copy: still nothing raw, and no redactor means no batch at all.
    with pytest.raises(IngestError, match="redacted only"):
        retry(store, raw["batch_id"].iloc[0], mapping=mapping)
    retry(store, raw["batch_id"].iloc[0], mapping=mapping, redact_text=ingest_redactor())
    with store.begin() as conn:
        assert find_traces(conn, [*SECRETS, f"write to {EMAIL}"]) == {}


def _file_hits(folder: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix != ".csv":
            data = path.read_bytes()
            hits += [f"{path.name}: {n}" for n in needles if n.encode() in data]
    return hits


def test_raw_text_never_reaches_the_duckdb_file(tmp_path, duckdb_template):
    needles = SECRETS
    plain, minimal = tmp_path / "plain", tmp_path / "minimal"
    for folder, minimisation, redact in (
        (plain, {}, None),
        (minimal, {"redacted_text": True}, ingest_redactor()),
    ):
        folder.mkdir()
        inputs = folder / "in"
        inputs.mkdir()
        shutil.copyfile(duckdb_template, folder / "desk.duckdb")
        with open_store(str(folder / "desk.duckdb")) as store:
            _load(store, inputs, _mapping(inputs, minimisation) if minimisation else None, redact_text=redact)
            store.duckdb.execute("CHECKPOINT")
    # The search works: without minimisation the file holds the text ...
    assert _file_hits(plain, needles)
    # ... with it, no file in the store's folder does (staging included).
    assert _file_hits(minimal, needles) == []


def test_a_minimisation_that_cannot_be_honoured_is_refused(store, tmp_path):
    mapping = _mapping(tmp_path, {"redacted_text": True})
    path = _write(tmp_path, "tickets.csv", TICKETS)
    with pytest.raises(IngestError, match="gave no redactor"):
        ingest_file(store, path, "tickets", mapping=mapping)
    latin = tmp_path / "tickets-utf16.csv"
    latin.write_text(TICKETS, encoding="utf-16")
    with pytest.raises(IngestError, match="convert it to UTF-8"):
        ingest_file(store, latin, "tickets", mapping=mapping, redact_text=ingest_redactor())
    assert store.query_df("select count(*) as n from tickets")["n"].iloc[0] == 0
    with pytest.raises(MappingError, match=r"keep.tickets: must keep the required field\(s\) type, status"):
        load_mapping_file(_mapping(tmp_path, {"keep": {"tickets": ["created_at"]}}))
    with pytest.raises(MappingError, match="'mood' not canonical fields of tickets"):
        load_mapping_file(_mapping(tmp_path, {"keep": {"tickets": ["type", "status", "created_at", "mood"]}}))
