"""The dashboard's pages: server-rendered HTML whose charts the browser draws from embedded JSON.

One router per area, in the order the navigation lists them; `rendering` holds the templates and
`context` what many pages share (the filter bar, links that keep the filters, paging).
"""

from __future__ import annotations

from insightdesk.api.pages import actions as action_pages
from insightdesk.api.pages import admin, aggregates, identity, insights, login, records, surveys, themes
from insightdesk.api.pages import cases as case_pages
from insightdesk.api.pages import loop_control as loop_control_pages
from insightdesk.api.pages import privacy as privacy_pages
from insightdesk.api.pages import quality as quality_pages
from insightdesk.api.pages import sources as source_pages
from insightdesk.api.pages import workforce as workforce_pages

ROUTERS = (
    login.router,
    aggregates.router,
    records.router,
    themes.router,
    insights.router,
    surveys.router,
    identity.router,
    action_pages.router,
    loop_control_pages.router,
    case_pages.router,
    workforce_pages.router,
    quality_pages.router,
    source_pages.router,
    privacy_pages.router,
    admin.router,
)

__all__ = ["ROUTERS"]
