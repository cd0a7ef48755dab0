"""Themes through the API and the pages: search, sort and paging, one theme's page (volumes,
KPIs against the rest from the metrics engine, quotes and tickets in scope), and curation
(rename, merge, split) for the roles allowed to curate, audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.store import open_store
from tests.support.web_server import LiveServer


def _get(server: LiveServer, role: str, path: str, **params: Any) -> Any:
    with server.client(role) as c:
        r = c.get(path, params=params)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_the_list_searches_sorts_and_pages(insights_server: LiveServer) -> None:
    everything = _get(insights_server, "viewer", "/api/v1/themes", limit=500)
    assert everything["computed"] is True and everything["total"] == len(everything["themes"]) >= 5
    texts = [t["texts"] for t in everything["themes"]]
    assert texts == sorted(texts, reverse=True)  # default: most texts first
    # Pages of 3 follow each other without overlap, with a link to the next one.
    first = _get(insights_server, "viewer", "/api/v1/themes", limit=3)
    second = _get(insights_server, "viewer", "/api/v1/themes", limit=3, offset=3)
    assert [t["theme_id"] for t in first["themes"] + second["themes"]] == [
        t["theme_id"] for t in everything["themes"][:6]
    ]
    assert first["next"] and "offset=3" in first["next"] and first["total"] == everything["total"]
    # Search: any case, in the label and the keywords; the total counts the matches only.
    word = everything["themes"][0]["keywords"][0]
    found = _get(insights_server, "viewer", "/api/v1/themes", q=word.upper(), limit=500)
    assert 1 <= found["total"] < everything["total"]
    assert all(
        word in (t["label"] or "").lower() or any(word in k for k in t["keywords"]) for t in found["themes"]
    )
    assert _get(insights_server, "viewer", "/api/v1/themes", q="%_no such theme")["total"] == 0
    by_negative = _get(insights_server, "viewer", "/api/v1/themes", sort="-negative_share", limit=500)
    shares = [t["negative_share"] for t in by_negative["themes"] if t["negative_share"] is not None]
    assert shares == sorted(shares, reverse=True)
    by_label = _get(insights_server, "viewer", "/api/v1/themes", sort="label", limit=500)
    labels = [t["label"].lower() for t in by_label["themes"]]
    assert labels == sorted(labels)
    with insights_server.client("viewer") as c:
        bad = c.get("/api/v1/themes", params={"sort": "size; drop table themes"})
    assert bad.status_code == 422 and "use one of" in bad.json()["error"]["message"]
    # The page: a search box, sortable headers, a pager; a theme links to its page.
    with insights_server.client("viewer") as c:
        page = c.get("/themes", params={"q": word, "sort": "label"}, headers={"accept": "text/html"}).text
    assert f'value="{word}"' in page and 'aria-sort="ascending"' in page
    assert f"/themes/{found['themes'][0]['theme_id']}" in page


def test_a_theme_page_has_volumes_kpis_against_the_rest_and_scoped_records(
    insights_server: LiveServer,
) -> None:
    from insightdesk.metrics import compute

    top = _get(insights_server, "admin", "/api/v1/themes", limit=1)["themes"][0]
    tid = top["theme_id"]
    d = _get(insights_server, "admin", f"/api/v1/themes/{tid}")
    assert d["theme"]["theme_id"] == tid and d["texts"] == top["texts"]
    assert sum(w["texts"] for w in d["timeline"]) == d["texts"] and len(d["timeline"]) >= 3
    assert all(0 <= (w["negative_share"] or 0) <= 1 for w in d["timeline"])
    assert d["history"][0]["event"] in ("created", "continued", "renamed")
    assert d["quotes"] and d["scoped_tickets"]["total"] == d["tickets"] > 0
    # Its tickets' KPIs against all other tickets, as the metrics engine computes them.
    kpis = {k["kpi"]: k for k in d["kpis"]}
    assert {"csat", "fcr"} <= set(kpis)
    for k in kpis.values():
        assert k["ci_low"] <= k["value"] <= k["ci_high"] and k["n"] > 0 and k["n_reference"] > 0
        assert k["difference"] == pytest.approx(k["value"] - k["reference"])
        assert k["p_value"] <= k["p_adjusted"] <= 1 and k["test"]
    ids: list[str] = []
    with insights_server.client("admin") as c:  # the top theme of the sample's tickets holds over 500
        while len(ids) < d["tickets"]:
            page = c.get("/api/v1/tickets", params={"theme": tid, "limit": 500, "offset": len(ids)}).json()
            if not page["items"]:
                break
            ids += [t["id"] for t in page["items"]]
    assert len(ids) == d["tickets"]
    with open_store(insights_server.snapshot) as store:
        csat = compute("csat", store=store, where=lambda t: t.ticket_id.isin(ids), min_n=30)
    assert kpis["csat"]["value"] == pytest.approx(float(csat["value"].iloc[0]))
    assert kpis["csat"]["n"] == int(csat["n"].iloc[0])

    # A viewer reads the aggregates, never a quote or a ticket; a team lead only its own tickets.
    seen = _get(insights_server, "viewer", f"/api/v1/themes/{tid}")
    assert seen["quotes"] == [] and seen["scoped_tickets"] is None and seen["kpis"] == d["kpis"]
    lead = _get(insights_server, "team_lead", f"/api/v1/themes/{tid}")["scoped_tickets"]
    assert lead["total"] < d["tickets"]
    assert {t["team"] for t in lead["items"]} <= {insights_server.scope["team_name"]}
    with insights_server.client("admin") as c:
        missing = c.get("/api/v1/themes/T9999")
        page = c.get(f"/themes/{tid}", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "no theme 'T9999'" in missing.json()["error"]["message"]
    assert page.status_code == 200 and 'data-testid="theme-kpis"' in page.text
    assert f'href="/tickets?theme={tid}"' in page.text and 'name="csrf_token"' in page.text


# ---- curation, on a small store of its own (the shared servers' themes stay as they are) ----------


def _seed_themes(store: Any) -> list[str]:
    """Three themes of six ticket texts each, written as analysis and discovery would leave them
    (no model run: the edits are under test, not the models); returns the theme ids."""
    import datetime as dt

    import numpy as np
    import sqlalchemy as sa

    from insightdesk.store.tables.text import text_analyses, themes
    from tests.support.text_seed import seed_texts

    groups = seed_texts(store)
    now = dt.datetime(2026, 1, 5, 9, 0)
    rng = np.random.default_rng(0)
    analyses, registry = [], []
    for k, (name, ticket_ids) in enumerate(groups.items()):
        theme_id = f"T{k + 1:04d}"
        for i, tid in enumerate(ticket_ids):
            analyses.append(
                {"entity": "tickets", "record_id": tid, "field": "description", "text_sha256": "x",
                 "redacted_text": f"{name} text {i}", "sentiment_label": "negative" if i % 2 else "neutral",
                 "sentiment_score": -0.5 if i % 2 else 0.0, "theme_id": theme_id, "ticket_id": tid,
                 "occurred_at": now + dt.timedelta(days=7 * i), "model_name": "test", "model_version": "1",
                 "analysed_at": now}
            )  # fmt: skip
        centroid = rng.normal(size=8)
        registry.append(
            {"theme_id": theme_id, "label": f"{name} trouble", "auto_label": f"{name} trouble",
             "label_source": "auto", "keywords": json.dumps([name]), "quotes": json.dumps([f"{name} text 0"]),
             "status": "active", "size": len(ticket_ids), "radius": 0.5,
             "centroid": json.dumps((centroid / np.linalg.norm(centroid)).round(5).tolist()),
             "created_at": now, "updated_at": now}
        )  # fmt: skip
    with store.begin() as conn:
        conn.execute(sa.insert(text_analyses), analyses)
        conn.execute(sa.insert(themes), registry)
    return [str(r["theme_id"]) for r in registry]


@pytest.fixture(scope="module")
def curated(
    tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[tuple[TestClient, dict[str, str], list[str]]]:
    import shutil

    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user

    db = Path(tmp_path_factory.mktemp("curation")) / "themes.duckdb"
    shutil.copyfile(duckdb_template, db)  # migrated once per session
    actor = Actor("cli:tests", "admin", "cli")
    with open_store(db) as store:
        ids = _seed_themes(store)
        tokens = {}
        for role in ("analyst", "viewer"):
            create_user(store.engine, role, "a-long-password", role, actor=actor)
            tokens[role] = create_token(store.engine, role, actor=actor, name="t", days=1)["token"]
    client = TestClient(create_app(str(db), ServerSettings(warm_up=False)))
    with client:
        yield client, {r: f"Bearer {t}" for r, t in tokens.items()}, ids


def test_curators_rename_merge_and_split_and_every_edit_is_audited(
    curated: tuple[TestClient, dict[str, str], list[str]],
) -> None:
    c, auth, ids = curated
    analyst, viewer = {"Authorization": auth["analyst"]}, {"Authorization": auth["viewer"]}
    assert len(ids) == 3
    a, b, target = ids
    denied = c.post(f"/api/v1/themes/{a}/rename", json={"label": "Nope"}, headers=viewer)
    assert denied.status_code == 403
    r = c.post(f"/api/v1/themes/{a}/rename", json={"label": "  Double   charges "}, headers=analyst)
    assert r.status_code == 200 and r.json()["label"] == "Double charges"
    shown = c.get(f"/api/v1/themes/{a}", headers=viewer).json()
    assert shown["theme"]["label"] == "Double charges" and shown["theme"]["label_source"] == "user"
    assert c.get("/api/v1/themes", params={"q": "double"}, headers=viewer).json()["total"] == 1
    assert c.post(f"/api/v1/themes/{a}/merge", json={"into": a}, headers=analyst).status_code == 422
    assert c.post("/api/v1/themes/T9999/split", json={"parts": 2}, headers=analyst).status_code == 404

    texts = {t["theme_id"]: t["texts"] for t in c.get("/api/v1/themes", headers=viewer).json()["themes"]}
    merged = c.post(f"/api/v1/themes/{b}/merge", json={"into": target}, headers=analyst).json()
    assert merged["themes"] == [target] and merged["texts_moved"] == texts[b]
    gone = c.get(f"/api/v1/themes/{b}", headers=viewer).json()["theme"]
    assert gone["status"] == "merged" and gone["merged_into"] == target
    assert c.get(f"/api/v1/themes/{target}", headers=viewer).json()["texts"] == texts[b] + texts[target]

    # The page's form: back to the theme's page with what happened (a bearer token needs no CSRF token).
    form = c.post(f"/themes/{target}/split", data={"parts": "2"}, headers=analyst, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == f"/themes/{target}?done=split"
    page = c.get(form.headers["location"], headers={**analyst, "accept": "text/html"}).text
    assert "Split: the texts now belong to the new themes" in page and "This theme is split" in page
    parts = c.get(f"/api/v1/themes/{target}", headers=viewer).json()["related_themes"]
    assert len(parts) == 3 and {p["status"] for p in parts} == {"active", "merged"}
    # A refused edit says why on the page, with the form's status.
    refused = c.post(f"/themes/{target}/merge", data={"into": a}, headers={**analyst, "accept": "text/html"})
    assert refused.status_code == 422 and "not active" in refused.text

    from insightdesk.governance import audit

    rows, _ = audit.query(c.app.state.insightdesk.engine, actor="analyst", limit=None)  # type: ignore[attr-defined]
    done = [(r["action"], json.loads(r["record_ids"])[0]) for r in rows if r["action"].startswith("theme.")]
    assert sorted(done) == sorted([("theme.rename", a), ("theme.merge", b), ("theme.split", target)])


def test_theme_reads_answer_alike_on_every_engine(store: Any) -> None:
    """The list's search, sort and paging and a theme's timeline in SQL that DuckDB and PostgreSQL
    both run (LIKE escapes, date_trunc grouping, NULLs last)."""
    from insightdesk.explore.theme_catalog import search_themes
    from insightdesk.explore.theme_detail import theme_ticket_ids, theme_timeline

    ids = _seed_themes(store)
    rows, total = search_themes(store.engine, q="LOGIN", sort="-negative_share", limit=10)
    assert total == 1 and rows[0]["label"] == "login trouble" and rows[0]["texts"] == 6
    assert rows[0]["negative_share"] == pytest.approx(0.5)
    assert search_themes(store.engine, q="50%_", limit=10) == ([], 0)
    page, total = search_themes(store.engine, sort="label", limit=2, offset=1)
    assert total == 3 and [r["label"] for r in page] == ["delivery trouble", "login trouble"]
    weeks = theme_timeline(store.engine, ids[0])
    assert len(weeks) == 6 and sum(w["texts"] for w in weeks) == 6
    assert len(theme_ticket_ids(store.engine, ids[0])) == 6
