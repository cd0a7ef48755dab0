"""Key drivers: what moves low CSAT, detractors or repeat contact, all else equal.

Roles: `stats` computes (regularised logistic regression, average marginal effects, bootstrap),
`service` reads the features, runs the analysis and persists it.
"""

from __future__ import annotations

from insightdesk.insights.drivers.service import DriversReport, key_drivers, load_drivers

__all__ = ["DriversReport", "key_drivers", "load_drivers"]
