"""docs/privacy.md's catalogue section, rendered from the catalogue (a test keeps the page current)."""

from __future__ import annotations

from insightdesk.governance.privacy.catalogue import ARTEFACTS, ENTRIES, columns
from insightdesk.governance.privacy.catalogue_model import DataClass, Link, Subject

START = "<!-- catalogue:start (generated: python scripts/gen_privacy_doc.py) -->"
END = "<!-- catalogue:end -->"


def _link_text(link: Link | None) -> str:
    if link is None:
        return "-"
    if link.entity_column:
        return f"`{link.column}` in the table named by `{link.entity_column}`"
    if link.via:
        return f"`{link.column}` -> {link.via}.{link.via_key}"
    if link.column:
        return f"`{link.column}` = customers.id"
    return "contains an identifier: " + ", ".join(f"`{c}`" for c in link.embedded)


def render_catalogue() -> str:
    """The tables holding personal data with their classes, then the artefacts outside the tables."""
    by_table: dict[str, dict[DataClass, list[str]]] = {}
    for c in columns():
        if c.data_class is not DataClass.NONE:
            by_table.setdefault(c.table, {}).setdefault(c.data_class, []).append(f"`{c.column}`")
    lines = [
        "| table | whose | link to the person | columns by class | note |",
        "|---|---|---|---|---|",
    ]
    for table, classes in by_table.items():
        entry = ENTRIES[table]
        cells = "; ".join(f"{k.value}: {', '.join(v)}" for k, v in classes.items())
        lines.append(
            f"| {table} | {entry.subject.value} | {_link_text(entry.link)} | {cells} | {entry.note or ''} |"
        )
    clean = sorted(name for name in ENTRIES if name not in by_table)
    lines += ["", f"Tables without personal data ({len(clean)}): " + ", ".join(clean) + "."]
    lines += ["", "| artefact | where | classes | lifecycle |", "|---|---|---|---|"]
    for a in ARTEFACTS:
        lines.append(
            f"| {a.name} | {a.where} | {', '.join(c.value for c in a.data_classes)} | {a.lifecycle} |"
        )
    subjects = sum(1 for e in ENTRIES.values() if e.subject is Subject.CUSTOMER)
    lines += ["", f"{len(ENTRIES)} tables catalogued, {subjects} of them holding customers' data."]
    return "\n".join(lines) + "\n"
