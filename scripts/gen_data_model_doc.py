"""Regenerate docs/data-model.md from the schema (run after changing src/insightdesk/store/tables/)."""

from pathlib import Path

from insightdesk.store.tables.docs import render

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
