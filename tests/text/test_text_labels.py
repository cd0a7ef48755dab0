"""People correct the machine: labels with who and when, the gated intent classifier, the review
queue, and themes of a slice, on real stores (DuckDB and PostgreSQL) and through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.store import open_store
from insightdesk.text.intent_store import classifier_history, review_queue, train_classifier
from insightdesk.text.intents import TrainingError
from insightdesk.text.labels import LabelError, TextKey, list_labels, record_label
from insightdesk.text.pipeline_store import analyze_store
from insightdesk.text.theme_explore import Slice, SliceError, explore_themes
from tests.support.text_seed import seed_texts

# Five more tickets per intent, so that a quarter can be held out and the rest still trains.
EXTRA = {
    "card": [
        "Refund the second charge on my card please",
        "My bank statement shows the same payment twice",
        "I was charged double for a single purchase",
        "Duplicate card payment for my order, I need my money back",
        "Why did my card get billed twice this month",
    ],
    "login": [
        "Password reset link does not work and I cannot log in",
        "I keep getting locked out when I try to sign in",
        "The login page rejects my password every time",
        "Cannot access my account, sign in fails",
        "Two factor code never arrives so I cannot log in",
    ],
    "delivery": [
        "Courier says delivered but no parcel at my door",
        "My order has been in transit for two weeks",
        "Tracking stopped updating and the package is missing",
        "The delivery date keeps moving and nothing arrives",
        "Parcel lost by the courier, please send it again",
    ],
}


def _seeded(store) -> dict[str, list[str]]:
    ids = seed_texts(store, extra_tickets=[t for texts in EXTRA.values() for t in texts])
    first_extra = 19  # seed_texts numbers the extra tickets after its 18
    for n, name in enumerate(EXTRA):
        ids[name] += [f"test:t{first_extra + 5 * n + k}" for k in range(5)]
    analyze_store(store)
    return ids


def test_corrections_are_kept_applied_train_a_gated_classifier_and_slices_have_themes(store):
    ids = _seeded(store)
    key = TextKey("tickets", ids["card"][0], "description")
    row = record_label(store, key, "sentiment", "positive", labelled_by="ana", note="sarcasm")
    assert (row["machine_value"], row["value"], row["labelled_by"]) == ("negative", "positive", "ana")
    shown = store.query_df(
        "select sentiment_label from text_analyses where record_id = :r", {"r": key.record_id}
    )
    assert shown["sentiment_label"].tolist() == ["positive"]
    # A re-analysis does not undo the person's correction.
    analyze_store(store, reanalyze=True)
    assert store.scalar(
        "select sentiment_label from text_analyses where record_id = :r", {"r": key.record_id}
    ) == ("positive")
    with pytest.raises(LabelError, match="sentiment must be one of"):
        record_label(store, key, "sentiment", "furious", labelled_by="ana")
    with pytest.raises(LabelError, match="not an active theme"):
        record_label(store, key, "theme", "T9999", labelled_by="ana")
    with pytest.raises(LabelError, match="no analysed text"):
        record_label(store, TextKey("tickets", "test:nope", "description"), "risk", "high", labelled_by="ana")
    with pytest.raises(TrainingError, match="no intent labels"):
        train_classifier(store, trained_by="ana")
    for name, records in ids.items():
        for record_id in records:
            record_label(
                store, TextKey("tickets", record_id, "description"), "intent", name, labelled_by="ben"
            )
    first = train_classifier(store, trained_by="ben")
    assert first.activated and first.n_train + first.n_holdout == 33 and first.n_holdout >= 3
    assert first.holdout_f1 is not None and first.holdout_f1 >= 0.6 and first.predicted >= 33
    # The same labels again: the new model does not beat the active one, so it stays inactive.
    second = train_classifier(store, trained_by="ben")
    assert not second.activated and second.active_id == first.classifier_id
    assert "does not beat" in second.decision
    history = classifier_history(store)
    assert history.set_index("classifier_id").loc[
        [first.classifier_id, second.classifier_id], "status"
    ].tolist() == [
        "active",
        "rejected",
    ]
    # Every labelled text is out of the review queue; the queue is least confident first.
    queue = review_queue(store, below=1.01, limit=100)
    labelled = {r for records in ids.values() for r in records}
    assert not set(queue["record_id"]) & labelled
    assert queue["confidence"].tolist() == sorted(queue["confidence"].tolist())
    assert len(list_labels(store, kind="intent", limit=1000)) == 33
    assert len(list_labels(store)) == 34
    # Themes of a slice (negative texts): found, labelled uniquely, and the registry untouched.
    found = explore_themes(store, Slice(sentiment="negative"))
    assert found.n_texts >= 20 and 1 <= len(found.themes) <= 25
    labels = [t["label"] for t in found.themes]
    assert len(set(labels)) == len(labels)
    assert store.count("themes") == 0
    with pytest.raises(SliceError, match="too few"):
        explore_themes(store, Slice(channel="carrier pigeon"))
    with pytest.raises(SliceError, match="sentiment must be"):
        explore_themes(store, Slice(sentiment="angry"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Iterator[tuple[TestClient, dict]]:
    import shutil

    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user

    db = Path(tmp_path_factory.mktemp("labels")) / "labels.duckdb"
    shutil.copyfile(duckdb_template, db)
    actor = Actor("cli:tests", "admin", "cli")
    with open_store(db) as store:
        seed_texts(store)
        analyze_store(store)
        headers = {}
        for role in ("analyst", "viewer"):
            create_user(store.engine, role, "a-long-password", role, actor=actor)
            headers[role] = {
                "Authorization": f"Bearer {create_token(store.engine, role, actor=actor, name='t', days=1)['token']}"
            }
    client = TestClient(create_app(str(db), ServerSettings(warm_up=False)))
    with client:
        yield client, headers


def test_labels_through_the_api_need_the_right_role_and_are_audited(api):
    client, headers = api
    body = {
        "entity": "tickets",
        "record_id": "test:t2",
        "field": "description",
        "kind": "intent",
        "value": "card",
    }
    assert client.post("/api/v1/text/labels", json=body, headers=headers["viewer"]).status_code == 403
    made = client.post("/api/v1/text/labels", json=body, headers=headers["analyst"])
    assert made.status_code == 200, made.text
    assert made.json()["labelled_by"] == "analyst" and made.json()["value"] == "card"
    bad = client.post(
        "/api/v1/text/labels", json={**body, "kind": "sentiment", "value": "meh"}, headers=headers["analyst"]
    )
    assert bad.status_code == 422 and "sentiment must be one of" in bad.json()["error"]["message"]
    listed = client.get("/api/v1/text/labels", headers=headers["analyst"]).json()
    assert [x["record_id"] for x in listed["labels"]] == ["test:t2"]
    refused = client.post("/api/v1/text/classifier/train", headers=headers["analyst"])
    assert refused.status_code == 422 and "too few to hold some out" in refused.json()["error"]["message"]
    assert client.get("/api/v1/text/classifier", headers=headers["analyst"]).json() == {"models": []}
    assert client.get("/api/v1/text/review-queue", headers=headers["analyst"]).json()["items"] == []
    from insightdesk.governance import audit

    entries, total = audit.query(client.app.state.insightdesk.engine, action="text.label")
    assert total == 1 and entries[0]["actor"] == "analyst"
