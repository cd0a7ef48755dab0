"""Identity resolution: one person across helpdesks, CRM, surveys and channels, with a review queue.

Roles (as in the insight features): *specification* (`spec`: keys, thresholds, survivorship),
*computation* (`prepare`, `deterministic`, `blocking`, `splink_model`, `clustering`, `golden`,
`stitching`, `evaluation`, tied together by the pure `pipeline`), *persistence* (`persistence`:
every read and write of the identity tables) and *services* (`service`: runs and status; `review`:
the review queue, decisions and unmerge). `fixtures` generates person records with known truth;
`spark_engine` starts the Spark session Splink may train and score on (`run_identity(backend="spark")`).
"""

from __future__ import annotations

from insightdesk.identity.evaluation import PairwiseScore, best_threshold, pairwise_score
from insightdesk.identity.pipeline import Constraints, Resolution, resolve, resolve_incremental
from insightdesk.identity.prepare import RecordError, prepare_records
from insightdesk.identity.review import ReviewPage, decide, review_queue, unmerge
from insightdesk.identity.service import (
    IdentityError,
    IdentityNotFound,
    RunResult,
    refresh_derived,
    run_identity,
    status,
)
from insightdesk.identity.spec import MatchSpec, Survivorship

__all__ = [
    "Constraints",
    "IdentityError",
    "IdentityNotFound",
    "MatchSpec",
    "PairwiseScore",
    "RecordError",
    "Resolution",
    "ReviewPage",
    "RunResult",
    "Survivorship",
    "best_threshold",
    "decide",
    "pairwise_score",
    "prepare_records",
    "refresh_derived",
    "resolve",
    "resolve_incremental",
    "review_queue",
    "run_identity",
    "status",
    "unmerge",
]
