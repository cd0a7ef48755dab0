"""Text analysis and training sets honour the consent ledger (`text_analytics`, `model_training`).

The text layer reads the ledger itself (it sits below governance): these tests check that its
reading agrees with the ledger's own on both engines, that texts of people without consent are
skipped and counted (and their earlier analyses removed after a withdrawal), and that the basis of
each purpose is the documented setting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from insightdesk.governance.privacy.consent import consented_customers, record_consent
from insightdesk.governance.settings import SettingError, get_setting, set_setting
from insightdesk.governance.users import Actor
from insightdesk.ingest import ingest_file
from insightdesk.store.tables.privacy import consent_events
from insightdesk.text.consent_scope import DEFAULT_BASIS, consent_scope, training_rows
from insightdesk.text.pipeline import TextPipeline
from insightdesk.text.pipeline_store import analyze_store

CUSTOMERS = (
    "id,name,tier,consent_analytics,consent_survey\n"
    "YES,Yolanda Yes,gold,true,true\n"
    "NO,Nora No,gold,false,true\n"
    "UNKNOWN,Uma Unknown,gold,,true\n"
)
TICKETS = (
    "id,type,subject,description,customer_id,created_at,status\n"
    "T1,incident,Broken app,The app crashes every time I open the settings page,YES,2024-01-02T10:00:00Z,open\n"
    "T2,incident,Refund,I was charged twice for the same order last week,NO,2024-01-02T10:00:00Z,open\n"
    "T3,incident,Login,I cannot log in since the update this morning,UNKNOWN,2024-01-02T10:00:00Z,open\n"
)
# Survey comments: NO refused text analytics; UNKNOWN never decided it but took the survey.
FEEDBACK = (
    "id,scale,score,comment,ticket_id,customer_id,answered_at\n"
    "F1,csat,2,The refund took three weeks and nobody answered my emails,T2,NO,2024-01-05T10:00:00Z\n"
    "F2,csat,3,The login problem came back twice after the fix,T3,UNKNOWN,2024-01-05T10:00:00Z\n"
)
ADMIN = Actor("admin", "admin")


def _desk(store, folder: Path) -> None:
    for kind, text in (("customers", CUSTOMERS), ("tickets", TICKETS), ("feedback", FEEDBACK)):
        path = folder / f"{kind}.csv"
        path.write_text(text)
        ingest_file(store, path, kind, profile="generic")


def test_the_text_layer_reads_the_ledger_as_the_ledger_does(store, tmp_path):
    _desk(store, tmp_path)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.begin() as conn:
        # NO grants, then withdraws; UNKNOWN grants, effective only tomorrow; YES withdraws an hour
        # ago and grants again now (the later decision wins).
        record_consent(conn, "generic:NO", "text_analytics", True, "api", "t", now - dt.timedelta(days=2))
        record_consent(conn, "generic:NO", "text_analytics", False, "api", "t", now - dt.timedelta(days=1))
        record_consent(
            conn, "generic:UNKNOWN", "text_analytics", True, "api", "t", now + dt.timedelta(days=1)
        )
        record_consent(conn, "generic:YES", "text_analytics", False, "api", "t", now - dt.timedelta(hours=1))
        record_consent(conn, "generic:YES", "text_analytics", True, "api", "t", now)
    moments = (now - dt.timedelta(days=3), now - dt.timedelta(days=1, hours=12), now + dt.timedelta(days=2))
    for at in moments:
        with store.begin() as conn:
            ledger = consented_customers(conn, "text_analytics", at)
        assert consent_scope(store, "text_analytics", at).granted == ledger
    with store.begin() as conn:
        assert consented_customers(conn, "text_analytics") == {"generic:YES"}
    scope = consent_scope(store, "text_analytics")
    assert scope.granted == {"generic:YES"} and scope.refused == {"generic:NO"}


def test_analysis_skips_texts_without_consent_and_forgets_a_withdrawal(store, tmp_path):
    _desk(store, tmp_path)
    pipeline = TextPipeline.default("linear")
    report = analyze_store(store, entities=["tickets", "feedback"], pipeline=pipeline)
    # Two texts per ticket; NO said no at import, UNKNOWN never decided: unknown means no. A survey
    # comment is read under the survey's consent, unless its writer refused text analytics (F1).
    assert (report.texts, report.analysed) == (8, 3)
    assert report.withheld == {"no text_analytics consent": 5}
    analysed = store.query_df("select distinct record_id from text_analyses")
    assert set(analysed["record_id"]) == {"generic:T1", "generic:F2"}
    with store.begin() as conn:
        record_consent(conn, "generic:YES", "text_analytics", False, "unsubscribe", "link")
    again = analyze_store(store, entities=["tickets", "feedback"], pipeline=pipeline)
    assert (again.analysed, again.skipped) == (0, 1) and again.withheld == {"no text_analytics consent": 7}
    remaining = store.query_df("select record_id from text_analyses")
    assert list(remaining["record_id"]) == ["generic:F2"]


@pytest.mark.parametrize("engine", ["duckdb"])
def test_training_sets_honour_model_training_by_the_chosen_basis(store, tmp_path):
    _desk(store, tmp_path)
    with store.begin() as conn:
        record_consent(conn, "generic:NO", "model_training", False, "api", "t")
        record_consent(conn, "generic:YES", "model_training", True, "api", "t")
    rows = pd.DataFrame({"ticket_id": ["T1", "T2", "T3", "T4"]})
    owners = pd.Series(["generic:YES", "generic:NO", "generic:UNKNOWN", None])
    # Default basis: consent (issue 18): unknown means no (a ticket of no customer belongs to nobody's
    # decision and stays in).
    assert get_setting(store.engine, "privacy.consent_basis") == DEFAULT_BASIS
    assert DEFAULT_BASIS["model_training"] == "consent"
    kept, left_out, reason = training_rows(store, rows, owners)
    assert (list(kept["ticket_id"]), left_out, reason) == (["T1", "T4"], 2, "no model_training consent")
    # Basis objection, chosen by an administrator: only the person who said no is left out.
    set_setting(store.engine, "privacy.consent_basis", {"model_training": "objection"}, actor=ADMIN)
    kept, left_out, reason = training_rows(store, rows, owners)
    assert (list(kept["ticket_id"]), left_out, reason) == (["T1", "T3", "T4"], 1, "model_training refused")
    with pytest.raises(SettingError, match=r"privacy.consent_basis\['model_training'\] must be one of"):
        set_setting(store.engine, "privacy.consent_basis", {"model_training": "maybe"}, actor=ADMIN)
    with pytest.raises(SettingError, match="purpose 'survey' is not one of"):
        set_setting(store.engine, "privacy.consent_basis", {"survey": "objection"}, actor=ADMIN)
    with store.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(consent_events)).scalar() >= 2
