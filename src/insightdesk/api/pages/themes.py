"""Theme pages: the searchable, sorted, paged list, one theme's page, and its curation forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.context import AGG, filter_bar, qs
from insightdesk.api.pages.rendering import render
from insightdesk.api.params import filters
from insightdesk.api.views import theme_pages as views
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.themes import pain_points
from insightdesk.explore.text_languages import LANGUAGE_PATTERN
from insightdesk.explore.theme_catalog import DEFAULT_SORT
from insightdesk.explore.theme_curation import MAX_SPLIT_PARTS, ThemeError
from insightdesk.governance.roles import Permission, Principal
from insightdesk.web import charts, theme_charts

router = APIRouter(include_in_schema=False)
CURATE = Depends(require(Permission.INSIGHTS))
PER_PAGE = 25
# Column headers the list sorts by: (sort key, header, descending first)
COLUMNS = (
    ("label", "theme", False),
    ("texts", "texts", True),
    ("negative_share", "negative share", True),
    ("sentiment", "mean sentiment (-1 to 1)", False),
)
SORT_OPTIONS = (
    ("-texts", "most texts first"),
    ("texts", "fewest texts first"),
    ("-negative_share", "highest negative share first"),
    ("negative_share", "lowest negative share first"),
    ("sentiment", "lowest mean sentiment first"),
    ("-sentiment", "highest mean sentiment first"),
    ("label", "label, A to Z"),
    ("-label", "label, Z to A"),
    ("-updated_at", "recently changed first"),
)
DONE = {
    "rename": "Renamed: the new label is kept when themes are discovered again.",
    "merge": "Merged: the texts of the other theme now belong to this one.",
    "split": "Split: the texts now belong to the new themes listed under 'Related themes'.",
}


@router.get("/themes", response_class=HTMLResponse)
def themes_page(
    request: Request,
    q: str | None = Query(None, max_length=200),
    sort: str = Query(DEFAULT_SORT, max_length=40),
    page: int = Query(1, ge=1, le=100_000),
    language: str | None = Query(None, max_length=10, pattern=LANGUAGE_PATTERN),
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    state = app_state(request)
    try:
        data = views.theme_list(
            state,
            principal,
            q=q,
            sort=sort,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
            language=language,
        )
    except ValueError as exc:
        raise ApiError(422, "invalid_sort", str(exc)) from exc
    headers = []
    for key, title, descending_first in COLUMNS:
        first = f"-{key}" if descending_first else key
        current = sort.lstrip("-") == key
        target = (key if sort.startswith("-") else f"-{key}") if current else first
        headers.append(
            {
                "title": title,
                "href": "?" + qs(q=q, sort=target, language=language),
                "aria_sort": ("descending" if sort.startswith("-") else "ascending") if current else None,
            }
        )
    spec = None
    if data["trend"]:
        labels = {t["theme_id"]: t["label"] or t["theme_id"] for t in data["themes"][:8]}
        spec = charts.theme_trend(data["trend"], labels)
    return render(
        request,
        "themes.html",
        data=data,
        spec=spec,
        q=q or "",
        sort=sort,
        headers=headers,
        sort_options=SORT_OPTIONS,
        page=page,
        pages=max(1, -(-data["total"] // PER_PAGE)),
        total=data["total"],
        qs=qs(q=q, sort=sort if sort != DEFAULT_SORT else None, language=language),
        language=language or "",
        pains=pain_points(state, f),
        **filter_bar(request, f),
    )


def _theme_page(
    request: Request,
    theme_id: str,
    principal: Principal,
    *,
    message: str | None = None,
    error: str | None = None,
    language: str | None = None,
) -> Response:
    try:
        d = views.theme_detail(app_state(request), principal, theme_id, language)
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    label = d["theme"]["label"] or theme_id
    # The chart says which texts it counts when a language is chosen.
    shown = f"{label}, {d['language_name']} texts" if d["language"] else label
    return render(
        request,
        "theme.html",
        status_code=422 if error else 200,
        d=d,
        label=label,
        spec=theme_charts.timeline(d["timeline"], shown) if d["timeline"] else None,
        summary=theme_charts.timeline_summary(d["timeline"], shown),
        can_curate=principal.can(Permission.INSIGHTS) and d["theme"]["status"] == "active",
        max_parts=MAX_SPLIT_PARTS,
        message=message,
        error=error,
    )


@router.get("/themes/{theme_id}", response_class=HTMLResponse)
def theme_page(
    theme_id: str,
    request: Request,
    done: str | None = Query(None, max_length=20),
    language: str | None = Query(None, max_length=10, pattern=LANGUAGE_PATTERN),
    principal: Principal = AGG,
) -> Response:
    return _theme_page(request, theme_id, principal, message=DONE.get(done or ""), language=language)


def _curate(
    request: Request, theme_id: str, principal: Principal, edit: Any, done: str, goto: str
) -> Response:
    """Run a curation form's edit; back to the theme's page with what happened, or why not."""
    try:
        edit()
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except ThemeError as exc:
        return _theme_page(request, theme_id, principal, error=str(exc))
    return RedirectResponse(f"/themes/{quote(goto, safe='')}?done={done}", status_code=303)


@router.post("/themes/{theme_id}/rename", response_class=HTMLResponse)
def rename_submit(
    theme_id: str, request: Request, label: str = Form(..., max_length=200), principal: Principal = CURATE
) -> Response:
    state, ip = app_state(request), client_ip(request)
    return _curate(
        request,
        theme_id,
        principal,
        lambda: views.rename(state, principal, ip, theme_id, label),
        "rename",
        theme_id,
    )


@router.post("/themes/{theme_id}/merge", response_class=HTMLResponse)
def merge_submit(
    theme_id: str, request: Request, into: str = Form(..., max_length=100), principal: Principal = CURATE
) -> Response:
    state, ip, into = app_state(request), client_ip(request), into.strip()
    return _curate(
        request, theme_id, principal, lambda: views.merge(state, principal, ip, theme_id, into), "merge", into
    )


@router.post("/themes/{theme_id}/split", response_class=HTMLResponse)
def split_submit(
    theme_id: str,
    request: Request,
    parts: int = Form(2, ge=2, le=MAX_SPLIT_PARTS),
    principal: Principal = CURATE,
) -> Response:
    state, ip = app_state(request), client_ip(request)
    return _curate(
        request,
        theme_id,
        principal,
        lambda: views.split(state, principal, ip, theme_id, parts),
        "split",
        theme_id,
    )
