"""Shapes of the QA API: rubrics, samples, evaluations, calibration rounds, scorecards, skill gaps and
coaching plans."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class CriterionIn(BaseModel):
    id: str = Field(..., min_length=1, max_length=64)
    label: str = Field(..., min_length=1, max_length=500)
    weight: float = Field(1.0, gt=0, le=100)
    points: int = Field(1, ge=1, le=10)
    auto_fail: bool = False
    allow_na: bool = False


class SectionIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=200)
    criteria: list[CriterionIn] = Field(..., min_length=1, max_length=200)


class RubricIn(BaseModel):
    id: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    sections: list[SectionIn] = Field(..., min_length=1, max_length=50)


class RubricOut(RubricIn):
    version: int
    written: bool = False


class RubricSummary(BaseModel):
    rubric_id: str
    version: int
    name: str
    criteria: int
    created_at: str


class RubricList(BaseModel):
    rubrics: list[RubricSummary]


class SampleRequest(BaseModel):
    size: int = Field(50, ge=1, le=10_000)
    method: Literal["random", "stratified", "risk"] = "random"
    oversample: float = Field(3.0, ge=1, le=20)
    since: str | None = Field(None, max_length=40)
    until: str | None = Field(None, max_length=40)
    seed: int = Field(0, ge=0, le=2**31)


class SampledTicket(BaseModel):
    ticket_id: str
    agent_id: str | None = None
    team_id: str | None = None
    stratum: str | None = None
    probability: float
    weight: float


class SampleResult(BaseModel):
    sample_id: str
    method: str
    tickets: list[SampledTicket]


class EvaluationIn(BaseModel):
    rubric_id: str = Field(..., min_length=1, max_length=64)
    ticket_id: str = Field(..., min_length=1, max_length=500)
    answers: dict[str, float | Literal["na"] | None] = Field(..., max_length=200)
    version: int | None = Field(None, ge=1)
    comment: str | None = Field(None, max_length=10_000)
    sample_id: str | None = Field(None, max_length=200)
    calibration_id: str | None = Field(None, max_length=200)


class Evaluation(BaseModel):
    evaluation_id: str
    rubric_id: str
    rubric_version: int
    ticket_id: str
    agent_id: str | None = None
    team_id: str | None = None
    reviewer: str
    sample_id: str | None = None
    weight: float
    score: float | None = None
    auto_failed: bool
    answers: dict[str, float | None]
    calibration_id: str | None = None
    comment: str | None = None
    created_at: str


class EvaluationList(BaseModel):
    evaluations: list[Evaluation]


class CalibrationIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=200)
    rubric_id: str = Field(..., min_length=1, max_length=64)
    ticket_ids: list[str] = Field(..., min_length=2, max_length=200)


class Calibration(BaseModel):
    calibration_id: str
    name: str
    rubric_id: str
    rubric_version: int
    ticket_ids: list[str]
    results: dict[str, Any] | None = Field(
        None, description="Alpha per criterion and overall, ICC, drift, flags."
    )
    created_by: str
    created_at: str


class CalibrationList(BaseModel):
    rounds: list[Calibration]


class ScoreRow(BaseModel):
    agent_id: str
    team_id: str | None = None
    metric: str
    value: float | None = Field(None, description="Raw figure of the agent.")
    n: float | None = None
    estimate: float | None = Field(None, description="Shrunk toward the team (empirical Bayes).")
    low: float | None = None
    high: float | None = None


class Scorecards(BaseModel):
    rows: list[ScoreRow]


class TeamScore(BaseModel):
    team_id: str
    weighted: float | None = Field(None, description="Sampling-weighted (Hajek) mean QA score.")
    low: float | None = None
    high: float | None = None
    plain: float | None = Field(None, description="Unweighted mean, for comparison.")
    n: int


class TeamScores(BaseModel):
    teams: list[TeamScore]


class SegmentScore(BaseModel):
    segment: str
    weighted: float | None = Field(
        None, description="Sampling-weighted (Hajek) mean QA score of the segment."
    )
    low: float | None = Field(None, description="95% interval, design-based (strata of the samples).")
    high: float | None = None
    plain: float | None = Field(None, description="Unweighted mean, for comparison.")
    n: int
    effective_n: float | None = Field(None, description="Kish effective sample size.")
    hand_picked: int = Field(0, description="Evaluations of tickets picked by hand (weight 1).")
    tickets_estimated: float | None = Field(
        None, description="Estimated tickets in the segment (sum of weights)."
    )


class SegmentScores(BaseModel):
    by: str
    segments: list[SegmentScore]


class SkillGap(BaseModel):
    unit: str
    topic_kind: str = Field("category", description="category or theme (text themes).")
    topic: str
    topic_label: str | None = None
    metric: str
    value: float | None = None
    n: float | None = None
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    topic_mean: float | None = None
    gap: float | None = None
    flagged: bool


class SkillGaps(BaseModel):
    unit: str
    topic: str = "category"
    gaps: list[SkillGap]


class PlanIn(BaseModel):
    agent_id: str = Field(..., min_length=1, max_length=500)
    goal: str = Field(..., min_length=1, max_length=1000)
    metric: str = Field("qa_score", max_length=80, description="qa_score or criterion:<id>.")
    target: float = Field(..., ge=0, le=100)
    due_at: str | None = Field(None, max_length=40)
    evidence: list[str] = Field(default_factory=list, max_length=100)


class SessionIn(BaseModel):
    held_at: str = Field(..., max_length=40)
    notes: str = Field("", max_length=10_000)
    ticket_ids: list[str] = Field(default_factory=list, max_length=100)


class StatusIn(BaseModel):
    status: Literal["open", "achieved", "not_achieved", "cancelled"]
    note: str = Field("", max_length=2_000)


class Plan(BaseModel):
    plan_id: str
    agent_id: str
    team_id: str | None = None
    goal: str
    metric: str
    baseline: float | None = None
    baseline_n: int | None = None
    target: float
    due_at: str | None = None
    status: str
    evidence: list[str] = Field(default_factory=list)
    created_by: str
    created_at: str


class PlanList(BaseModel):
    plans: list[Plan]


class PlanProgress(BaseModel):
    plan: Plan
    sessions: list[dict[str, Any]]
    follow_up: dict[str, Any] = Field(
        ..., description="The metric before and after the plan, the change and its 95% interval."
    )
    status_history: list[dict[str, Any]] = Field(
        default_factory=list, description="Status changes, oldest first, with the follow-up then."
    )
