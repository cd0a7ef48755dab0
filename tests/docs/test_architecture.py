"""The architecture page cannot drift from the package, and no module grows past 400 lines."""

from __future__ import annotations

import tomllib
from pathlib import Path

import insightdesk

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(insightdesk.__file__).parent
MAX_LINES = 400


def _subpackages(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "__init__.py").exists())


def test_every_subpackage_has_a_room_on_the_architecture_page():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = [*_subpackages(PACKAGE), "config"]
    names += [f"insights.{name}" for name in _subpackages(PACKAGE / "insights")]
    missing = [name for name in names if f"`{name}`" not in page]
    assert missing == [], f"docs/architecture.md says nothing of: {missing}"


def test_every_subpackage_is_in_the_layers_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    unplaced = sorted(set(_subpackages(PACKAGE)) - placed)
    assert unplaced == [], f"subpackages outside the import contract's layers: {unplaced}"


def test_no_module_is_over_400_lines():
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert too_long == {}, f"modules over {MAX_LINES} lines (split them by job): {too_long}"
