"""Settings of impact analyses: period grains, power target, small-sample and default MDE conventions.

The options of one analysis (window, grain, alpha, clustering...) are the keyword arguments of the
service functions; these are the conventions behind their defaults and warnings.
"""

from __future__ import annotations

GRAINS = {"day": 1, "week": 7, "month": 28}
"""Days per period of a before/after analysis; months are 4-week blocks aligned on the change."""
WINDOW_DAYS = 84
"""Default window either side of a change: 12 weeks."""
POWER_TARGET = 0.8
"""Power an A/B test should have to detect its minimum effect of interest; less is flagged."""
SMALL_CELL = 30
"""Fewer observations than this in a cell (segment x before/after) or a period: flagged small."""
SHARE_MDE_POINTS = 5.0
"""Default minimum effect of interest of a share, in percentage points."""
MEAN_MDE_SD = 0.2
"""Default minimum effect of interest of a mean, in pooled standard deviations (a small effect)."""
