"""The strict time split of a risk model: fit, validation slice, held-out test (no store I/O).

The model is fitted on the oldest part of the training period, chosen and calibrated on its most
recent slice (closest to how it will be used), and evaluated once on the held-out tickets created
after `split_at`. A repeat-contact label looks ahead, so an embargo drops the tickets whose label
window crosses a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from insightdesk.insights.risk.config import MIN_PER_CLASS, MIN_PER_CLASS_TEST


class RiskDataError(ValueError):
    """Too few labelled tickets, or a split that leaves one side without data."""


@dataclass
class Split:
    fit: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    split_at: pd.Timestamp
    valid_from: pd.Timestamp


def _counts(y: pd.Series) -> str:
    pos = int((y == 1).sum())
    return f"{len(y):,} labelled ({pos:,} positive, {len(y) - pos:,} negative)"


def time_split(
    labelled: pd.DataFrame,
    target: str,
    split_at: pd.Timestamp | None = None,
    *,
    test_share: float = 0.2,
    valid_share: float = 0.2,
    embargo: pd.Timedelta | None = None,
) -> Split:
    """Fit / validation / test by creation time; `embargo` drops tickets whose label window crosses a cut.

    Raises RiskDataError naming the target and the counts when a side has too few of either class.
    """
    y = labelled[target]
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    if min(pos, neg) < MIN_PER_CLASS:
        raise RiskDataError(
            f"too few labelled tickets to train a {target} model: {_counts(y)}; "
            f"need at least {MIN_PER_CLASS} of each class"
        )
    data = labelled.sort_values(["created_at", "ticket_id"], kind="stable")
    if split_at is None:
        split_at = data["created_at"].iloc[int(len(data) * (1 - test_share))]
    split_at = pd.Timestamp(split_at)
    train, test = data[data["created_at"] < split_at], data[data["created_at"] >= split_at]
    valid_from = train["created_at"].iloc[int(len(train) * (1 - valid_share))] if len(train) else split_at
    if embargo is not None:
        train = train[train["created_at"] < split_at - embargo]
    fit = train[train["created_at"] < valid_from]
    valid = train[train["created_at"] >= valid_from]
    if embargo is not None:
        fit = fit[fit["created_at"] < valid_from - embargo]
    for name, part, need in (
        ("training period before the validation slice", fit, MIN_PER_CLASS),
        ("validation slice", valid, MIN_PER_CLASS_TEST),
        (f"held-out period from {split_at:%Y-%m-%d %H:%M}", test, MIN_PER_CLASS_TEST),
    ):
        k = int((part[target] == 1).sum())
        if min(k, len(part) - k) < need:
            raise RiskDataError(
                f"too few labelled tickets in the {name} for a {target} model: {_counts(part[target])} "
                f"of {_counts(y)} in all; need at least {need} of each class there"
                + ("" if name.startswith("held") else "; choose a later --split-at")
            )
    return Split(fit, valid, test, split_at, pd.Timestamp(valid_from))
