"""What the pages and the REST API show, shaped as JSON-safe dicts and cached per data version.

No arithmetic and no SQL here: KPI values, intervals and tests come from `insightdesk.metrics`,
stored insight results from `insightdesk.insights`, other reads from `insightdesk.explore`.
One module per view family: `kpis` (cells, series, comparisons), `overview` (tiles), `kpi_alerts`,
`options` (the filter bar), `themes`, `insights` (stored insight results), `warm_up`.
"""
