"""The one local Spark session of a test process, shared by the Spark tests.

A process starts one JVM (about 15 s here), and a jar reaches its class path only at that start, so
identity matching (Splink's similarity jar) and the metrics share a session rather than each starting
their own: tests that use it are in one xdist group (`SPARK_GROUP`) and so run on one worker.
"""

from __future__ import annotations

from typing import Any

import pytest

SPARK_GROUP = "spark"
# Tiny data: one core, one shuffle partition, no adaptive re-planning and no whole-stage code
# generation (compiling each of Splink's many small queries costs more than running them). The JVM
# lives a minute or two: the quick JIT compiler alone and the serial collector leave the CPU to the
# queries rather than to optimising compilations and GC threads (together about a third faster).
TINY = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}
IN_SPARK_GROUP = pytest.mark.xdist_group(SPARK_GROUP)


def tiny_session() -> Any:
    """A local[1] session with Splink's similarity functions, fit for both the identity run and the
    KPI definitions on a few hundred rows."""
    from insightdesk.identity.spark_engine import identity_session

    return identity_session("local[1]", TINY)
