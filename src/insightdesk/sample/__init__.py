"""Bundled sample desk (built from permissively licensed public data) and the synthetic desk generator.

`sample_dir()` holds one file per kind in the "generic" format (see `insightdesk.sample.generic`);
`SAMPLE_KINDS` lists the kinds in the order ingestion must load them (referenced kinds first).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from insightdesk.sample.generic import GENERIC_KINDS

# Referenced entities before the entities that reference them.
SAMPLE_KINDS: tuple[str, ...] = GENERIC_KINDS


def sample_dir() -> Path:
    """Folder of the bundled sample files (`<kind>.csv.gz`), inside the installed package."""
    return Path(str(resources.files("insightdesk.sample") / "data"))


def sample_file(kind: str) -> Path:
    """The bundled sample file of one kind (raises if the kind is unknown or the file is missing)."""
    if kind not in SAMPLE_KINDS:
        raise ValueError(f"unknown sample kind {kind!r}; expected one of {', '.join(SAMPLE_KINDS)}")
    folder = sample_dir()
    for name in (f"{kind}.csv.gz", f"{kind}.csv"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(
        f"sample file for {kind!r} missing in {folder}; rebuild with scripts/build_sample.py"
    )


__all__ = ["SAMPLE_KINDS", "sample_dir", "sample_file"]
