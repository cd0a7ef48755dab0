"""The insight engine: what matters in the desk's data and what to do about it.

One subpackage per feature: `painpoints` (priority and backlog), `drivers` (key drivers), `risk`
(dissatisfaction risk), `alerts` (anomalies and threshold rules), `impact` (the measured impact of
a change); `common` holds what they share (per-ticket features, analysis runs). Each has the same
inner shape, named the same way:

- computation: pure functions on frames and arrays, no store access;
- `config.py`: the feature's settings, weights, thresholds and option dataclasses;
- `persistence.py`: every read and write of the feature's tables (in
  `insightdesk.store.tables.insights`);
- `service.py` (for pain points `ranking.py` and `backlog.py`): reads through persistence,
  computes, stores, returns frames and reports;
- `__init__.py`: the public API, the only module other packages import (an import contract).

Every result is returned as pandas data frames or dataclasses holding them.
"""

from __future__ import annotations

from insightdesk.insights.common.features import ticket_features

__all__ = ["ticket_features"]
