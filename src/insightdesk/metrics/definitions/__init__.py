"""Built-in KPI definitions, one module per family."""

from __future__ import annotations

from insightdesk.metrics.definitions import agents, channels, feedback, persons, resolution, time
from insightdesk.metrics.spec import KPI

BUILTIN_KPIS: tuple[KPI, ...] = (
    *feedback.KPIS,
    *resolution.KPIS,
    *time.KPIS,
    *channels.KPIS,
    *agents.KPIS,
    *persons.KPIS,
)
