"""The insight engine: what matters in the desk's data and what to do about it.

Pain-point priority, key drivers of dissatisfaction, per-ticket dissatisfaction risk, anomaly
and threshold alerts, and the measured impact of a change. Each part reads the canonical model
(and the text analyses), writes its results to the store (tables in `insights.tables`), and
returns pandas data frames.
"""

from __future__ import annotations

from insightdesk.insights.features import ticket_features

__all__ = ["ticket_features"]
