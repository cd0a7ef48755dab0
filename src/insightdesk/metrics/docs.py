"""The KPI reference of docs/metrics.md, generated from the specs so it cannot drift.

python -m insightdesk.metrics.docs docs/metrics.md   # rewrites the block between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from insightdesk.metrics.dimensions import DIMENSIONS
from insightdesk.metrics.registry import list_kpis

BEGIN = "<!-- BEGIN GENERATED KPI REFERENCE (python -m insightdesk.metrics.docs docs/metrics.md) -->"
END = "<!-- END GENERATED KPI REFERENCE -->"
FAMILIES = {
    "feedback": "Feedback",
    "resolution": "Resolution",
    "time": "Time",
    "channels": "Channels",
    "agents": "Agents",
}
FIELDS = (
    ("Formula", "formula"),
    ("Numerator", "numerator"),
    ("Denominator", "denominator"),
    ("Excluded", "excludes"),
    ("Edge cases", "edge_cases"),
    ("Convention", "convention"),
    ("Dated by", "dated_by"),
    ("Unit", "unit"),
    ("Interval", "method"),
)


def render() -> str:
    lines = [BEGIN, ""]
    kpis = list_kpis()
    families = list(dict.fromkeys([*FAMILIES, *(k.family for k in kpis)]))
    for family in families:
        members = [k for k in kpis if k.family == family]
        if not members:
            continue
        lines += [f"### {FAMILIES.get(family, family.title())}", ""]
        for kpi in members:
            lines += [f"#### `{kpi.name}`: {kpi.title}", ""]
            for label, attr in FIELDS:
                lines.append(f"- **{label}**: {getattr(kpi, attr)}")
            if kpi.snapshot:
                lines.append("- **Snapshot**: yes (no time grain; taken at `until`)")
            lines.append("")
    lines += ["### Dimensions", "", "| dimension | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {doc} |" for name, doc in DIMENSIONS.items()]
    lines += ["", END]
    return "\n".join(lines)


def update(path: Path) -> bool:
    """Rewrite the generated block of `path`; True when it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + render() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/metrics.md")
    sys.stdout.write(("updated " if update(target) else "up to date ") + str(target) + "\n")
