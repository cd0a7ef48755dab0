"""Settings of key drivers: the segments compared, pooled levels, p-value adjustments, sample warnings.

The options of one analysis (bootstrap size, alpha, adjustments, seed...) are the keyword arguments
of `key_drivers`; these are the conventions behind them.
"""

from __future__ import annotations

SEGMENTS = ("customer_tier", "customer_segment", "customer_region", "language", "channel")
"""Attributes whose levels are compared raw (disparities), each level against all other tickets."""
OTHER = "(other)"
"""The level that pools an attribute's rare levels (fewer than `min_level_n` tickets each)."""
SMALL_SAMPLE = 500
"""Fewer answered tickets than this: the report warns that intervals are wide."""
RARE_CLASS = 50
"""Fewer tickets than this in the rarer outcome class: the report warns."""
ADJUSTMENTS: dict[str, str | None] = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh", "none": None}
"""P-value adjustments by their option name, as statsmodels `multipletests` calls them."""
ADJUSTMENT_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "fdr_bh": "Benjamini-Hochberg", "none": "no"}

# The two kinds of rows a run stores in `driver_effects`: both start with the tested figures.
_TESTED = [
    "kind",
    "feature",
    "level",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "n",
]
DRIVER_COLUMNS = [*_TESTED, "contrast", "method"]
DISPARITY_COLUMNS = [*_TESTED, "rate", "rate_rest", "n_rest", "low_n", "method"]
