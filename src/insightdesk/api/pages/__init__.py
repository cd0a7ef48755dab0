"""The dashboard's pages: server-rendered HTML whose charts the browser draws from embedded JSON.

One router per area, in the order the navigation lists them; `rendering` holds the templates and
`context` what many pages share (the filter bar, links that keep the filters, paging).
"""

from __future__ import annotations

from insightdesk.api.pages import admin, aggregates, identity, insights, login, records, surveys, themes

ROUTERS = (
    login.router,
    aggregates.router,
    records.router,
    themes.router,
    insights.router,
    surveys.router,
    identity.router,
    admin.router,
)

__all__ = ["ROUTERS"]
