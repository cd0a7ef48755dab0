"""Text analytics against real stores (DuckDB and PostgreSQL): analyses, themes, the registry."""

from __future__ import annotations

import json

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text import theme_store as ts
from insightdesk.text.pipeline_store import analyze_store
from tests.support.text_seed import PII_TEXT, seed_texts


def _rows(store, sql, **params):
    return store.query_df(sql, params or None)


def test_analyze_store_writes_redacted_language_sentiment_and_model_versions(store):
    seed_texts(store)
    report = analyze_store(store)
    assert report.texts == report.analysed == 22
    df = _rows(store, "select * from text_analyses")
    assert len(df) == 22
    assert df["model_name"].nunique() == 1 and df["model_version"].str.contains("embedder").all()
    pii = df[df["record_id"] == "test:f1"].iloc[0]
    assert "sarah.miller@example.com" not in pii["redacted_text"] and "Sarah" not in pii["redacted_text"]
    assert "4111" not in pii["redacted_text"] and "7946" not in pii["redacted_text"]
    assert json.loads(pii["pii_counts"]) == {"CARD": 1, "EMAIL": 1, "PERSON": 2, "PHONE": 1}
    assert pii["redacted_text"].count("<PERSON_1>") == 2
    assert pii["text_sha256"] and PII_TEXT not in set(df["redacted_text"])
    german = df[df["record_id"] == "test:m1"].iloc[0]
    assert german["language"] == "de" and german["sentiment_status"] == "unsupported_language"
    assert german["sentiment_label"] is None
    short = df[df["record_id"] == "test:f2"].iloc[0]
    assert short["language"] == "unknown"
    english = df[(df["entity"] == "tickets") & (df["language"] == "en")]
    assert len(english) == 18 and (english["sentiment_label"] == "negative").mean() > 0.7


def test_analysis_is_incremental_and_reruns_after_a_model_change(store):
    seed_texts(store)
    analyze_store(store)
    again = analyze_store(store)
    assert (again.analysed, again.skipped) == (0, 22)
    with store.begin() as conn:
        conn.execute(
            sa.text("update tickets set description = 'The app crashes on start' where id = 'test:t1'")
        )
        conn.execute(
            T.text_analyses.update()
            .where(T.text_analyses.c.record_id == "test:t2")
            .values(model_version="old")
        )
    third = analyze_store(store)
    assert (third.analysed, third.skipped) == (2, 20)
    assert analyze_store(store, reanalyze=True).analysed == 22


def _theme_of(store, ids):
    df = _rows(store, "select record_id, theme_id from text_analyses where entity = 'tickets'")
    return df[df["record_id"].isin(ids)]["theme_id"]


def test_discovery_finds_the_planted_themes_and_keeps_ids_across_refits(store):
    groups = seed_texts(store)
    analyze_store(store)
    first = ts.discover_store_themes(store, min_size=3)
    assert first.n_themes == 3 and first.created == 3
    majority = {}
    for name, ids in groups.items():
        themes = _theme_of(store, ids).dropna()
        assert len(themes) >= 4, name  # most of each planted group is themed...
        majority[name] = themes.mode()[0]
        assert (themes == majority[name]).all(), name  # ...and never mixed with another group
    assert len(set(majority.values())) == 3
    labels = ts.list_themes(store).set_index("theme_id")["label"]
    assert "password" in labels[majority["login"]] or "login" in labels[majority["login"]]
    ts.rename_theme(store, majority["card"], "Double charges")
    second = ts.discover_store_themes(store, min_size=3)
    assert (second.continued, second.created, second.retired) == (3, 0, 0)
    assert set(ts.list_themes(store)["theme_id"]) == set(majority.values())
    assert ts.theme_details(store, majority["card"])["label"] == "Double charges"


def test_new_texts_join_known_themes_without_a_refit(store):
    seed_texts(store)
    analyze_store(store)
    ts.discover_store_themes(store, min_size=3)
    login_theme = _theme_of(store, ["test:t7"]).iloc[0]
    fits_before = store.count("theme_fits")
    with store.begin() as conn:
        conn.execute(
            sa.text(
                "insert into tickets (id, source_system, source_id, batch_id, record_hash, first_seen_at,"
                " last_changed_at, type, status, description, created_at) values ('test:new', 'test', 'new',"
                " 'b2', 'h', now(), now(), 'incident', 'open',"
                " 'I still cannot log in, the app says my password is wrong', now())"
            )
        )
    report = analyze_store(store)
    assert report.analysed == 1 and report.themed == 1
    assert _theme_of(store, ["test:new"]).iloc[0] == login_theme
    assert store.count("theme_fits") == fits_before


def test_merge_split_events_trends_and_categories(store):
    groups = seed_texts(store)
    analyze_store(store)
    ts.discover_store_themes(store, min_size=3)
    card = _theme_of(store, groups["card"]).mode()[0]
    delivery = _theme_of(store, groups["delivery"]).mode()[0]
    moved = ts.merge_themes(store, card, delivery)
    assert moved >= 4
    assert set(_theme_of(store, groups["card"]).dropna()) == {delivery}
    merged = ts.theme_details(store, card)
    assert merged["status"] == "merged" and merged["merged_into"] == delivery
    assert [e["event"] for e in merged["events"]][-1] == "merged"
    parts = ts.split_theme(store, delivery, 2)
    assert len(parts) == 2 and ts.theme_details(store, delivery)["status"] == "split"
    assert {ts.theme_details(store, p)["parent_id"] for p in parts} == {delivery}
    assert set(_theme_of(store, groups["card"] + groups["delivery"]).dropna()) <= set(parts)
    trends = ts.theme_trends(store, period="week")
    assert set(trends["theme_id"]) >= set(parts) and trends["texts"].sum() >= 12
    cats = ts.theme_categories(store)
    # Every theme spans both categories: the planted category scheme cuts across the themes.
    assert (cats.groupby("theme_id")["categories_spanned"].first() == 2).all()
    # A later refit reconciles with the edited registry instead of starting over.
    refit = ts.discover_store_themes(store, min_size=3)
    assert refit.continued + refit.merged + refit.split >= 2
