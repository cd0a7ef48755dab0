"""Splink on Spark: the session an identity run scores on when one machine's DuckDB is too small.

Only the matching moves: records are read from the store (DuckDB or PostgreSQL), Splink trains and
scores on Spark, and the scored pairs come back to be clustered and written through the same
persistence. Needs the `[spark]` extra (pyspark) and Java; `spark_missing()` says which is absent so
the run can refuse before it reads anything.
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any, Literal

import pandas as pd

from insightdesk.config import get_settings

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
DEFAULT_MASTER = "local[*]"
# The columns Splink sees, typed up front: Spark cannot infer the type of a column a desk leaves empty.
ARRAY_COLUMNS = ("first_name_forms",)


def spark_missing() -> str | None:
    """Why Splink cannot run on Spark here (one sentence), or None when pyspark and Java are present."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed: pip install 'insightdesk[spark]'"
    if shutil.which("java") is None and not get_settings().java_home:
        return "no Java runtime on PATH or in JAVA_HOME (Spark needs Java 17)"
    return None


def identity_session(master: str = DEFAULT_MASTER, conf: dict[str, str] | None = None) -> Any:
    """A SparkSession with Splink's similarity functions (Jaro-Winkler, Damerau-Levenshtein) on its
    class path. They must be there when the JVM starts: a session already running in this process is
    returned as it is (Spark's getOrCreate), so start this one first or pass your own configured one."""
    from splink.backends.spark import similarity_jar_location

    from insightdesk.metrics.spark import local_session

    # No progress bars: they would interleave with the CLI's own status line.
    settings = {"spark.jars": similarity_jar_location(), "spark.ui.showConsoleProgress": "false"}
    settings.update(conf or {})
    session = local_session(master, settings)
    # Spark's warnings would drown the run's summary on the terminal. Splink's long CASE expressions
    # outgrow Java's method size in whole-stage code generation; Spark then runs the query without
    # it, but first logs the whole generated source as an "error": that one logger is switched off.
    session.sparkContext.setLogLevel("ERROR")
    jvm = session.sparkContext._jvm
    log4j = jvm.org.apache.logging.log4j
    log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator", log4j.Level.OFF
    )
    return session


def splink_spark_api(session: Any) -> Any:
    """Splink's SparkAPI over `session`. Without a checkpoint folder, intermediate tables are
    persisted (memory, then Spark's local disk) rather than written out as Parquet."""
    from splink import SparkAPI

    # Timestamps are naive UTC in the store; Spark must not shift them to the machine's zone.
    if session.conf.get("spark.sql.session.timeZone") != "UTC":
        session.conf.set("spark.sql.session.timeZone", "UTC")
    has_checkpoints = not session.sparkContext._jsc.sc().getCheckpointDir().isEmpty()
    return SparkAPI(spark_session=session, break_lineage_method=None if has_checkpoints else "persist")


def spark_frame(session: Any, frame: pd.DataFrame) -> Any:
    """A Spark DataFrame of the model columns with an explicit schema (strings, arrays of strings)."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    fields = [
        StructField(c, ArrayType(StringType()) if c in ARRAY_COLUMNS else StringType(), True)
        for c in frame.columns
    ]
    clean = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        if column not in ARRAY_COLUMNS:
            clean[column] = [None if v is None else str(v) for v in clean[column]]
        else:
            clean[column] = [None if v is None else [str(x) for x in v] for v in clean[column]]
    # Through Arrow the rows are handed to the JVM once; without it Spark keeps them pickled and starts
    # Python workers to unpickle them in every job that scans the frame, and Splink scans it in dozens.
    arrow = "spark.sql.execution.arrow.pyspark.enabled"
    before = session.conf.get(arrow)
    session.conf.set(arrow, "true")
    try:
        return session.createDataFrame(clean, StructType(fields))
    finally:
        session.conf.set(arrow, before)
