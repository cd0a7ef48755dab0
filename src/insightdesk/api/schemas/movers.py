"""The overview's story as JSON: which KPIs moved most in the latest complete period, and why."""

from __future__ import annotations

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number


class MoverPainpoint(BaseModel):
    rank: int | None
    label: str | None
    link: str = Field(description="The pain point's dashboard page.")


class MoverCategory(BaseModel):
    """A category whose change pushed the KPI the way it went."""

    category: str
    value: Number | None = Field(description="The KPI over the category's records in the period.")
    value_text: str
    reference: Number | None = Field(description="The same, the period before.")
    reference_text: str
    n: Number | None
    n_text: str
    difference_text: str = Field(description="value - reference as the pages write it (pts for shares).")
    share_text: str = Field(
        description="Its weight in the desk's move: the change times the category's share of the sample "
        "(the change itself for a count KPI)."
    )
    significant: bool = Field(description="The category's own change, Holm-adjusted over the categories.")
    link: str | None = Field(description="Dashboard list of the records behind it (roles that read records).")
    painpoint: MoverPainpoint | None = Field(description="The category's pain point of the latest ranking.")


class Mover(BaseModel):
    """A KPI's change in its latest complete period against the period before (the overview tile's test)."""

    name: str
    title: str
    unit: str
    period: str = Field(description="Start of the period that moved (ISO date).")
    value: Number | None
    value_text: str = Field(description="The value as the overview page writes it (display.kpi_value).")
    ci_low: Number | None
    ci_high: Number | None
    ci_text: str | None = Field(description="The 95% interval as the page writes it; null without one.")
    n: Number | None
    n_text: str
    reference: Number | None = Field(description="The value of the period before.")
    reference_text: str
    n_reference: Number | None
    n_reference_text: str | None
    reference_period: str | None
    difference: Number | None = Field(description="value - reference in the KPI's unit (a share: 0-1).")
    difference_text: str = Field(description="The difference as the page writes it (display.kpi_difference).")
    p_adjusted: Number | None = Field(description="Period-over-period test, Holm-adjusted over the periods.")
    significant: bool
    better: bool | None = Field(description="Whether the move is in the KPI's good direction.")
    direction: str = Field(description="rose or fell.")
    link: str | None = Field(description="Dashboard list of the period's records (roles that read records).")
    reference_link: str | None
    behind: list[MoverCategory]


class Movers(BaseModel):
    """The overview page's "What changed": the same movers, numbers and texts."""

    filters: dict[str, str]
    grain: str
    period: str | None = Field(description="The period the first mover compares (null without movers).")
    significant: int = Field(description="How many of the movers moved significantly.")
    movers: list[Mover] = Field(
        description="At most three: significant ones first, strongest evidence first."
    )
