"""Closed-loop figures on the bundled sample (docs/actions.md, "Measured").

    python benchmarks/actions.py [FOLDER]

Builds the sample store in FOLDER (default a temporary folder), saves the rule "a call-back task for
every answer with low satisfaction", dry-runs it over 30 and 365 days, then activates it as if it had
been live before the first answer and runs it over all of them, twice (the second run evaluates
nothing again). Prints one line per measurement.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from insightdesk.actions import approve_activation, dry_run, request_activation, run_rules, save_rule
from insightdesk.quickstart import build_sample_store
from insightdesk.store import open_store
from insightdesk.store.tables.actions import action_rule_versions

RULE = """
rule: sample-low-satisfaction
event: feedback_received
when: {all: [{field: satisfaction, op: eq, value: low}]}
actions:
  - {type: task, kind: callback, title: "Call back about {ticket_id}", owner: team_lead, due_business_hours: 8}
"""


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-actions-"))
    db = folder / "sample.duckdb"
    build_sample_store(db)
    with open_store(db) as store:
        print(f"sample: {store.count('tickets'):,} tickets, {store.count('feedback'):,} survey rows")
        save_rule(store, RULE, "bench")
        for days in (30, 365):
            start = time.perf_counter()
            s = dry_run(store, "sample-low-satisfaction", days=days, actor="bench")
            print(f"dry-run {days} d: {s['events']:,} events, {s['matched']:,} matched, {s['customers']:,} customers, "
                  f"skipped {s['skipped']}, {time.perf_counter() - start:.2f} s")  # fmt: skip
        if request_activation(store, "sample-low-satisfaction", 1, "bench")["status"] == "awaiting_approval":
            approve_activation(store, "sample-low-satisfaction", 1, "second-person")  # bulk contact
        with store.begin() as conn:  # as if live before the first answer: every answer is new to it
            conn.execute(action_rule_versions.update().values(activated_at=dt.datetime(1970, 1, 1)))
        for label in ("live run", "again"):
            start = time.perf_counter()
            [run] = run_rules(store, actor="bench")
            seconds = time.perf_counter() - start
            print(f"{label}: {run.summary()}, {seconds:.2f} s, {run.evaluated / seconds:.0f} evaluations/s")


if __name__ == "__main__":
    main()
