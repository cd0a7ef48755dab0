"""Re-ingesting the same files in another process changes nothing, for every bundled profile.

Python salts the hash of strings per process (PYTHONHASHSEED), so anything built from a set's order
differs between runs: the record hash once did (generic profile), and every re-run reported all
records updated and grew `record_history`. Each run here is its own process with its own seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from insightdesk.ingest import available_profiles
from tests.support.profile_files import every_profile_loads

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


def run_with_seed(seed: str, url: str, loads: list[list[str]]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT, url, json.dumps(loads)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_every_profile_reingests_unchanged_across_processes(store_url, tmp_path):
    loads = [[p, k, str(path)] for p, k, path in every_profile_loads(tmp_path)]
    assert {p for p, *_ in loads} == set(available_profiles())
    first = run_with_seed("1", store_url, loads)
    assert all(inserted for _, _, inserted, *_ in first["loads"]), first["loads"]
    for seed in ("2", "3"):
        again = run_with_seed(seed, store_url, loads)
        for (profile, kind, inserted, updated, unchanged, _rejected, derived), before in zip(
            again["loads"], first["loads"], strict=True
        ):
            label = f"{profile} {kind}, PYTHONHASHSEED={seed}"
            assert (inserted, updated) == (0, 0), label
            assert unchanged == before[2] + before[3] + before[4], label
            assert all(counts == [0, 0] for counts in derived.values()), (label, derived)
        assert again["history"] == first["history"], f"record_history changed under PYTHONHASHSEED={seed}"
