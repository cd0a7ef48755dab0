"""The text pipeline attempts no network access: models load from the package, nothing from a hub.

Runs in a fresh interpreter (so models load there from scratch) with HF_HUB_OFFLINE=1 and every
socket connection, DNS lookup included, made to fail loudly and be counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, socket, sys
attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args[1:] if args else kwargs)[:200])
    raise OSError("network access attempted during the offline text pipeline")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.create_connection = refuse

sys.path.insert(0, sys.argv[2])
from insightdesk.store import open_store
from insightdesk.text.pipeline_store import analyze_store
from insightdesk.text.theme_store import discover_store_themes
from tests.support.text_seed import seed_texts

with open_store(sys.argv[1]) as store:
    seed_texts(store)
    report = analyze_store(store)
    fit = discover_store_themes(store, min_size=3)
try:
    socket.create_connection(("127.0.0.1", 9))
except OSError:
    pass
print(json.dumps({"analysed": report.analysed, "themes": fit.n_themes, "attempts": attempts}))
"""


def test_pipeline_runs_with_the_network_refused(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "offline.duckdb"), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["analysed"] == 22 and result["themes"] == 3
    # Exactly one attempt: the script's own probe, proving the guard was armed.
    assert len(result["attempts"]) == 1, result["attempts"]
