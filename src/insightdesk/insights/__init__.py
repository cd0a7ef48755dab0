"""The insight engine: what matters in the desk's data and what to do about it.

One subpackage per feature, each with the same roles (computation, persistence, configuration):
`painpoints` (priority and backlog), `drivers` (key drivers), `risk` (dissatisfaction risk),
`alerts` (anomalies and threshold rules), `impact` (the measured impact of a change); `common`
holds what they share (per-ticket features, analysis runs). Tables live in
`insightdesk.store.tables.insights`; every result is returned as pandas data frames.
"""

from __future__ import annotations

from insightdesk.insights.common.features import ticket_features

__all__ = ["ticket_features"]
