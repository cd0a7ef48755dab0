"""Themes as the list page, the detail page and the REST API show them, and their curation.

Volumes, sentiment and KPIs are desk-wide aggregates (every role that reads aggregates); quotes
and tickets are records, so they pass the caller's row scope (`explore.theme_quotes`,
`governance.records.list_tickets`). Reads are cached until the data or the registry changes;
an edit made here drops the cache at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from insightdesk.api.state import AppState
from insightdesk.api.views import insights as insight_views
from insightdesk.api.views.access import cached, jsonable
from insightdesk.api.views.themes import THEMES_HINT
from insightdesk.explore import theme_curation as curation
from insightdesk.explore import theme_quotes
from insightdesk.explore.text_languages import language_breakdown, language_name
from insightdesk.explore.theme_catalog import search_themes, weekly_volumes
from insightdesk.explore.theme_detail import (
    theme_history,
    theme_kpis,
    theme_record,
    theme_ticket_ids,
    theme_timeline,
)
from insightdesk.governance import Actor, records
from insightdesk.governance.records import scope_key
from insightdesk.governance.roles import Permission, Principal
from insightdesk.store.serving import has_rows

T = TypeVar("T")
TICKETS_SHOWN = 10  # newest tickets listed on a theme's page; the rest through /tickets?theme=
QUOTES_SHOWN = 5


class NotFound(LookupError):
    """No such theme; the message names it."""


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in row.items()}


def _computed(state: AppState) -> bool:
    return bool(cached(state, ("has_rows", "themes"), lambda: has_rows(state.engine, "themes")))


def _quotes(
    state: AppState, principal: Principal | None, stored: dict[str, list[str]], n: int
) -> dict[str, Any]:
    if principal is None or not stored:
        return {t: [] for t in stored}
    key = (
        "theme_quotes",
        tuple(sorted(stored)),
        n,
        principal.can(Permission.TEXT_REDACTED),
        *scope_key(principal),
    )
    return cached(state, key, lambda: theme_quotes(state.engine, principal, stored, n))


def languages(state: AppState, theme_id: str | None = None) -> list[dict[str, Any]]:
    """Analysed texts per detected language (all, or one theme's), with what sentiment did with them."""
    return [
        _plain(r)
        for r in cached(
            state, ("text_languages", theme_id), lambda: language_breakdown(state.engine, theme_id)
        )
    ]


def theme_list(
    state: AppState,
    principal: Principal | None,
    *,
    q: str | None,
    sort: str,
    limit: int,
    offset: int,
    language: str | None = None,
) -> dict[str, Any]:
    """A page of active themes matching `q`, sorted; their weekly volumes; quotes in the caller's scope.
    With `language`, texts, sentiment and volumes count that detected language's texts only.

    Raises ValueError for an unknown sort key.
    """
    base: dict[str, Any] = {
        "q": q or None,
        "sort": sort,
        "limit": limit,
        "offset": offset,
        "language": language or None,
        "language_name": language_name(language) if language else None,
    }
    if not _computed(state):
        message = f"Themes not computed yet: {THEMES_HINT}."
        return {
            "computed": False,
            "message": message,
            **base,
            "total": 0,
            "themes": [],
            "trend": [],
            "languages": languages(state) if _analysed(state) else [],
        }

    def read() -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        found, total = search_themes(
            state.engine, q=q, sort=sort, limit=limit, offset=offset, language=language
        )
        weeks = weekly_volumes(state.engine, [r["theme_id"] for r in found], language)
        trend = [{"theme_id": t, "week": jsonable(w), "n": n} for t, w, n in weeks]
        return found, total, trend

    found, total, trend = cached(state, ("theme_list", q, sort, limit, offset, language), read)
    stored = {r["theme_id"]: json.loads(r["quotes"]) if r["quotes"] else [] for r in found}
    quotes = _quotes(state, principal, stored, 3)
    items = [
        {
            "theme_id": r["theme_id"],
            "label": r["label"],
            "keywords": json.loads(r["keywords"]) if r["keywords"] else [],
            "quotes": quotes.get(r["theme_id"], []),
            "size": r["size"],
            "texts": int(r["texts"]),
            "negative_share": jsonable(r["negative_share"]),
            "sentiment": jsonable(r["sentiment"]),
            "updated_at": jsonable(r["updated_at"]),
        }
        for r in found
    ]
    return {
        "computed": True,
        "message": None,
        **base,
        "total": total,
        "themes": items,
        "trend": trend,
        "languages": languages(state),
    }


def _analysed(state: AppState) -> bool:
    return bool(cached(state, ("has_rows", "text_analyses"), lambda: has_rows(state.engine, "text_analyses")))


def _aggregates(state: AppState, theme_id: str, language: str | None = None) -> dict[str, Any]:
    """What every role sees of a theme: registry entry, timeline (of one detected language's texts,
    or all), history, ticket count, KPIs."""
    record = theme_record(state.engine, theme_id)
    if record is None:
        raise NotFound(f"no theme {theme_id!r}: GET /api/v1/themes lists them")
    timeline = []
    for w in theme_timeline(state.engine, theme_id, language):
        scored = int(w["scored"] or 0)
        timeline.append(
            {
                "week": jsonable(w["week"]),
                "texts": int(w["texts"]),
                "negative": int(w["negative"] or 0),
                "negative_share": int(w["negative"] or 0) / scored if scored else None,
                "sentiment": jsonable(w["sentiment"]),
            }
        )
    ids = theme_ticket_ids(state.engine, theme_id)
    with state.metrics_lock:  # the metrics engine: one thread at a time
        kpis = [_plain(r) for r in theme_kpis(state.store, ids, min_n=state.setting("dashboard.min_n"))]
    texts = sum(w["texts"] for w in timeline)
    negative = sum(w["negative"] for w in timeline)
    stored_quotes = record.pop("quotes")
    return {
        "theme": _plain({k: v for k, v in record.items() if k != "related_themes"}),
        "related_themes": record["related_themes"],
        "texts": texts,
        "negative_share": negative / texts if texts else None,
        "tickets": len(ids),
        "timeline": timeline,
        "kpis": kpis,
        "history": [_plain(e) for e in theme_history(state.engine, theme_id)],
        "language": language or None,
        "language_name": language_name(language) if language else None,
        "languages": languages(state, theme_id),
        "_stored_quotes": stored_quotes,
    }


def theme_detail(
    state: AppState, principal: Principal, theme_id: str, language: str | None = None
) -> dict[str, Any]:
    """One theme: aggregates for every role (texts and sentiment of one detected language with
    `language`), quotes and tickets within the caller's scope, and the pain points of the latest
    ranking built on it. Raises NotFound."""
    agg = dict(
        cached(state, ("theme_detail", theme_id, language), lambda: _aggregates(state, theme_id, language))
    )
    stored = agg.pop("_stored_quotes")
    quotes = _quotes(state, principal, {theme_id: stored}, QUOTES_SHOWN).get(theme_id, [])
    ranked = insight_views.painpoints(state, status=None, kind=None, critical_only=False, limit=500)
    pains = [
        {
            k: p.get(k)
            for k in ("painpoint_key", "label", "kind", "rank", "score", "critical", "tickets", "status")
        }
        for p in ranked.get("items", [])
        if p.get("theme_id") == theme_id
    ]
    scoped: dict[str, Any] | None = None
    if principal.can(Permission.RECORDS):
        where = records.Where(theme=theme_id)
        items, total = records.list_tickets(state.engine, principal, where, limit=TICKETS_SHOWN)
        scoped = {"total": total, "items": [_plain(i) for i in items]}
    return {
        **agg,
        "quotes": quotes if principal.can(Permission.TEXT_REDACTED) else [],
        "painpoints": pains,
        "scoped_tickets": scoped,
    }


# --- curation ------------------------------------------------------------------------------------


def _edit(state: AppState, theme_id: str, fn: Callable[[], T]) -> T:
    """Run one edit of `theme_id` (NotFound when there is no such theme; the edit's own refusals
    raise curation.ThemeError)."""
    if theme_record(state.engine, theme_id) is None:
        raise NotFound(f"no theme {theme_id!r}: GET /api/v1/themes lists them")
    # One writer, on the store's own connection (as the metrics engine uses it); then every cached
    # read is stale: labels, sizes and quotes all move.
    with state.write_lock, state.metrics_lock:
        try:
            return fn()
        finally:
            state.cache.clear()


def actor_of(principal: Principal, ip: str | None) -> Actor:
    return Actor(principal.username, principal.role.value, ip)


def rename(
    state: AppState, principal: Principal, ip: str | None, theme_id: str, label: str
) -> dict[str, Any]:
    stored = _edit(
        state, theme_id, lambda: curation.rename_theme(state.store, theme_id, label, actor_of(principal, ip))
    )
    return {
        "action": "rename",
        "theme_id": theme_id,
        "label": stored,
        "themes": [theme_id],
        "texts_moved": None,
    }


def merge(state: AppState, principal: Principal, ip: str | None, theme_id: str, into: str) -> dict[str, Any]:
    moved = _edit(
        state, theme_id, lambda: curation.merge_themes(state.store, theme_id, into, actor_of(principal, ip))
    )
    return {"action": "merge", "theme_id": theme_id, "label": None, "themes": [into], "texts_moved": moved}


def split(state: AppState, principal: Principal, ip: str | None, theme_id: str, parts: int) -> dict[str, Any]:
    new_ids = _edit(
        state, theme_id, lambda: curation.split_theme(state.store, theme_id, parts, actor_of(principal, ip))
    )
    return {"action": "split", "theme_id": theme_id, "label": None, "themes": new_ids, "texts_moved": None}
