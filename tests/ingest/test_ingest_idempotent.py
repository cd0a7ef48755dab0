"""Re-ingesting the same files in another process changes nothing, for every bundled profile.

Python salts the hash of strings per process (PYTHONHASHSEED), so anything built from a set's order
differs between runs: the record hash once did (generic profile), and every re-run reported all
records updated and grew `record_history`. Each run here is its own process with its own seed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from insightdesk.ingest import available_profiles
from tests.support.profile_files import every_profile_loads
from tests.support.stores import pg_create, pg_db_name, pg_drop

ROOT = Path(__file__).resolve().parents[2]

# Ingests argv[2] (a JSON list of [profile, kind, path]) into the store at argv[1]; prints per load
# the counts of the entity and of what it derived, then the size and a digest of record_history.
LOAD_SCRIPT = """
import hashlib, json, sys
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store

with open_store(sys.argv[1]) as store:
    counts = []
    for profile, kind, path in json.loads(sys.argv[2]):
        r = ingest_file(store, path, kind, profile=profile)
        derived = {name: [c.inserted, c.updated] for name, c in r.derived.items()}
        counts.append([profile, kind, r.inserted, r.updated, r.unchanged, r.rejected, derived])
    history = store.query_df("SELECT entity, record_id, batch_id, record FROM record_history ORDER BY 1, 2, 3")
    digest = hashlib.sha256(history.to_csv(index=False).encode()).hexdigest()
    print(json.dumps({"loads": counts, "history": [len(history), digest]}))
"""


def start_with_seed(seed: str, url: str, loads: list[list[str]]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.Popen(
        [sys.executable, "-c", LOAD_SCRIPT, url, json.dumps(loads)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def finish(child: subprocess.Popen[str]) -> dict:
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr[-3000:]
    return json.loads(stdout.splitlines()[-1])


@contextmanager
def store_copy(engine: str, url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A copy of the (closed) store at `url`: a file copy, or a database made from it as a template."""
    if engine == "duckdb":
        copy = tmp_path / f"{name}.duckdb"
        shutil.copyfile(url, copy)
        yield str(copy)
        return
    db = pg_db_name(name)
    try:
        yield pg_create(db, url.rsplit("/", 1)[1])
    finally:
        pg_drop(db)


def test_every_profile_reingests_unchanged_across_processes(engine, store_url, tmp_path):
    loads = [[p, k, str(path)] for p, k, path in every_profile_loads(tmp_path)]
    assert {p for p, *_ in loads} == set(available_profiles())
    first = finish(start_with_seed("1", store_url, loads))
    assert all(inserted for _, _, inserted, *_ in first["loads"]), first["loads"]
    # The two re-runs start from the same loaded store, side by side on copies of it.
    with (
        store_copy(engine, store_url, tmp_path, "seed2") as two,
        store_copy(engine, store_url, tmp_path, "seed3") as three,
    ):
        children = {seed: start_with_seed(seed, url, loads) for seed, url in (("2", two), ("3", three))}
        reruns = {seed: finish(child) for seed, child in children.items()}
    for seed, again in reruns.items():
        for (profile, kind, inserted, updated, unchanged, _rejected, derived), before in zip(
            again["loads"], first["loads"], strict=True
        ):
            label = f"{profile} {kind}, PYTHONHASHSEED={seed}"
            assert (inserted, updated) == (0, 0), label
            assert unchanged == before[2] + before[3] + before[4], label
            assert all(counts == [0, 0] for counts in derived.values()), (label, derived)
        assert again["history"] == first["history"], f"record_history changed under PYTHONHASHSEED={seed}"
