"""Curating the theme registry: rename, merge and split, each recorded in the audit log.

The edits themselves are the text package's (`text.theme_edits`, which also writes the theme's own
history in `theme_events`); this is the one place the CLI and the server call them, so every edit
names who made it in the hash-chained audit log, whichever interface it came through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insightdesk.governance import audit
from insightdesk.text import theme_edits
from insightdesk.text.theme_registry import ThemeError

if TYPE_CHECKING:
    from insightdesk.governance import Actor
    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder

__all__ = ["MAX_SPLIT_PARTS", "ThemeError", "merge_themes", "rename_theme", "split_theme"]

MAX_SPLIT_PARTS = 6  # more parts than this from one theme are noise, not themes
MAX_LABEL = 200


def rename_theme(store: Store, theme_id: str, label: str, actor: Actor) -> str:
    """Give a theme a person's label (kept across refits); returns the label as stored."""
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise ThemeError(f"a theme label has at most {MAX_LABEL} characters ({len(label)} given)")
    theme_edits.rename_theme(store, theme_id, label)
    audit.append_by(store.engine, actor, "theme.rename", "themes", [theme_id], {"label": label})
    return label


def merge_themes(store: Store, source_id: str, target_id: str, actor: Actor) -> int:
    """Fold `source_id` into `target_id`; returns the number of texts moved."""
    moved = theme_edits.merge_themes(store, source_id, target_id)
    audit.append_by(
        store.engine,
        actor,
        "theme.merge",
        "themes",
        [source_id, target_id],
        {"into": target_id, "texts_moved": moved},
    )
    return moved


def split_theme(
    store: Store, theme_id: str, parts: int, actor: Actor, *, embedder: Embedder | None = None
) -> list[str]:
    """Split a theme's texts into `parts` new themes; returns their ids."""
    if not 2 <= parts <= MAX_SPLIT_PARTS:
        raise ThemeError(f"a theme splits into 2 to {MAX_SPLIT_PARTS} parts ({parts} asked)")
    new_ids = theme_edits.split_theme(store, theme_id, parts, embedder=embedder)
    audit.append_by(
        store.engine, actor, "theme.split", "themes", [theme_id, *new_ids], {"parts": parts, "into": new_ids}
    )
    return new_ids
