"""KPI specs: immutable descriptions that know no backend.

A KPI is a *fact builder* (a function from the canonical Ibis tables to one row per unit of
measurement) plus a *kind* that says how cells aggregate and which interval applies. The
engine (compute.py) adds dimensions, time grain and filters, aggregates in the backend and
computes intervals afterwards.

Fact table contract (columns the builder returns):

- `ts` (timestamp): what the row is dated by; grains, `since` and `until` apply to it;
- `ticket_id` and/or `customer_id` when the row relates to them (dimensions join through them);
- any dimension the row knows better than its ticket (`channel`, `agent`, `language`);
- the measure, by kind: `hit` (0/1) for proportion, `promoter`/`detractor` (0/1) for nps,
  `x` (number) for mean and median, `category` (text) for share, nothing for count,
  `in_ts`/`out_ts` for backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from insightdesk.metrics.config import MetricsConfig
    from insightdesk.metrics.tables import Tables

Kind = Literal["proportion", "nps", "mean", "median", "count", "share", "backlog"]
KINDS: tuple[str, ...] = ("proportion", "nps", "mean", "median", "count", "share", "backlog")

FactBuilder = Callable[["Tables", "MetricsConfig"], Any]

METHODS = {
    "proportion": "wilson",
    "nps": "adjusted-wald-trinomial",
    "mean": "student-t",
    "median": "binomial-order-statistic",
    "count": "poisson-exact",
    "share": "wilson",
    "backlog": "census",
}


@dataclass(frozen=True)
class KPI:
    """One key performance indicator, defined once for every backend.

    The documentation fields are required: docs/metrics.md is generated from them and a test
    fails when a registered KPI lacks any.
    """

    name: str
    title: str
    kind: Kind
    fact: FactBuilder
    unit: str
    family: str
    formula: str
    numerator: str
    denominator: str
    excludes: str
    edge_cases: str
    convention: str
    dated_by: str
    scale: float = 1.0
    """Multiplier applied to value and interval (100 for NPS points)."""
    higher_is_better: bool | None = True
    snapshot: bool = False
    """A state at one instant (as of `until`), not events in a period: grains do not apply."""
    dims: tuple[str, ...] = field(default=())
    """Dimensions the fact provides itself; others join through ticket_id / customer_id."""
    counts_persons: bool = False
    """Counts resolved persons (identity_links, else the customer id; metrics/persons.py): the
    result's `attrs` say which."""
    no_data: str = ""
    """What a cell lacks when nothing in it qualifies (default: "no " + the denominator's head)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"KPI {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not self.name.isidentifier():
            raise ValueError(f"KPI name {self.name!r} must be a lower-case identifier")

    @property
    def method(self) -> str:
        return METHODS[self.kind]

    @property
    def empty_reason(self) -> str:
        """Why a cell has no value, shown instead of a number: "no tickets with an SLA resolution
        target and a known outcome in this period"."""
        if self.no_data:
            head = self.no_data
        elif self.kind in ("count", "backlog"):
            head = "no open tickets" if self.kind == "backlog" else "no tickets"
        else:  # the denominator's head: "resolved or closed tickets (resolved_at set), ..." -> its noun
            head = "no " + self.denominator.split(" (")[0].split(":")[0].split(",")[0].removesuffix(
                " in the cell"
            )
        if self.snapshot:
            return head if "snapshot" in head else head + " at the snapshot"
        return head + " in this period"
