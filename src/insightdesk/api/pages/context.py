"""What many pages share: the filter bar's context, links that keep the filters, drill-down targets
and paging."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request

from insightdesk.api.deps import app_state, require
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.options import data_range, filter_options
from insightdesk.governance.roles import Permission

AGG = Depends(require(Permission.AGGREGATES))
RECORDS = Depends(require(Permission.RECORDS))
PAGE = 50  # rows per page of a list
# compare dimension -> ticket-list filter it drills into
DRILL_PARAM = {
    "channel": "channel",
    "team": "team",
    "product": "product",
    "category": "category",
    "priority": "priority",
    "region": "region",
    "language": "language",
    "customer_tier": "tier",
}


def period_end(start: str, grain: str) -> str:
    """The first day after the period of `grain` that starts on `start` (an exclusive `until`)."""
    d = dt.date.fromisoformat(start[:10])
    if grain == "day":
        end = d + dt.timedelta(days=1)
    elif grain == "week":
        end = d + dt.timedelta(days=7)
    else:
        months = 1 if grain == "month" else 3
        y, m = divmod(d.month - 1 + months, 12)
        end = dt.date(d.year + y, m + 1, 1)
    return end.isoformat()


def qs(**params: Any) -> str:
    """A query string of the parameters that are set."""
    return urlencode({k: v for k, v in params.items() if v not in (None, "", False)})


def page_count(total: int) -> int:
    """How many pages of `PAGE` rows a list of `total` rows has (at least one)."""
    return max(1, -(-total // PAGE))


def filter_bar(request: Request, f: Filters) -> dict[str, Any]:
    """The filter bar's template context: the filters set, the values offered, the data's range."""
    state = app_state(request)
    return {
        "filters": f,
        "options": filter_options(state),
        "range": data_range(state),
        "min_n": state.setting("dashboard.min_n", region=f.region),  # the threshold in effect here
    }
