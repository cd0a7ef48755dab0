"""KPIs and the dashboard's aggregates: cells with intervals, tiles, comparisons, themes, KPI alerts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number, OpenModel, OrderedModel


class KpiInfo(BaseModel):
    """What is shown about a KPI next to its numbers."""

    name: str
    title: str
    unit: str
    family: str
    kind: str
    higher_is_better: bool | None = Field(description="Null when neither direction is better.")
    snapshot: bool = Field(description="A state at a moment (no trend over periods).")
    formula: str


class KpiDescription(KpiInfo):
    method: str = Field(description="How its interval is computed.")


class KpiCatalog(BaseModel):
    items: list[KpiDescription]


class KpiCell(OpenModel):
    """One cell of by x grain: the value with its 95% interval and size, plus a column per dimension
    cut by (and `period` with a grain); KPI-specific parts (numerator, promoters...) pass through."""

    value: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    n: Number | None = None
    low_n: bool | None = Field(None, description="Fewer observations than the dashboard.min_n setting.")
    partial: bool | None = Field(
        None,
        description="With a grain: the data's window (or the filter's dates) leaves part of the period out.",
    )
    method: str | None = None
    period: str | None = Field(None, description="Start of the period (with a grain).")


class KpiRows(BaseModel):
    kpi: KpiInfo
    filters: dict[str, str]
    by: list[str]
    grain: str | None
    rows: list[KpiCell]


class DataRange(BaseModel):
    first_ticket: str | None
    last_ticket: str | None


class TileChange(BaseModel):
    """The last period against the one before it."""

    period: str | None
    difference: Number | None
    p_adjusted: Number | None
    significant: bool | None
    test: str | None
    better: bool | None
    difference_text: str | None = Field(None, description="The difference as the pages write it: +4.2 pts.")


class TileTarget(BaseModel):
    value: Number
    met: bool


class Tile(KpiInfo):
    value: Number | None
    ci_low: Number | None
    ci_high: Number | None
    n: Number | None
    low_n: bool | None
    series: list[KpiCell]
    change: TileChange | None
    target: TileTarget | None
    no_data: str | None = Field(None, description="Why the tile has no value (instead of a number).")
    value_text: str | None = Field(
        None, description="The value in its unit as the pages write it (852 tickets, 3 h 25 min, 63.6%)."
    )
    latest_period: str | None = Field(
        None, description="Start of the latest complete period of the series (what `change` compares)."
    )


class Overview(BaseModel):
    filters: dict[str, str]
    grain: str
    tiles: list[Tile]
    range: DataRange


class ComparisonRow(OpenModel):
    """A segment (or period) against its reference, with a column per dimension compared by."""

    value: Number | None = None
    reference: Number | None = None
    difference: Number | None = None
    n: Number | None = None
    n_reference: Number | None = None
    p_value: Number | None = None
    p_adjusted: Number | None = Field(None, description="Holm-adjusted over the rows.")
    significant: bool | None = None
    test: str | None = None
    adjust: str | None = None
    ci_low: Number | None = Field(None, description="The cell's own 95% interval.")
    ci_high: Number | None = None
    low_n: bool | None = None
    partial: bool | None = Field(
        None, description="With a grain: the data's window leaves part of the period out."
    )
    period: str | None = None


class Comparison(BaseModel):
    kpi: KpiInfo
    by: list[str]
    against: Literal["rest", "previous"]
    grain: str | None
    filters: dict[str, str]
    rows: list[ComparisonRow]


class Dimensions(BaseModel):
    filters: dict[str, list[str]] = Field(description="Values offered per filter, most frequent first.")
    dimensions: dict[str, str] = Field(description="Every dimension to cut by, with its meaning.")
    compare: list[str] = Field(description="Dimensions the dashboard compares by.")
    range: DataRange


class Theme(BaseModel):
    theme_id: str
    label: str | None
    keywords: list[Any]
    quotes: list[Any] = Field(
        description="Representative redacted quotes from texts in the caller's row scope (empty for roles without text)."
    )
    size: int | None
    texts: int
    negative_share: Number | None


class ThemeWeek(BaseModel):
    theme_id: str
    week: str | None
    n: int


class Themes(BaseModel):
    computed: bool
    message: str | None
    themes: list[Theme]
    trend: list[ThemeWeek]


class PainPoint(OrderedModel):
    """A negative theme (source themes) or a category with significantly low CSAT (csat_by_category)."""

    label: str | None
    n: Number | None
    theme_id: str | None = None
    negative_share: Number | None = None
    category: str | None = None
    value: Number | None = None
    reference: Number | None = None
    difference: Number | None = None
    p_adjusted: Number | None = None


class PainPoints(BaseModel):
    source: Literal["themes", "csat_by_category"]
    message: str | None
    items: list[PainPoint]


class KpiAlert(BaseModel):
    kpi: str
    title: str
    unit: str
    period: str | None
    value: Number | None
    reference: Number | None
    difference: Number | None
    p_adjusted: Number | None
    test: str | None
    severity: Literal["worse", "better"]


class KpiAlerts(BaseModel):
    grain: str
    rule: str
    alerts: list[KpiAlert]
