"""Language is a dimension of the text pages (issue 17, goal 4): the themes list and a theme's page
break their texts down by detected language, filter their figures by it, and count the texts of
languages without a sentiment model apart instead of scoring them as English.

The store holds real analyses: the seed texts (English themes, a German message, a French ticket,
a "Thanks!" too short to tell) through the shipped pipeline and theme discovery.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.store import open_store

FRENCH_TEXT = "Ma carte a été débitée deux fois pour la même commande, merci de me rembourser au plus vite."


@pytest.fixture(scope="module")
def desk(
    tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[tuple[TestClient, Path]]:
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user
    from insightdesk.text.pipeline import TextPipeline
    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes
    from tests.support.text_seed import seed_texts

    db = Path(tmp_path_factory.mktemp("languages")) / "languages.duckdb"
    shutil.copyfile(duckdb_template, db)
    with open_store(db) as store:
        seed_texts(store, extra_tickets=[FRENCH_TEXT])
        analyze_store(store, pipeline=TextPipeline.default("linear"))
        discover_store_themes(store, min_size=3)
        actor = Actor("cli:tests", "admin", "cli")
        create_user(store.engine, "viewer", "a-long-password", "viewer", actor=actor)
        token = create_token(store.engine, "viewer", actor=actor, name="t", days=1)["token"]
    client = TestClient(create_app(str(db), ServerSettings(warm_up=False)))
    client.headers["Authorization"] = f"Bearer {token}"
    with client:
        yield client, db


def _sql(c: TestClient, sql: str) -> list[tuple[Any, ...]]:
    """Straight from the store the app serves (its own connection: DuckDB allows one per file)."""
    import sqlalchemy as sa

    with c.app.state.insightdesk.engine.connect() as conn:  # type: ignore[attr-defined]
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_every_text_is_counted_by_language_and_no_model_means_not_scored(desk) -> None:
    c, _ = desk
    got = c.get("/api/v1/themes", params={"limit": 100})
    assert got.status_code == 200, got.text
    langs = {r["language"]: r for r in got.json()["languages"]}
    stored = dict(_sql(c, "select language, count(*) from text_analyses group by 1"))
    assert {k: r["texts"] for k, r in langs.items()} == stored
    assert {"en", "de", "fr", "unknown"} <= set(langs)
    assert sum(r["share"] for r in langs.values()) == pytest.approx(1.0)
    for code in ("de", "fr"):  # languages without a model: labelled, counted, never scored
        r = langs[code]
        assert r["name"] in ("German", "French") and r["has_model"] is False
        assert r["scored"] == 0 and r["unsupported"] == r["texts"] >= 1 and r["negative_share"] is None
        assert "not scored" in r["note"]
    assert langs["en"]["scored"] == langs["en"]["texts"] and langs["en"]["has_model"] is True
    assert langs["unknown"]["name"] == "not determined" and "English model" in langs["unknown"]["note"]


def test_theme_figures_follow_the_language_filter(desk) -> None:
    c, _ = desk
    everything = c.get("/api/v1/themes", params={"limit": 100}).json()
    assert everything["language"] is None and everything["total"] >= 2
    english = c.get("/api/v1/themes", params={"limit": 100, "language": "en"}).json()
    assert english["language"] == "en" and english["language_name"] == "English"
    per_theme = dict(
        _sql(
            c,
            "select theme_id, count(*) from text_analyses where language = 'en' and theme_id is not null group by 1",
        )
    )
    assert {t["theme_id"]: t["texts"] for t in english["themes"]} == {
        t["theme_id"]: per_theme.get(t["theme_id"], 0) for t in everything["themes"]
    }
    assert sum(w["n"] for w in english["trend"]) == sum(per_theme.values())
    # German texts are never themed with the English embedder: every theme counts none of them.
    german = c.get("/api/v1/themes", params={"limit": 100, "language": "de"}).json()
    assert german["total"] == everything["total"]
    assert all(t["texts"] == 0 and t["negative_share"] is None for t in german["themes"])
    assert german["trend"] == []
    bad = c.get("/api/v1/themes", params={"language": "en'; drop table themes"})
    assert bad.status_code == 422 and "language" in bad.text

    theme_id = everything["themes"][0]["theme_id"]
    whole = c.get(f"/api/v1/themes/{theme_id}").json()
    assert (
        sum(r["texts"] for r in whole["languages"])
        == _sql(c, f"select count(*) from text_analyses where theme_id = '{theme_id}'")[0][0]
    )
    only = c.get(f"/api/v1/themes/{theme_id}", params={"language": "en"}).json()
    n_en = _sql(
        c,
        f"select count(*) from text_analyses where theme_id = '{theme_id}' and language = 'en' "
        "and occurred_at is not null",
    )[0][0]
    assert only["language"] == "en" and only["texts"] == n_en == sum(w["texts"] for w in only["timeline"])
    assert only["languages"] == whole["languages"]  # the breakdown is always the whole theme's


def test_the_pages_show_the_breakdown_and_the_filter(desk) -> None:
    c, _ = desk
    html = {"accept": "text/html"}
    page = c.get("/themes", headers=html)
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="text-languages"' in text and 'data-language="de"' in text
    assert "no model" in text and 'name="language"' in text
    filtered = c.get("/themes", params={"language": "en"}, headers=html).text
    assert "count English texts only" in filtered and '<option value="en" selected>' in filtered
    theme_id = c.get("/api/v1/themes", params={"limit": 1}).json()["themes"][0]["theme_id"]
    one = c.get(f"/themes/{theme_id}", params={"language": "en"}, headers=html).text
    assert 'data-testid="language-note"' in one and "English texts only" in one
    assert 'data-testid="text-languages"' in one


def test_language_reads_run_alike_on_every_engine(store: Any) -> None:
    """The breakdown and the filtered theme reads in SQL that DuckDB and PostgreSQL both run."""
    import datetime as dt

    import sqlalchemy as sa

    from insightdesk.explore.text_languages import language_breakdown
    from insightdesk.explore.theme_catalog import search_themes, weekly_volumes
    from insightdesk.explore.theme_detail import theme_timeline
    from insightdesk.store.tables.text import text_analyses, themes

    now = dt.datetime(2026, 1, 5, 9, 0)
    rows = []
    for i, (lang, label, status) in enumerate(
        [("en", "negative", "ok")] * 3 + [("en", "positive", "ok"), ("unknown", "neutral", "language_unknown")]
        + [("de", None, "unsupported_language")] * 2
    ):  # fmt: skip
        rows.append(
            {"entity": "tickets", "record_id": f"r{i}", "field": "description", "text_sha256": "x",
             "redacted_text": f"text {i}", "language": lang, "sentiment_label": label,
             "sentiment_score": None if label is None else (-0.5 if label == "negative" else 0.5),
             "sentiment_status": status, "theme_id": "T0001" if lang != "de" else None,
             "occurred_at": now + dt.timedelta(days=7 * (i % 2)), "model_name": "test", "model_version": "1",
             "analysed_at": now}
        )  # fmt: skip
    with store.begin() as conn:
        conn.execute(sa.insert(text_analyses), rows)
        conn.execute(
            sa.insert(themes),
            [{"theme_id": "T0001", "label": "cards", "auto_label": "cards", "label_source": "auto",
              "keywords": "[]", "quotes": "[]", "status": "active", "size": 5, "created_at": now,
              "updated_at": now}],
        )  # fmt: skip
    found = {r["language"]: r for r in language_breakdown(store.engine)}
    assert [found[k]["texts"] for k in ("en", "de", "unknown")] == [4, 2, 1]
    assert found["de"]["unsupported"] == 2 and found["de"]["scored"] == 0
    assert found["en"]["negative_share"] == pytest.approx(0.75)
    assert sum(r["texts"] for r in language_breakdown(store.engine, "T0001")) == 5
    (theme,), _ = search_themes(store.engine, language="en")
    assert theme["texts"] == 4 and theme["negative_share"] == pytest.approx(0.75)
    (theme,), _ = search_themes(store.engine, language="de")
    assert theme["texts"] == 0
    assert sum(n for _, _, n in weekly_volumes(store.engine, ["T0001"], "unknown")) == 1
    assert sum(w["texts"] for w in theme_timeline(store.engine, "T0001", "en")) == 4
