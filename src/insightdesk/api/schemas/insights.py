"""The insight engine's stored results: pain points and their backlog, drivers, risk, alerts, impact.

Rows come from result tables and frames that grow with the analyses, so they are open: the
documented fields are typed, further columns pass through. Nested figures (a pain point's metrics,
an analysis's detail, an alert's evidence) are objects whose parts docs/insights.md describes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number, OpenModel


class ExplanationLine(OpenModel):
    factor: str | None = None
    component: str | None = None
    text: str | None = None
    score: Number | None = None
    magnitude: Number | None = None
    contribution: Number | None = None


class RankedPainpoint(OpenModel):
    """A pain point of the latest ranking with its factors, explanation and backlog state."""

    painpoint_key: str
    label: str | None = None
    kind: str | None = None
    rank: int | None = None
    score: Number | None = None
    severity: Number | None = None
    frequency: Number | None = None
    business_impact: Number | None = None
    trend: Number | None = Field(
        None, description="Change of its tickets, recent half vs earlier (0.5 = +50%)."
    )
    trend_text: str | None = Field(None, description="The trend in words, as the CLI and the pages show it.")
    critical: bool | None = None
    tickets: int | None = None
    customers: int | None = None
    status: str | None = Field(None, description="Backlog status.")
    rationale: str | None = Field(
        None, description="Why it is wont_fix or deprioritised (required for those)."
    )
    owner: str | None = None
    problem_id: str | None = None
    explanation: list[ExplanationLine] | None = None


class PainpointRanking(BaseModel):
    """`computed` is false (and only `items`, empty, comes with it) until a ranking ran."""

    computed: bool
    run_id: str | None = None
    computed_at: str | None = None
    window: dict[str, Any] | None = Field(None, description="since, mid and until of the ranking window.")
    items: list[RankedPainpoint]


class PainpointDetail(RankedPainpoint):
    metrics: dict[str, Any] | None = Field(
        None, description="KPI gaps with intervals, components, customers and value at risk, weekly volumes."
    )
    backlog: dict[str, Any] | None = None
    history: list[dict[str, Any]] | None = Field(None, description="Every backlog change with its author.")


class BacklogChangeResult(BaseModel):
    entry: dict[str, Any] = Field(description="The backlog entry after the change.")
    events: list[dict[str, Any]] = Field(description="The changes recorded, one per field.")
    verification: Any = None


class DriverEffect(OpenModel):
    feature: str | None = None
    level: str | None = None
    kind: str | None = Field(None, description="driver or disparity.")
    outcome: str | None = None
    effect: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    p_value: Number | None = None
    p_adjusted: Number | None = None
    significant: bool | None = None
    n: Number | None = None
    method: str | None = None
    run_id: str | None = None


class OutcomeDrivers(BaseModel):
    run_id: str
    drivers: list[DriverEffect]
    disparities: list[DriverEffect]


class DriversView(BaseModel):
    computed: bool
    outcomes: dict[str, OutcomeDrivers] = Field(description="Per outcome, the latest drivers run.")


class ScoredTicket(OpenModel):
    ticket_id: str
    score: Number | None = None
    band: str | None = None
    top_factors: list[dict[str, Any]] | None = None
    status: str | None = None
    channel: str | None = None
    category: str | None = None
    created_at: str | None = None


class RiskView(BaseModel):
    """The active model's held-out evaluation; without a model only `computed` (and a `message`)."""

    computed: bool
    message: str | None = None
    target: str | None = None
    model: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] | None = None
    precision_at_k: list[dict[str, Any]] | None = None
    reliability: list[dict[str, Any]] | None = None
    importance: list[dict[str, Any]] | None = None
    band_counts: dict[str, Any] | None = None
    tickets: list[ScoredTicket] | None = Field(
        None, description="The riskiest tickets in scope; null for roles that do not read records."
    )


class StoredAlert(OpenModel):
    alert_id: str
    kind: str | None = None
    status: str | None = None
    severity: str | None = None
    series: str | None = None
    segment: str | None = None
    label: str | None = None
    grain: str | None = None
    period: str | None = None
    observed: Number | None = None
    expected: Number | None = None
    expected_low: Number | None = None
    expected_high: Number | None = None
    unit: str | None = Field(None, description="Unit of observed and expected: the KPI's (share, hours...).")
    direction: str | None = None
    rule: str | None = None
    n: Number | None = None
    evidence: dict[str, Any] | None = Field(None, description="Series tail, expected range, test.")
    delivered: dict[str, Any] | None = None
    run_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class StoredAlerts(BaseModel):
    computed: bool
    items: list[StoredAlert]


class ImpactSummary(OpenModel):
    analysis_id: str
    name: str | None = None
    kpi: str | None = None
    method: str | None = None
    intervention_at: str | None = None
    treated: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    effect: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    p_value: Number | None = None
    n_treated: int | None = None
    n_control: int | None = None
    warnings: list[Any] | None = None
    unit: str | None = Field(None, description="Unit of effect and interval: percentage points, hours...")


class ImpactList(BaseModel):
    computed: bool
    items: list[ImpactSummary]


class ImpactAnalysis(ImpactSummary):
    significant: bool | None = None
    detail: dict[str, Any] | None = Field(None, description="Per-period series, cells, power (mde_80).")
