"""Interval calibration on a synthetic series whose intervals are known to be half as wide as they
should be: errors are N(0, 2^2), the model's 80% / 95% intervals assume N(0, 1), so the right factor is 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insightdesk.workforce.calibration import (
    PRIOR_POINTS,
    factors_from,
    interval_factor,
    scale_intervals,
    width_ratios,
)

Z = {80: 1.2815515655446004, 95: 1.959963984540054}  # normal quantiles at 0.90 and 0.975


def _points(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    forecast = np.full(n, 100.0)
    frame = pd.DataFrame({"forecast": forecast, "y": forecast + rng.normal(0.0, 2.0, n)})
    for level, z in Z.items():
        frame[f"lo{level}"], frame[f"hi{level}"] = forecast - z, forecast + z
    return frame


def test_the_factor_recovers_a_known_under_width_and_calibrates_new_points() -> None:
    past, future = _points(4_000, seed=1), _points(4_000, seed=2)
    factors = factors_from(past, (80, 95))
    weight = 4_000 / (4_000 + PRIOR_POINTS)  # shrinkage toward 1 is negligible with this many points
    for level in (80, 95):
        assert factors[level] == pytest.approx(2.0**weight, rel=0.03)
    scaled = scale_intervals(future, factors)
    for level in (80, 95):
        inside = ((scaled["y"] >= scaled[f"lo{level}"]) & (scaled["y"] <= scaled[f"hi{level}"])).mean()
        assert inside == pytest.approx(level / 100, abs=0.02)  # the model's own: 0.52 and 0.67
    # Few points are shrunk toward the model's own intervals, in log space; none leave them as they are.
    few = width_ratios(past["y"][:14], past["forecast"][:14], past["lo80"][:14], past["hi80"][:14])
    raw = float(np.quantile(few, 0.8))
    assert interval_factor(few, 80) == pytest.approx(np.exp(14 / (14 + PRIOR_POINTS) * np.log(raw)))
    assert interval_factor(np.array([]), 80) == 1.0
    # The side the actual fell on sets the ratio (asymmetric intervals of log-scale models).
    ratios = width_ratios(
        np.array([12.0, 9.0]), np.array([10.0, 10.0]), np.array([8.0, 8.0]), np.array([14.0, 14.0])
    )
    assert list(ratios) == [0.5, 0.5]
