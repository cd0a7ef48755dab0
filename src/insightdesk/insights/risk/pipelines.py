"""The two candidate pipelines of a risk model, unfitted (scikit-learn; no store I/O).

Both candidates see the same per-ticket features (`insights.common.features`):
- `logistic`: one-hot levels (rare ones pooled) and log-scaled, standardised numbers with a missing
  indicator, into an L2-regularised logistic regression whose strength is cross-validated;
- `boosting`: scikit-learn's HistGradientBoostingClassifier with native categorical splits (levels
  ordinal-encoded, rare ones pooled) and native missing values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.insights.common.features import HEAVY_TAILED
from insightdesk.insights.risk.config import ALGORITHMS, MAX_LEVELS, MIN_LEVEL_COUNT
from insightdesk.insights.risk.model import log1p_clipped


def usable_features(
    frame: pd.DataFrame, categorical: Sequence[str], numeric: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The features that vary in `frame`: an always-missing or constant column carries nothing."""
    cats = [c for c in categorical if c in frame and frame[c].nunique(dropna=False) > 1]
    nums = [
        c for c in numeric if c in frame and frame[c].notna().any() and frame[c].nunique(dropna=False) > 1
    ]
    return cats, nums


def _l2_only_kwargs() -> dict[str, Any]:
    """Plain L2 stated the way the installed scikit-learn wants it (1.8 moved it to `l1_ratios`)."""
    import inspect

    from sklearn.linear_model import LogisticRegressionCV

    params = inspect.signature(LogisticRegressionCV).parameters
    if "use_legacy_attributes" in params:
        return {"l1_ratios": (0.0,), "use_legacy_attributes": False}
    return {}


def _logistic(cats: list[str], nums: list[str], n_fit: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    # One transformer per feature, so each feature's output columns are known (explanations).
    parts: list[tuple[str, Any, list[str]]] = []
    for c in cats:
        enc = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=min(MIN_LEVEL_COUNT, max(2, n_fit // 50)),
            max_categories=MAX_LEVELS,
            sparse_output=False,
        )
        parts.append((c, enc, [c]))
    for c in nums:
        steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
        if c in HEAVY_TAILED:
            steps.append(FunctionTransformer(log1p_clipped, feature_names_out="one-to-one"))
        steps.append(StandardScaler())
        parts.append((c, make_pipeline(*steps), [c]))
    model = LogisticRegressionCV(
        Cs=[0.01, 0.1, 1.0, 10.0], cv=4, scoring="neg_log_loss", max_iter=2000, **_l2_only_kwargs()
    )
    return Pipeline([("features", ColumnTransformer(parts, sparse_threshold=0.0)), ("model", model)])


def _boosting(cats: list[str], nums: list[str], n_fit: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    parts: list[tuple[str, Any, list[str]]] = [
        (
            c,
            OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                min_frequency=min(MIN_LEVEL_COUNT, max(2, n_fit // 50)),
                max_categories=MAX_LEVELS,
            ),
            [c],
        )
        for c in cats
    ]
    parts += [(c, "passthrough", [c]) for c in nums]
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=400,
        max_leaf_nodes=15,
        min_samples_leaf=max(10, min(50, n_fit // 100)),
        l2_regularization=1.0,
        categorical_features=list(range(len(cats))),
        # Early stopping needs a large enough internal validation split; small data gets fewer trees.
        early_stopping=n_fit >= 2000,
        max_features=0.8,
        random_state=0,
    )
    if n_fit < 2000:
        model.set_params(max_iter=150)
    return Pipeline([("features", ColumnTransformer(parts, sparse_threshold=0.0)), ("model", model)])


def make_candidate(algorithm: str, cats: list[str], nums: list[str], n_fit: int) -> Any:
    if algorithm == "logistic":
        return _logistic(cats, nums, n_fit)
    if algorithm == "boosting":
        return _boosting(cats, nums, n_fit)
    raise ValueError(f"unknown algorithm {algorithm!r}; choose from {', '.join(ALGORITHMS)}")
