"""Splink on Spark: the same generated records give the same persons as Splink on DuckDB, written
through the same store tables; a missing Java or pyspark is refused in one sentence.

The Spark comparison skips with the reason when pyspark or Java is missing (install the `[spark]`
extra to run it), as tests/metrics/test_metrics_spark.py does.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.governance import Actor
from insightdesk.identity import IdentityError, MatchSpec, pairwise_score, run_identity
from insightdesk.identity import service as identity_service
from insightdesk.store import Store, open_store
from tests.identity.seed import add_customers, people
from tests.support.spark import IN_SPARK_GROUP

ACTOR = Actor("tester", "admin", "127.0.0.1")
SPEC = MatchSpec(u_sample_pairs=3e4)
RECORDS = 120
LATER = 15  # added after the first run, linked incrementally
# The session is the process's one (tests/conftest.py `spark_session`), shared with the metrics on
# Spark: its tests run on one worker, in one group.
NEEDS_SPARK = [
    pytest.mark.slow,
    IN_SPARK_GROUP,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (pip install '.[spark]')"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on PATH (Spark needs Java 17)"),
]


def _seeded(template: Path, folder: Path, truth: pd.DataFrame) -> Store:
    path = folder / "store.duckdb"
    shutil.copyfile(template, path)
    store = open_store(path)
    add_customers(store.engine, truth)
    return store


def _person_of(store: Store) -> pd.Series:
    with store.engine.connect() as conn:
        links = pd.read_sql(sa.text("select record_id, person_id from identity_links"), conn)
    return links.set_index("record_id")["person_id"]


def _clusters(store: Store) -> set[frozenset[str]]:
    person_of = _person_of(store)
    return {frozenset(g.index) for _, g in person_of.groupby(person_of)}


@NEEDS_SPARK[0]
@NEEDS_SPARK[1]
@NEEDS_SPARK[2]
@NEEDS_SPARK[3]
def test_spark_run_gives_the_duckdb_persons(
    duckdb_template: Path, tmp_path: Path, spark_session: object
) -> None:
    everyone = people(RECORDS + LATER)
    truth, later = everyone.iloc[:RECORDS], everyone.iloc[RECORDS:]
    (tmp_path / "duck").mkdir()
    (tmp_path / "spark").mkdir()
    duck = _seeded(duckdb_template, tmp_path / "duck", truth)
    spark = _seeded(duckdb_template, tmp_path / "spark", truth)
    try:
        started = time.perf_counter()
        on_duck = run_identity(duck, SPEC, mode="full", actor=ACTOR)
        duck_s = time.perf_counter() - started
        started = time.perf_counter()
        on_spark = run_identity(
            spark, SPEC, mode="full", actor=ACTOR, backend="spark", spark_session=spark_session
        )
        spark_s = time.perf_counter() - started
        assert on_spark.summary["backend"] == "spark" and on_duck.summary["backend"] == "duckdb"
        assert on_spark.summary["records"] == on_duck.summary["records"] == RECORDS
        a, b = _clusters(duck), _clusters(spark)
        print(f"\nduckdb {duck_s:.1f}s, spark {spark_s:.1f}s; {len(a)} vs {len(b)} persons")
        assert a == b
        # Identical persons score identically against the truth; no merge on this data is wrong.
        truth_of = truth.set_index("record_id")["person"]
        score = pairwise_score(_person_of(spark), truth_of)
        assert score == pairwise_score(_person_of(duck), truth_of)
        assert score.true_positives == score.predicted_pairs > 0
        print(f"pairwise F1 against the truth {score.f1:.3f} (n={RECORDS})")
        # New records linked incrementally with each store's own stored model: the same again.
        for store in (duck, spark):
            add_customers(store.engine, later)
        run_identity(duck, SPEC, mode="incremental", actor=ACTOR)
        again = run_identity(
            spark, SPEC, mode="incremental", actor=ACTOR, backend="spark", spark_session=spark_session
        )
        assert again.summary["mode"] == "incremental" and again.summary["records"] == RECORDS + LATER
        assert _clusters(duck) == _clusters(spark)
    finally:
        duck.close()
        spark.close()


def test_spark_without_java_is_refused_in_one_sentence(
    duckdb_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _seeded(duckdb_template, tmp_path, people(10))
    store.close()
    monkeypatch.setenv("PATH", str(tmp_path))  # no java (nor anything else) on it
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with open_store(tmp_path / "store.duckdb") as opened, pytest.raises(IdentityError) as refused:
        run_identity(opened, SPEC, mode="full", actor=ACTOR, backend="spark")
    assert "cannot run identity matching on Spark" in str(refused.value)
    result = CliRunner().invoke(
        app, ["identity", "run", "--db", str(tmp_path / "store.duckdb"), "--backend", "spark"]
    )
    assert result.exit_code != 0
    assert "cannot run identity matching on Spark" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(
        app, ["identity", "run", "--db", str(tmp_path / "store.duckdb"), "--backend", "x"]
    )
    assert result.exit_code != 0 and "use duckdb or spark" in result.output


def test_too_many_records_for_duckdb_points_to_spark(
    duckdb_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _seeded(duckdb_template, tmp_path, people(10))
    monkeypatch.setattr(identity_service, "MAX_RECORDS", 5)  # the real limit is 5,000,000 records
    try:
        with pytest.raises(IdentityError, match="--backend spark"):
            run_identity(store, SPEC, mode="full", actor=ACTOR)
    finally:
        store.close()
