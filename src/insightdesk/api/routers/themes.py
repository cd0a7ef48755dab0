"""Themes: search, sort and page the registry, read one theme, and curate (rename, merge, split).

Reads need aggregates (quotes and tickets narrow to the caller's row scope); curation needs
insights.manage and is audited, as the CLI's `insightdesk themes rename|merge|split` are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.params import MAX_LIMIT, next_link
from insightdesk.api.schemas.themes import (
    ThemeDetail,
    ThemeEditResult,
    ThemeList,
    ThemeMerge,
    ThemeRename,
    ThemeSplit,
)
from insightdesk.api.views import theme_pages as views
from insightdesk.explore.text_languages import LANGUAGE_PATTERN
from insightdesk.explore.theme_catalog import DEFAULT_SORT, SORT_KEYS
from insightdesk.explore.theme_curation import ThemeError
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/themes",
    tags=["themes"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
CURATE = Depends(require(Permission.INSIGHTS))
SORT_HELP = f"One of {', '.join(SORT_KEYS)}; `-` first for descending."
LANGUAGE = Query(
    None,
    max_length=10,
    pattern=LANGUAGE_PATTERN,
    description="Count only texts the pipeline detected in this language (ISO 639-1 code, or `unknown`); "
    "`languages` in the answer lists those present.",
)


@router.get("", response_model=ThemeList)
def list_themes(
    request: Request,
    q: str | None = Query(None, max_length=200, description="Search theme id, label and keywords."),
    sort: str = Query(DEFAULT_SORT, max_length=40, description=SORT_HELP),
    limit: int = Query(25, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=1_000_000),
    language: str | None = LANGUAGE,
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Active themes matching `q`, sorted and paged, with weekly volumes and negative share (of one
    detected language's texts with `language`); every analysed text per language, with those no
    sentiment model reads counted apart; redacted quotes from the caller's row scope for roles with text."""
    try:
        found = views.theme_list(
            app_state(request), principal, q=q, sort=sort, limit=limit, offset=offset, language=language
        )
    except ValueError as exc:
        raise ApiError(422, "invalid_sort", str(exc)) from exc
    return {**found, "next": next_link(request, limit, offset, found["total"])}


@router.get("/{theme_id}", response_model=ThemeDetail, responses={404: {"model": ErrorResponse}})
def get_theme(
    theme_id: str, request: Request, language: str | None = LANGUAGE, principal: Principal = AGG
) -> dict[str, Any]:
    """One theme: volume and sentiment per week (of one detected language's texts with `language`),
    its texts per language, its tickets' KPIs against the rest (with intervals and tests), history,
    related pain points, and quotes and tickets within the caller's scope."""
    return _answer(lambda: views.theme_detail(app_state(request), principal, theme_id, language))


@router.post("/{theme_id}/rename", response_model=ThemeEditResult, responses={404: {"model": ErrorResponse}})
def rename(
    theme_id: str, body: ThemeRename, request: Request, principal: Principal = CURATE
) -> dict[str, Any]:
    """Give a theme a person's label (kept across refits); audited."""
    return _answer(
        lambda: views.rename(app_state(request), principal, client_ip(request), theme_id, body.label)
    )


@router.post("/{theme_id}/merge", response_model=ThemeEditResult, responses={404: {"model": ErrorResponse}})
def merge(theme_id: str, body: ThemeMerge, request: Request, principal: Principal = CURATE) -> dict[str, Any]:
    """Fold this theme into `into`: its texts move, it becomes `merged`; audited."""
    return _answer(
        lambda: views.merge(app_state(request), principal, client_ip(request), theme_id, body.into)
    )


@router.post("/{theme_id}/split", response_model=ThemeEditResult, responses={404: {"model": ErrorResponse}})
def split(theme_id: str, body: ThemeSplit, request: Request, principal: Principal = CURATE) -> dict[str, Any]:
    """Re-cluster this theme's texts into `parts` new themes; it becomes `split`; audited."""
    return _answer(
        lambda: views.split(app_state(request), principal, client_ip(request), theme_id, body.parts)
    )


def _answer(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return fn()
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except ThemeError as exc:
        raise ApiError(422, "invalid_theme_edit", str(exc)) from exc
