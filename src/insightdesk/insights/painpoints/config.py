"""Settings of the pain-point ranking: window, kinds, sample-size floors, weights, critical thresholds.

Every weight and threshold of the scoring model (`scoring`, docs/insights.md "Pain
points") lives here with its default and the reason for it; a desk with other priorities changes
them in a TOML file (`insightdesk painpoints rank --config FILE`), not in code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from insightdesk.metrics.config import MetricsConfig

KINDS = ("theme", "category", "theme_x_category")
"""Pain-point kinds: a theme, a category, a theme within a category."""
FACTORS = ("severity", "frequency", "business_impact")


@dataclass(frozen=True)
class Component:
    """One measured ingredient of a factor; `magnitude` is in `unit`, so are full_at and critical."""

    name: str
    factor: str
    unit: str
    meaning: str


COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        Component("csat", "severity", "share", "CSAT (satisfied share of answers) below the rest"),
        Component("nps", "severity", "NPS points", "NPS below the rest (ticket and relationship surveys)"),
        Component("ces", "severity", "points on 1-7", "mean Customer Effort Score below the rest"),
        Component("fcr", "severity", "share", "first-contact resolution below the rest (resolved tickets)"),
        Component("repeat_contact", "severity", "share", "repeat-contact rate above the rest"),
        Component("escalation", "severity", "share", "escalation rate above the rest (resolved tickets)"),
        Component("sentiment", "severity", "score on -1..1", "customer text sentiment below the rest"),
        Component("resolution_time", "severity", "relative", "mean resolution time above the rest"),
        Component("volume", "frequency", "share", "share of the window's tickets"),
        Component("trend", "frequency", "relative", "rise of the volume share, recent half vs earlier half"),
        Component("customers", "business_impact", "share", "share of the window's customers affected"),
        Component(
            "value_at_risk", "business_impact", "share", "lifetime value at risk, share of the window's"
        ),
    )
}


def _default_weights() -> dict[str, float]:
    # Satisfaction and loyalty gaps weigh most: they are what the customer says; the operational
    # gaps (FCR, repeat, escalation, time) explain it. Value at risk outweighs the head count.
    return {
        "csat": 3.0,
        "nps": 2.0,
        "ces": 1.0,
        "fcr": 1.0,
        "repeat_contact": 1.0,
        "escalation": 1.0,
        "sentiment": 1.0,
        "resolution_time": 1.0,
        "volume": 2.0,
        "trend": 1.0,
        "customers": 1.0,
        "value_at_risk": 2.0,
    }


def _default_full_at() -> dict[str, float]:
    # The magnitude at which a component is as bad as it gets (score 1), in the component's unit.
    return {
        "csat": 0.20,
        "nps": 30.0,
        "ces": 1.0,
        "fcr": 0.20,
        "repeat_contact": 0.10,
        "escalation": 0.10,
        "sentiment": 0.30,
        "resolution_time": 1.0,
        "volume": 0.05,
        "trend": 1.0,
        "customers": 0.10,
        "value_at_risk": 0.10,
    }


def _default_critical() -> dict[str, float]:
    # A pain point is critical when any rule holds: its score, or one conservative magnitude alone.
    # Only gaps and growth, not size: a big category would otherwise be critical for being big.
    return {"score": 0.35, "csat": 0.15, "nps": 25.0, "trend": 1.5}


def _default_factor_weights() -> dict[str, float]:
    return {"severity": 1.0, "frequency": 1.0, "business_impact": 1.0}


@dataclass(frozen=True)
class PainpointConfig:
    """Window, kinds, sample-size floors, weights and critical thresholds of the pain-point ranking."""

    window_days: int = 90
    """Default window: the last N days of data (until = midnight after the newest ticket)."""
    kinds: tuple[str, ...] = KINDS
    """Pain-point kinds ranked: theme, category, theme_x_category."""
    theme_entities: tuple[str, ...] = ("tickets", "interactions")
    """Texts whose themes make a ticket part of a theme. Survey comments are left out by default:
    an unhappy answer's comment would put its ticket in a theme *because* it scored low."""
    min_tickets: int = 20
    """Pain points with fewer tickets in the window are not ranked."""
    min_n: int = 30
    """Fewest answers (or tickets) on each side for a KPI gap to count; fewer is flagged low n."""
    confidence: float = 0.95
    """Confidence level of every interval; magnitudes use the interval's conservative end."""
    factor_weights: dict[str, float] = field(default_factory=_default_factor_weights)
    """Exponents of severity, frequency and business impact in the product."""
    factor_floor: float = 0.05
    """Each factor enters as floor + (1 - floor) * factor, so one empty factor cannot zero a score."""
    weights: dict[str, float] = field(default_factory=_default_weights)
    """Weight of each component within its factor (weighted mean)."""
    full_at: dict[str, float] = field(default_factory=_default_full_at)
    """Magnitude at which a component scores 1 (its unit: see COMPONENTS)."""
    critical: dict[str, float] = field(default_factory=_default_critical)
    """Critical thresholds: `score`, or a component name and its conservative magnitude."""
    backlog_top: int = 50
    """The top N of a ranking (and every critical one) enter the backlog as `new`; 0 = all."""
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    """KPI conventions (satisfied CSAT scores, NPS bands, repeat window) shared with the metrics engine."""

    def __post_init__(self) -> None:
        problems = []
        for name, values, allowed in (
            ("weights", self.weights, COMPONENTS),
            ("full_at", self.full_at, COMPONENTS),
            ("critical", self.critical, (*COMPONENTS, "score")),
            ("factor_weights", self.factor_weights, FACTORS),
        ):
            unknown = sorted(set(values) - set(allowed))
            if unknown:
                problems.append(f"{name}: unknown {unknown}; allowed: {', '.join(allowed)}")
            negative = sorted(k for k, v in values.items() if not (isinstance(v, int | float) and v >= 0))
            if negative:
                problems.append(f"{name}: {negative} must be numbers >= 0")
        missing_full = sorted(k for k in COMPONENTS if self.full_at.get(k, 0) <= 0)
        if missing_full:
            problems.append(f"full_at: {missing_full} must be > 0")
        bad_kinds = sorted(set(self.kinds) - set(KINDS))
        if bad_kinds:
            problems.append(f"kinds: unknown {bad_kinds}; allowed: {', '.join(KINDS)}")
        if not 0 < self.factor_floor < 1:
            problems.append(f"factor_floor must be between 0 and 1 (exclusive), got {self.factor_floor}")
        if not 0.5 < self.confidence < 1:
            problems.append(f"confidence must be between 0.5 and 1, got {self.confidence}")
        if self.min_n < 2 or self.min_tickets < 1 or self.window_days < 1 or self.backlog_top < 0:
            problems.append(
                "min_n >= 2, min_tickets >= 1, window_days >= 1 and backlog_top >= 0 are required"
            )
        if problems:
            raise ValueError("invalid pain-point config: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PainpointConfig:
        """A config from plain values (a TOML table); weights, full_at and critical merge onto the defaults."""
        known = {f.name for f in fields(cls)} - {"metrics"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"invalid pain-point config: unknown setting(s) {unknown}; known: {sorted(known)}"
            )
        base = cls()
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("weights", "full_at", "critical", "factor_weights"):
                if not isinstance(value, Mapping):
                    raise ValueError(f"invalid pain-point config: {key} must be a table of name = number")
                merged = dict(getattr(base, key))
                if key == "critical":
                    merged = {}  # critical rules are replaced as a whole: leaving one out turns it off
                merged.update({str(k): float(v) for k, v in value.items()})
                changes[key] = merged
            elif key in ("kinds", "theme_entities"):
                changes[key] = tuple(value)
            else:
                changes[key] = value
        return replace(base, **changes)

    def with_(self, **changes: Any) -> PainpointConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (recorded with every run)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "metrics"}
        out.update({k: dict(out[k]) for k in ("weights", "full_at", "critical", "factor_weights")})
        out["kinds"], out["theme_entities"] = list(self.kinds), list(self.theme_entities)
        out["metrics"] = {
            "csat_satisfied": {str(k): list(v) for k, v in self.metrics.csat_satisfied.items()},
            "nps_promoter_min": self.metrics.nps_promoter_min,
            "nps_detractor_max": self.metrics.nps_detractor_max,
            "repeat_days": self.metrics.repeat_days,
            "repeat_key": self.metrics.repeat_key,
        }
        return out


def load_config(path: str | Path) -> PainpointConfig:
    """A config from a TOML file: its `[painpoints]` table, or the whole file when it has none."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"pain-point config file {p} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"pain-point config file {p} is not valid TOML: {exc}") from None
    return PainpointConfig.from_mapping(data.get("painpoints", data))
