"""Settings of the risk models: candidates, level pooling, class minimums, bands, evaluation and drift.

The options of one training or scoring run (target, split, scope...) are the keyword arguments of
the service functions; these are the thresholds behind them, each with the reason for it.
"""

from __future__ import annotations

ALGORITHMS = ("logistic", "boosting")
# Levels seen fewer times than this in the fitting data are pooled; at most MAX_LEVELS per feature.
MIN_LEVEL_COUNT = 20
MAX_LEVELS = 40
# Fewer labelled tickets of either class than this, overall or in the held-out period, is an error.
MIN_PER_CLASS = 30
MIN_PER_CLASS_TEST = 10
MIN_SHOWN_EFFECT = 5e-4  # under 0.05 risk points is not a factor worth showing
# Boosting explanations cost one prediction per feature; a feature that moved fewer than 1% of the
# validation tickets' risk by a point or more is not evaluated per ticket (it would rarely make a
# top 3). The logistic model's explanations are exact for every feature at no extra cost.
SILENT_P99_EFFECT = 0.01
# Boosting is kept only when its validation AUC beats the logistic model's by more than this:
# on a tie the simpler model wins (exact, cheaper explanations, smoother scores).
BOOSTING_MARGIN = 0.01
# Bands from the validation slice: `high` = the riskiest 10%, `medium` = the next 20%.
BAND_QUANTILES = {"high": 0.9, "medium": 0.7}

# Scoring: open tickets, and those resolved this many days before the newest data.
CLOSED_STATUSES = ("resolved", "closed", "cancelled")
JUST_RESOLVED_DAYS = 7

# Held-out evaluation.
TOP_K_SHARES = (0.05, 0.1, 0.2)
SMALL_SAMPLE = 100  # fewer positives (or negatives) than this in a test set: figures flagged

# Drift: Population Stability Index thresholds (< 0.1 stable, 0.1-0.25 moderate, >= 0.25 major).
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
PSI_FLOOR = 1e-4  # share given to an empty bin, so the log stays finite
MIN_DRIFT_N = 100
