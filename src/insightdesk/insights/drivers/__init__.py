"""Key drivers: what moves low CSAT, detractors or repeat contact, all else equal.

Roles, as in every insight feature:
- computation (pure, on the feature frame): `design` (model matrix), `effects` (regularised logistic
  fit, average marginal effects, bootstrap), `disparities` (raw segment gaps), `pvalues`;
- configuration: `config` (segments, pooled levels, adjustments, warnings);
- persistence: `persistence` (`driver_effects`);
- service: `service.key_drivers` reads the features, computes, stores the run, returns a report.
"""

from __future__ import annotations

from insightdesk.insights.drivers.persistence import load_drivers
from insightdesk.insights.drivers.service import DriversReport, key_drivers

__all__ = ["DriversReport", "key_drivers", "load_drivers"]
