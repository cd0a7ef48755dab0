"""Themes and pain points: the theme registry with volumes, and where customers hurt most."""

from __future__ import annotations

import json
from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views.access import cached, jsonable
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import comparison
from insightdesk.explore import active_themes, theme_quotes, theme_sentiment, theme_weekly_volumes
from insightdesk.governance.records import scope_key
from insightdesk.governance.roles import Permission, Principal
from insightdesk.store.serving import has_rows

THEMES_HINT = "run `insightdesk text analyze` and then `insightdesk themes discover`"


def _has_rows(state: AppState, table: str) -> bool:
    return cached(state, ("has_rows", table), lambda: has_rows(state.engine, table))


def themes(state: AppState, principal: Principal | None) -> dict[str, Any]:
    """The theme registry with weekly volumes, or a plain 'not computed yet' with the command to run.

    Sizes and volumes are desk-wide aggregates; the quotes are texts, so each caller gets those of
    its row scope (`explore.theme_quotes`), and none without a principal or redacted text.
    """
    if not _has_rows(state, "themes"):
        return {
            "computed": False,
            "message": f"Themes not computed yet: {THEMES_HINT}.",
            "themes": [],
            "trend": [],
        }
    result: dict[str, Any] = cached(state, ("themes",), lambda: _themes(state))
    stored = {t["theme_id"]: t["quotes"] for t in result["themes"]}
    if principal is None:
        quotes: dict[str, list[str]] = {}
    else:
        quotes = cached(
            state,
            ("theme_quotes", principal.can(Permission.TEXT_REDACTED), *scope_key(principal)),
            lambda: theme_quotes(state.engine, principal, stored),
        )
    return {**result, "themes": [{**t, "quotes": quotes.get(t["theme_id"], [])} for t in result["themes"]]}


def _themes(state: AppState) -> dict[str, Any]:
    found = active_themes(state.engine)
    sentiment: dict[str, dict[str, Any]] = {}
    trend: list[dict[str, Any]] = []
    if _has_rows(state, "text_analyses"):
        sentiment = theme_sentiment(state.engine)
        trend = [
            {"theme_id": theme_id, "week": jsonable(week), "n": n}
            for theme_id, week, n in theme_weekly_volumes(state.engine)
        ]
    items = []
    for r in found:
        s = sentiment.get(r["theme_id"], {})
        n = int(s.get("n") or 0)
        items.append(
            {
                "theme_id": r["theme_id"],
                "label": r["label"],
                "keywords": json.loads(r["keywords"]) if r["keywords"] else [],
                "quotes": json.loads(r["quotes"]) if r["quotes"] else [],
                "size": r["size"],
                "texts": n,
                "negative_share": (int(s.get("negative") or 0) / n) if n else None,
            }
        )
    return {"computed": True, "message": None, "themes": items, "trend": trend}


def pain_points(state: AppState, f: Filters) -> dict[str, Any]:
    """Where customers hurt most: negative themes when text analytics ran, else categories whose CSAT
    is significantly below the rest (segment-vs-rest test, Holm-adjusted)."""
    t = themes(state, None)
    if t["computed"] and any(x["negative_share"] is not None for x in t["themes"]):
        ranked = sorted(
            (x for x in t["themes"] if x["negative_share"] is not None),
            key=lambda x: -(x["negative_share"] * x["texts"]),
        )
        return {
            "source": "themes",
            "message": None,
            "items": [
                {
                    "label": x["label"],
                    "theme_id": x["theme_id"],
                    "n": x["texts"],
                    "negative_share": x["negative_share"],
                }
                for x in ranked[:15]
            ],
        }
    cmp = comparison(state, "csat", f, by=("category",), against="rest")
    items = [
        {
            "label": r["category"],
            "category": r["category"],
            "n": r["n"],
            "value": r["value"],
            "reference": r["reference"],
            "difference": r["difference"],
            "p_adjusted": r["p_adjusted"],
        }
        for r in cmp
        if r.get("significant") and (r.get("difference") or 0) < 0 and r.get("category") is not None
    ]
    items.sort(key=lambda r: r["difference"] * r["n"])
    return {
        "source": "csat_by_category",
        "message": f"Ranked from CSAT by ticket category: themes not computed yet ({THEMES_HINT}).",
        "items": items[:15],
    }
