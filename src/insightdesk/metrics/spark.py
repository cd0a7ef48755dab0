"""Running the KPI definitions on Spark: canonical tables as Parquet, an Ibis PySpark backend.

    from insightdesk.metrics import compute
    from insightdesk.metrics.spark import spark_backend

    backend = spark_backend(parquet_root="s3a://bucket/insightdesk/")   # or an existing SparkSession
    compute("nps", store=backend, by=["channel"], grain="month")

Needs the `[spark]` extra (pyspark) and Java. See docs/scale.md.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from insightdesk.config import get_settings
from insightdesk.metrics.tables import CANONICAL

# Naive-UTC timestamps stay UTC only when Spark's session zone is UTC (epoch arithmetic depends on it).
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
}


def _similarity_jar() -> dict[str, str]:
    """Splink's string-similarity functions on the JVM's class path (identity matching on Spark).

    A jar only reaches the driver's class path when the JVM starts, and one process starts one JVM:
    a session started here for the metrics and a later identity run on Spark in the same process
    (a server, a notebook) share it, so every session this package starts carries the jar.
    """
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:  # splink without its Spark extra: identity on Spark says what is missing
        return {}
    return {"spark.jars": similarity_jar_location()}


def local_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> Any:
    """A local SparkSession fit for tests and one-machine runs (UTC, no UI, temp warehouse)."""
    from pyspark.sql import SparkSession

    # Spark's launcher reads the variable itself; set it (from the settings) when the user has not.
    os.environ.setdefault("SPARK_LOCAL_IP", get_settings().spark_local_ip)
    builder = SparkSession.builder.master(master).appName("insightdesk-metrics")
    settings = {**DEFAULT_CONF, "spark.sql.warehouse.dir": tempfile.mkdtemp(prefix="insightdesk-spark-")}
    settings.update(_similarity_jar())
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def register_parquet(session: Any, root: str, tables: tuple[str, ...] = CANONICAL) -> None:
    """Expose `<root>/<table>` (a Parquet file or folder, local or object storage) as temp views."""
    base = root.rstrip("/")
    for table in tables:
        session.read.parquet(f"{base}/{table}").createOrReplaceTempView(table)


def spark_backend(session: Any = None, *, parquet_root: str | None = None) -> Any:
    """An Ibis PySpark backend over the canonical tables, ready for `compute(store=...)`."""
    import ibis

    session = session or local_session()
    if session.conf.get("spark.sql.session.timeZone") != "UTC":
        session.conf.set("spark.sql.session.timeZone", "UTC")
    if parquet_root is not None:
        register_parquet(session, parquet_root)
    return ibis.pyspark.connect(session)
