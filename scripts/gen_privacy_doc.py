"""Regenerate the catalogue section of docs/privacy.md (run after classifying a column or table)."""

from pathlib import Path

from insightdesk.governance.privacy.catalogue_docs import END, START, render_catalogue

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"
    text = target.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    target.write_text(f"{head}{START}\n{render_catalogue()}{END}{tail}", encoding="utf-8")
    print(f"wrote {target}")
