"""The consent ledger on both engines: unknown means no, the latest decision in effect decides, an
import records only changed flags, and a stale re-import never overrides a withdrawal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from insightdesk.governance.privacy import (
    ConsentError,
    ConsentPurpose,
    consent_history,
    consent_select,
    consented_customers,
    has_consent,
    record_consent,
)
from insightdesk.ingest import ingest_file
from insightdesk.store.tables.privacy import consent_events

CUSTOMERS = (
    "id,name,consent_survey,consent_analytics,consent_contact,email\n"
    "C1,Ada Example,true,true,,ada@example.org\n"
    "C2,Bo Example,false,,true,bo@example.org\n"
    "C3,Cy Example,,,,\n"
)


def _ingest(store, tmp_path, text=CUSTOMERS, name="customers.csv"):
    path = tmp_path / name
    path.write_text(text)
    return ingest_file(store, path, "customers")


def test_import_flags_become_ledger_events_and_unknown_means_no(store, tmp_path):
    _ingest(store, tmp_path)
    with store.begin() as conn:
        assert has_consent(conn, "generic:C1", ConsentPurpose.SURVEY)
        assert has_consent(conn, "generic:C1", "text_analytics")
        assert not has_consent(conn, "generic:C1", ConsentPurpose.CONTACT)  # blank flag: unknown
        assert not has_consent(conn, "generic:C2", ConsentPurpose.SURVEY)
        assert has_consent(conn, "generic:C2", ConsentPurpose.CONTACT)
        assert not has_consent(conn, "generic:C3", ConsentPurpose.SURVEY)
        assert not has_consent(conn, "generic:nobody", ConsentPurpose.SURVEY)
        assert not has_consent(conn, "generic:C1", ConsentPurpose.MODEL_TRAINING)
        assert consented_customers(conn, ConsentPurpose.SURVEY) == {"generic:C1"}
        assert consented_customers(conn, "contact", among=["generic:C1"]) == set()
        events = conn.execute(sa.select(sa.func.count()).select_from(consent_events)).scalar()
    assert events == 4  # C1 survey+analytics, C2 survey(false)+contact
    # The same export again adds nothing.
    _ingest(store, tmp_path)
    assert store.count("consent_events") == 4


def test_imported_model_training_flag_feeds_its_purpose(store, tmp_path):
    text = "id,name,consent_model_training\nM1,Mo Yes,true\nM2,Ma No,false\nM3,Mu Unknown,\n"
    _ingest(store, tmp_path, text)
    with store.begin() as conn:
        assert consented_customers(conn, ConsentPurpose.MODEL_TRAINING) == {"generic:M1"}
        assert not has_consent(conn, "generic:M3", "model_training")  # blank flag: unknown means no
        purposes = conn.execute(sa.select(consent_events.c.purpose).distinct()).scalars().all()
    assert purposes == ["model_training"]
    assert store.count("consent_events") == 2
    # A changed flag is a new decision; the unchanged ones add nothing.
    _ingest(store, tmp_path, text.replace("M2,Ma No,false", "M2,Ma No,true"), name="customers2.csv")
    with store.begin() as conn:
        assert consented_customers(conn, "model_training") == {"generic:M1", "generic:M2"}
    assert store.count("consent_events") == 3


def test_withdrawal_beats_a_stale_reimport_but_not_a_real_change(store, tmp_path):
    _ingest(store, tmp_path)
    with store.begin() as conn:
        record_consent(conn, "generic:C1", "survey", False, "unsubscribe", "survey-link", provenance="link-1")
    _ingest(store, tmp_path)  # the old export still says true
    with store.begin() as conn:
        assert not has_consent(conn, "generic:C1", ConsentPurpose.SURVEY)
    # The helpdesk now says false, later true again: that is a new decision, recorded.
    _ingest(store, tmp_path, CUSTOMERS.replace("C1,Ada Example,true", "C1,Ada Example,false"), "c2.csv")
    _ingest(store, tmp_path, CUSTOMERS, "c3.csv")
    with store.begin() as conn:
        assert has_consent(conn, "generic:C1", ConsentPurpose.SURVEY)
        history = consent_history(conn, "generic:C1")
    assert [(e["source"], e["granted"]) for e in history if e["purpose"] == "survey"] == [
        ("import", True),
        ("unsubscribe", False),
        ("import", False),
        ("import", True),
    ]


def test_decisions_take_effect_at_their_time_and_bad_ones_are_refused(desk_store):
    store = desk_store
    past = dt.datetime(2024, 1, 1)
    with store.begin() as conn:
        record_consent(conn, "generic:KIM1", "model_training", True, "api", "alice", at=past)
        record_consent(
            conn,
            "generic:KIM1",
            "model_training",
            False,
            "api",
            "alice",
            at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        )
        assert not has_consent(conn, "generic:KIM1", "model_training", at=past - dt.timedelta(days=1))
        assert has_consent(conn, "generic:KIM1", "model_training", at=dt.datetime(2024, 6, 1))
        assert not has_consent(conn, "generic:KIM1", "model_training")
        # The batch form composes into other queries.
        inner = consent_select("model_training", at=dt.datetime(2024, 6, 1)).subquery()
        assert conn.execute(sa.select(inner.c.customer_id)).scalars().all() == ["generic:KIM1"]
    with store.begin() as conn:
        with pytest.raises(ConsentError, match="unknown consent purpose 'marketing'"):
            record_consent(conn, "generic:KIM1", "marketing", True, "api", "alice")
        with pytest.raises(ConsentError, match="unknown consent source"):
            record_consent(conn, "generic:KIM1", "survey", True, "rumour", "alice")
        with pytest.raises(ConsentError, match="not in the store"):
            record_consent(conn, "generic:C9", "survey", True, "api", "alice")
        with pytest.raises(ConsentError, match="granted must be true or false"):
            record_consent(conn, "generic:KIM1", "survey", "yes", "api", "alice")  # type: ignore[arg-type]


def test_migration_0008_backfills_the_ledger_from_customers(desk_store):
    from insightdesk.store.migrate import downgrade

    downgrade(desk_store, "0007")
    desk_store.migrate()
    with desk_store.begin() as conn:
        survey = consented_customers(conn, ConsentPurpose.SURVEY)
    assert survey == {"generic:CUSTZQ77", "generic:KIM1"}
    assert desk_store.count("consent_events") == 2
