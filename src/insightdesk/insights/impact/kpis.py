"""Ticket-level KPIs of impact analyses and the segment filters that pick the tickets.

Each KPI turns the per-ticket feature frame into one value per ticket in reporting units: 0/100
for shares (so effects read in percentage points), +100/0/-100 per NPS answer (NPS points), hours
for times; NaN where the ticket does not count (no answer, not resolved...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.metrics.config import MetricsConfig

SEGMENT_COLUMNS = (
    "channel",
    "team",
    "team_id",
    "agent_id",
    "product",
    "category",
    "subcategory",
    "priority",
    "type",
    "customer_tier",
    "customer_segment",
    "customer_region",
    "language",
    "theme_id",
)


# ---- KPIs at the ticket level -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactKPI:
    """A ticket-level outcome in reporting units (NaN where the ticket does not count)."""

    name: str
    title: str
    unit: str
    kind: str  # proportion (values 0/100) or mean
    higher_is_better: bool
    definition: str
    value: Callable[[pd.DataFrame, MetricsConfig], pd.Series]


def _share(column: str, *, invert: bool = False) -> Callable[[pd.DataFrame, MetricsConfig], pd.Series]:
    def value(frame: pd.DataFrame, _: MetricsConfig) -> pd.Series:
        v = frame[column].astype(float)
        return 100.0 * ((1.0 - v) if invert else v)

    return value


def _nps(frame: pd.DataFrame, cfg: MetricsConfig) -> pd.Series:
    score = frame["nps_score"].astype(float)
    value = np.select([score >= cfg.nps_promoter_min, score <= cfg.nps_detractor_max], [100.0, -100.0], 0.0)
    return pd.Series(np.where(score.isna(), np.nan, value), index=frame.index)


def _fcr(frame: pd.DataFrame, _: MetricsConfig) -> pd.Series:
    clean = (frame["reopen_count"].fillna(0) == 0) & (frame["reassignment_count"].fillna(0) == 0)
    return pd.Series(np.where(frame["resolved_at"].isna(), np.nan, 100.0 * clean), index=frame.index)


def _hours(column: str) -> Callable[[pd.DataFrame, MetricsConfig], pd.Series]:
    return lambda frame, _: frame[column].astype(float)


IMPACT_KPIS: dict[str, ImpactKPI] = {
    k.name: k
    for k in (
        ImpactKPI(
            "csat",
            "CSAT (satisfied share)",
            "percentage points",
            "proportion",
            True,
            "share of answered tickets whose latest CSAT is satisfied (4-5 of 5)",
            _share("low_csat", invert=True),
        ),
        ImpactKPI(
            "nps",
            "NPS",
            "NPS points",
            "mean",
            True,
            "mean of +100 (promoter 9-10), 0 (passive), -100 (detractor 0-6) over answered tickets",
            _nps,
        ),
        ImpactKPI(
            "repeat_contact",
            "Repeat-contact rate",
            "percentage points",
            "proportion",
            False,
            "share of tickets followed by another of the same customer and category within 7 days",
            _share("repeat_contact"),
        ),
        ImpactKPI(
            "fcr",
            "First-contact resolution (approx.)",
            "percentage points",
            "proportion",
            True,
            "share of resolved tickets never reopened nor reassigned (the fcr KPI also counts agent replies)",
            _fcr,
        ),
        ImpactKPI(
            "resolution_hours",
            "Mean resolution time",
            "hours",
            "mean",
            False,
            "mean hours from creation to resolution, resolved tickets",
            _hours("resolution_hours"),
        ),
        ImpactKPI(
            "first_response_hours",
            "Mean first-response time",
            "hours",
            "mean",
            False,
            "mean hours from creation to the first response, responded tickets",
            _hours("first_response_hours"),
        ),
    )
}


def get_impact_kpi(name: str) -> ImpactKPI:
    if name not in IMPACT_KPIS:
        raise ValueError(f"unknown KPI {name!r} for impact analysis: use one of {', '.join(IMPACT_KPIS)}")
    return IMPACT_KPIS[name]


def segment_mask(frame: pd.DataFrame, segment: Mapping[str, Any], role: str = "segment") -> pd.Series:
    """Tickets matching every `column: value` (a value may be a list: any of them)."""
    if not segment:
        raise ValueError(f"the {role} segment is empty: give at least one COLUMN=VALUE")
    mask = pd.Series(True, index=frame.index)
    for column, value in segment.items():
        if column not in SEGMENT_COLUMNS:
            raise ValueError(f"{role}: cannot filter on {column!r}; use one of {', '.join(SEGMENT_COLUMNS)}")
        values = [str(v) for v in value] if isinstance(value, list | tuple | set) else [str(value)]
        matched = frame[column].astype("object").astype(str).isin(values)
        if not matched.any():
            known = frame[column].dropna().astype(str).value_counts().index[:10].tolist()
            raise ValueError(f"{role}: no ticket has {column} in {values} in the window (e.g. {known})")
        mask &= matched
    return mask
