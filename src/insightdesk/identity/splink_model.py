"""The probabilistic half: a Splink 5 model built for the fields a data set has, trained by EM, and
scoring the blocked pairs.

Splink runs on an in-memory DuckDB of its own (whatever engine the store is), or on a Spark session
the caller passes (identity.spark_engine): records go in as a frame, scored pairs come out as a frame. Names are compared with nicknames (identity.nicknames),
swapped first name and surname, and Jaro-Winkler typos, with term-frequency adjustment so a match on
a rare name counts for more than one on a common name.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from insightdesk.identity.blocking import SWAP_RULE, add_blocking_columns, choose_rules
from insightdesk.identity.spark_engine import spark_frame, splink_spark_api
from insightdesk.identity.spec import MatchSpec
from insightdesk.store.scratch import scratch_duckdb

log = logging.getLogger(__name__)

# Columns Splink sees (lists of nickname forms included); the rest of the prepared frame stays here.
MODEL_COLUMNS = (
    "record_id",
    "first_name",
    "surname",
    "full_name",
    "first_name_forms",
    "email",
    "email_user",
    "phone",
    "dob",
    "street",
    "postcode",
    "city",
    "external_id",
    "organisation_id",
    "first_initial",
    "surname_initial",
    "dob_year",
)
PAIR_COLUMNS = ["record_id_l", "record_id_r", "match_probability", "match_weight"]
# Columns a comparison may adjust by term frequency (computed for incremental predictions).
TF_COLUMNS = ("full_name", "first_name", "surname", "email", "postcode", "city", "organisation_id")
# No blocking rule may generate more comparisons than this (see identity.blocking).
MAX_PAIRS_PER_RULE = 20_000_000


@dataclass
class TrainedModel:
    """A trained Splink model and what it was built from."""

    settings: dict[str, Any]
    fields: list[str]
    blocking_rules: list[str]

    def as_json(self) -> str:
        return json.dumps(
            {"fields": self.fields, "blocking_rules": self.blocking_rules, "settings": self.settings}
        )


def _private_db_api() -> Any:
    """Splink's DuckDB, in memory and never spilling: the records are personal data, and DuckDB would
    otherwise offload what exceeds memory to a temp folder in the clear."""
    from splink import DuckDBAPI

    con = scratch_duckdb()
    con.execute("SET temp_directory = ''")
    return DuckDBAPI(con)


class _Engine:
    """Where Splink runs: its private DuckDB (spark=None) or a Spark session (identity.spark_engine)."""

    def __init__(self, spark: Any = None) -> None:
        self.spark = spark
        self.api = _private_db_api() if spark is None else splink_spark_api(spark)

    def register(self, frame: pd.DataFrame, name: str) -> Any:
        table = frame if self.spark is None else spark_frame(self.spark, frame)
        return self.api.register(table, table_name=name)


def _name_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.And(cll.NullLevel("first_name"), cll.NullLevel("surname")),
            cll.ExactMatchLevel("full_name").configure(tf_adjustment_column="full_name"),
            cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True).configure(
                label_for_charts="first name and surname swapped"
            ),
            cll.And(
                cll.ArrayIntersectLevel("first_name_forms", min_intersection=1),
                cll.JaroWinklerLevel("surname", 0.92),
            ).configure(label_for_charts="nickname, surname alike"),
            cll.And(cll.JaroWinklerLevel("first_name", 0.92), cll.JaroWinklerLevel("surname", 0.92)),
            cll.And(cll.JaroWinklerLevel("first_name", 0.8), cll.JaroWinklerLevel("surname", 0.8)),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            cll.ExactMatchLevel("first_name").configure(tf_adjustment_column="first_name"),
            cll.ElseLevel(),
        ],
    )


def _comparisons(fields: set[str]) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    comparisons: list[Any] = []
    if {"first_name", "surname"} & fields:
        comparisons.append(_name_comparison())
    if "email" in fields:
        comparisons.append(cl.EmailComparison("email"))
    if "phone" in fields:
        comparisons.append(
            cl.CustomComparison(
                output_column_name="phone",
                comparison_levels=[
                    cll.NullLevel("phone"),
                    cll.ExactMatchLevel("phone"),
                    cll.DamerauLevenshteinLevel("phone", 1),
                    cll.ElseLevel(),
                ],
            )
        )
    if "dob" in fields:
        comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"))
    if "external_id" in fields:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("external_id", [1, 2]))
    if "postcode" in fields:
        comparisons.append(
            cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True)
        )
    elif "city" in fields:  # a city is nearly implied by a postcode: compare it only without one
        comparisons.append(cl.ExactMatch("city").configure(term_frequency_adjustments=True))
    if "street" in fields:
        comparisons.append(cl.JaroWinklerAtThresholds("street", [0.9, 0.8]))
    if "organisation_id" in fields:  # the same employer or account: weak alone, telling with a name
        comparisons.append(cl.ExactMatch("organisation_id").configure(term_frequency_adjustments=True))
    return comparisons


def _training_rules(fields: set[str]) -> list[Any]:
    """EM sessions: one blocked on names (learns everything else), one on the best other key."""
    from splink import block_on

    rules: list[Any] = []
    if {"first_name", "surname"} <= fields:
        rules.append(block_on("first_name", "surname"))
    for key in ("email", "dob", "external_id", "phone", "postcode"):
        if key in fields:
            rules.append(block_on(key))
            break
    return rules


def _deterministic_rules(fields: set[str]) -> list[Any]:
    from splink import block_on

    rules = [block_on(k) for k in ("email", "external_id", "phone") if k in fields]
    if {"first_name", "surname", "dob"} <= fields:
        rules.append(block_on("first_name", "surname", "dob"))
    return rules


def train_and_predict(
    prepared: pd.DataFrame, fields: set[str], spec: MatchSpec, *, floor: float, spark: Any = None
) -> tuple[pd.DataFrame, TrainedModel]:
    """Train on these records and score their blocked pairs; pairs under `floor` are not returned.
    With a Spark session, Splink trains and scores there (the same settings, rules and EM sessions)."""
    from splink import Linker, SettingsCreator, block_on

    frame = add_blocking_columns(prepared)[list(MODEL_COLUMNS)]
    comparisons = _comparisons(fields)
    if not comparisons or len(frame) < 2:
        return pd.DataFrame(columns=PAIR_COLUMNS), TrainedModel({}, sorted(fields), [])
    # Ten comparisons per record per rule (at least two million, at most MAX_PAIRS_PER_RULE): the
    # broad rules that keep recall on a small set are refined before they swamp a large one.
    rules = choose_rules(frame, fields, min(MAX_PAIRS_PER_RULE, max(2_000_000, 10 * len(frame))))
    blocking: list[Any] = [block_on(*rule) for rule in rules]
    if {"first_name", "surname"} <= fields:
        blocking.append(SWAP_RULE)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(_Engine(spark).register(frame, "identity_records"), settings, log_level=None)
    deterministic = _deterministic_rules(fields)
    if deterministic:
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
        except Exception as exc:  # too few records agree on any key: keep Splink's prior
            log.info("kept the default prior match probability: %s", exc)
    # Chunks let a large data set stop sampling early once every level is seen; a small one is
    # cheaper in one pass.
    chunks = 1 if len(frame) < 50_000 else 10
    linker.training.estimate_u_using_random_sampling(
        max_pairs=spec.u_sample_pairs, seed=spec.seed, num_chunks=chunks
    )
    for rule in _training_rules(fields):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # a block with no pairs cannot train; the other session still does
            log.info("EM session skipped: %s", exc)
    predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    pairs = predictions.as_pandas_dataframe()
    pairs = pairs.rename(columns={"record_id_l": "record_id_l", "record_id_r": "record_id_r"})[PAIR_COLUMNS]
    model = TrainedModel(
        settings=linker.misc.save_model_to_json(),
        fields=sorted(fields),
        blocking_rules=[" & ".join(rule) for rule in rules]
        + ([SWAP_RULE] if len(blocking) > len(rules) else []),
    )
    return _ordered(pairs), model


def predict_with_model(
    model: TrainedModel, existing: pd.DataFrame, new: pd.DataFrame, *, floor: float, spark: Any = None
) -> pd.DataFrame:
    """Score new records against existing ones and against each other with a stored model."""
    from splink import Linker

    if not model.settings or new.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    engine = _Engine(spark)
    old_frame = add_blocking_columns(existing)[list(MODEL_COLUMNS)]
    new_frame = add_blocking_columns(new)[list(MODEL_COLUMNS)]
    old_sdf = engine.register(old_frame, "identity_existing")
    new_sdf = engine.register(new_frame, "identity_new")
    everything = engine.register(pd.concat([old_frame, new_frame], ignore_index=True), "identity_all")
    # Term frequencies from the existing records plus the new ones (predict_between needs them
    # computed first), so a rare name stays rare.
    linker = Linker(everything, model.settings, log_level=None)
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    between = linker.inference.predict_between(
        [new_sdf], [old_sdf], threshold_match_probability=floor, warning_mode="never"
    ).as_pandas_dataframe()
    within = linker.inference.predict_within(
        new_sdf, threshold_match_probability=floor, warning_mode="never"
    ).as_pandas_dataframe()
    pairs = pd.concat([between[PAIR_COLUMNS], within[PAIR_COLUMNS]], ignore_index=True)
    return _ordered(pairs)


def _ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    """Each pair once, the smaller record id first."""
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    left = pairs["record_id_l"].astype(str)
    right = pairs["record_id_r"].astype(str)
    swap = left > right
    out = pd.DataFrame(
        {
            "record_id_l": left.where(~swap, right),
            "record_id_r": right.where(~swap, left),
            "match_probability": pairs["match_probability"].astype(float),
            "match_weight": pairs["match_weight"].astype(float),
        }
    )
    out = out.sort_values("match_probability", ascending=False).drop_duplicates(
        ["record_id_l", "record_id_r"]
    )
    return out.reset_index(drop=True)
