"""Integer codes of pain points, and the backend's per-code sums decoded into frames (no I/O).

In the backend a pain point is an integer code (0 = the whole window, then categories, themes and
their crosses): grouping hundreds of thousands of tickets by integers is much faster than by text
ids. `assemble` turns the per-code sums back into pain-point keys, labels and weekly counts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from insightdesk.insights.painpoints.facts import CUSTOMER_SUMS, SUMS
from insightdesk.insights.painpoints.window import Window

# The logger the backend sums have always reported under (data.aggregate_painpoints).
log = logging.getLogger("insightdesk.insights.painpoints.data")

WINDOW_KEY = "__window__"  # pseudo pain point holding every window ticket: the totals


@dataclass(frozen=True)
class Codes:
    """Integer codes of pain points: 0 the window, 1..C categories, C+1..C+T themes, then crosses."""

    categories: list[str]
    themes: list[str]

    @property
    def _c(self) -> int:
        return len(self.categories)

    @property
    def _t(self) -> int:
        return len(self.themes)

    def category(self, i: int) -> int:
        """Code of the category at position i (0-based)."""
        return 1 + i

    def theme(self, j: int) -> int:
        return 1 + self._c + j

    def cross_base(self) -> int:
        """Code of (theme j, category i) is cross_base + j * C + i."""
        return 1 + self._c + self._t

    def key(self, code: int) -> tuple[str, str, str | None, str | None]:
        """(painpoint_key, kind, theme_id, category) of a code."""
        if code == 0:
            return WINDOW_KEY, "window", None, None
        if code <= self._c:
            c = self.categories[code - 1]
            return f"category:{c}", "category", None, c
        if code <= self._c + self._t:
            t = self.themes[code - 1 - self._c]
            return f"theme:{t}", "theme", t, None
        j, i = divmod(code - self.cross_base(), self._c)
        t, c = self.themes[j], self.categories[i]
        return f"theme:{t}|category:{c}", "theme_x_category", t, c

    def codes_of(self, keys: Sequence[str]) -> list[int]:
        """Codes of pain-point keys (unknown keys have none)."""
        cat = {c: i for i, c in enumerate(self.categories)}
        theme = {t: j for j, t in enumerate(self.themes)}
        out = []
        for key in keys:
            # Categories are free text (a `|` or `:` in one must not break the key apart).
            t: str | None = None
            c: str | None = None
            if key.startswith("category:"):
                c = key.removeprefix("category:")
            elif key.startswith("theme:"):
                t, sep, c_part = key.removeprefix("theme:").partition("|category:")
                c = c_part if sep else None
            if t is not None and c is not None and t in theme and c in cat:
                out.append(self.cross_base() + theme[t] * self._c + cat[c])
            elif t is not None and c is None and t in theme:
                out.append(self.theme(theme[t]))
            elif c is not None and t is None and c in cat:
                out.append(self.category(cat[c]))
        return out


@dataclass
class PainpointData:
    """Backend results: one row per pain point (`groups`), the window's totals (`desk`), weekly counts."""

    window: Window
    groups: pd.DataFrame
    desk: dict[str, float]
    weekly: pd.DataFrame
    tiers: pd.DataFrame
    desk_tiers: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    """Time of each backend step (base, events, messages, texts, customers, facts, themes, sums...)."""


def assemble(
    window: Window,
    codes: Codes,
    mapping: pd.DataFrame,
    groups: pd.DataFrame,
    cust: pd.DataFrame,
    tiers: pd.DataFrame,
    seconds: dict[str, float],
) -> PainpointData:
    """Decode pain-point codes, split off the window's totals, reshape the weekly counts."""
    groups = groups.merge(cust, on="pp", how="left")
    for c in (*SUMS, *CUSTOMER_SUMS):
        groups[c] = pd.to_numeric(groups[c], errors="coerce").fillna(0.0).astype(float)
    decoded = [codes.key(int(pp)) for pp in groups["pp"]]
    groups["painpoint_key"] = [d[0] for d in decoded]
    groups["kind"] = [d[1] for d in decoded]
    groups["theme_id"] = [d[2] for d in decoded]
    groups["category"] = [d[3] for d in decoded]
    is_window = groups["pp"] == 0
    desk = dict.fromkeys((*SUMS, *CUSTOMER_SUMS), 0.0)
    if is_window.any():
        desk.update({c: float(groups.loc[is_window, c].iloc[0]) for c in (*SUMS, *CUSTOMER_SUMS)})
    groups = groups[~is_window].reset_index(drop=True)

    tiers = tiers.assign(painpoint_key=[codes.key(int(pp))[0] for pp in tiers["pp"]])
    desk_tiers = {
        str(r.tier): int(r.n) for r in tiers[tiers.pp == 0].itertuples(index=False) if r.tier is not None
    }
    tiers = tiers[tiers.pp != 0][["painpoint_key", "tier", "n"]].reset_index(drop=True)

    week_columns = [f"_week{i}" for i in range(window.weeks)]
    starts = [window.week_start + dt.timedelta(days=7 * i) for i in range(window.weeks)]
    long = groups.melt(id_vars=["painpoint_key"], value_vars=week_columns, var_name="_col", value_name="_n")
    weekly = pd.DataFrame(
        {
            "painpoint_key": long["painpoint_key"],
            "week": pd.to_datetime(long["_col"].map(dict(zip(week_columns, starts, strict=True)))),
            "tickets": long["_n"].fillna(0).astype("int64"),
        }
    )
    labels = dict(zip(mapping.canonical, mapping.label, strict=True))
    groups = groups.drop(columns=[*week_columns, "pp"])
    groups["label"] = [_label(r, labels) for r in groups.itertuples(index=False)]
    log.info("pain-point sums: %s", ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()))
    return PainpointData(window, groups, desk, weekly, tiers, desk_tiers, seconds)


def _label(row: Any, labels: dict[str, str]) -> str:
    theme = labels.get(row.theme_id, row.theme_id) if isinstance(row.theme_id, str) else None
    if row.kind == "theme":
        return str(theme)
    if row.kind == "category":
        return str(row.category)
    return f"{theme} / {row.category}"
