"""Survey load and fault benchmark: submissions through a server killed mid-run, and a killed sender.

    python benchmarks/surveys.py                          # 2,000 submissions, 50 clients; 2,000 invitations sent
    python benchmarks/surveys.py --responses 500 --clients 20 --invitations 300   # a quick run
    python benchmarks/surveys.py --db postgresql://postgres@127.0.0.1:5432/surveys_bench   # an empty database
    python benchmarks/surveys.py --parts sender           # only the sender's half

Intake: `insightdesk serve` over a store holding N sent invitations of a one-page survey; C client
threads post one answer per link over loopback HTTP and retry on a refused connection or a 5xx
until the server answers 200 (taken) or 409 (already taken: a retry of a request that had been
committed). Midway, the server is killed with SIGKILL and started again. Then the store is checked:
every link has exactly one complete response and one feedback row (0 lost, 0 duplicated). p50/p95
latency are of the requests that got an answer (the restart's gap is counted separately).

Sender: the same store's invitations (a second survey) are sent to an aiosmtpd server on loopback
by a `Sender` in a child process, which is killed with SIGKILL midway and started again (a 5 s claim
lease). Every Message-ID received is counted: sent twice (duplicates) and never sent (skipped), and
the store says which invitations were sent again after the interrupted attempt.

The machine's load average is recorded at the start and the end of each part: on a shared machine
the latencies depend on it more than on anything here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/surveys/smtp.py: the aiosmtpd server the tests use

SURVEY = """
survey: {sid}
name: Load test
languages: [en]
fallback_language: en
invitation:
  subject: {{en: "How did we do?"}}
  intro: {{en: "Tell us."}}
fatigue: {{max_invitations: 100, per_days: 1, quiet_hours: null}}
questions:
  - {{id: csat, type: csat, required: true, text: {{en: "How satisfied are you?"}}}}
"""
LINK_KEY = "benchmark-survey-link-key-0123456789abcdef"


def prepare(target: str, n: int, sid: str, status: str) -> list[str]:
    """N customers with an email and consent, and N invitations of survey `sid` in `status`."""
    import sqlalchemy as sa

    from insightdesk.governance.privacy import record_consent
    from insightdesk.store import open_store
    from insightdesk.store.tables.people import customer_contacts, customers
    from insightdesk.store.tables.surveys import survey_invitations
    from insightdesk.surveys import publish, save_definition

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    lineage = {
        "source_system": "bench",
        "batch_id": "bench",
        "record_hash": "x",
        "first_seen_at": now,
        "last_changed_at": now,
    }
    with open_store(target) as store:
        publish(store.engine, save_definition(store.engine, SURVEY.format(sid=sid)).survey_id)
        ids = [f"inv_{sid}_{i:05d}" for i in range(n)]
        with store.begin() as conn:
            have = set(conn.execute(sa.select(customers.c.id)).scalars())
            new = [f"bench-{i:05d}" for i in range(n) if f"bench-{i:05d}" not in have]
            if new:
                conn.execute(
                    customers.insert(), [{"id": c, "source_id": c, "language": "en", **lineage} for c in new]
                )
                conn.execute(
                    customer_contacts.insert(),
                    [
                        {
                            "id": f"{c}:email",
                            "source_id": c,
                            "customer_id": c,
                            "kind": "email",
                            "value": f"{c}@example.org",
                            "is_primary": True,
                            **lineage,
                        }
                        for c in new
                    ],
                )
                for c in new:
                    record_consent(
                        conn, c, "survey", True, "import", "benchmark", at=now - dt.timedelta(days=1)
                    )
            conn.execute(
                survey_invitations.insert(),
                [
                    {
                        "invitation_id": inv,
                        "survey_id": sid,
                        "version": 1,
                        "trigger": "resolved",
                        "customer_id": f"bench-{i:05d}",
                        "channel": "email",
                        "status": status,
                        "event_at": now,
                        "created_at": now,
                        "due_at": now,
                        "sent_at": now if status == "sent" else None,
                        "expires_at": now + dt.timedelta(days=1),
                        "attempts": 0,
                    }
                    for i, inv in enumerate(ids)
                ],
            )
    return ids


def serve(target: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from insightdesk.cli import main; main()",
        "serve",
        "--db",
        target,
        "--port",
        str(port),
        "--no-warm-up",
        "--no-rollups",
    ]
    proc = subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, env=os.environ.copy())
    deadline = time.monotonic() + 900  # a loaded machine can take minutes to start the server
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def intake(args: argparse.Namespace, target: str, work: Path) -> dict[str, object]:
    from insightdesk.store import open_store
    from insightdesk.surveys import link_signer

    ids = prepare(target, args.responses, "load-intake", "sent")
    with open_store(target) as store:
        signer = link_signer(store.engine)
        tokens = [signer.survey_token(i) for i in ids]
    from tests.surveys.smtp import free_port

    port = free_port()
    log = work / "server.log"
    server = [serve(target, port, log)]
    queue = list(enumerate(tokens))
    random.Random(7).shuffle(queue)
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes = {"200": 0, "409": 0, "retries": 0}
    done = [0]
    killed_at: list[float] = []
    restarted_at: list[float] = []

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    n, token = queue.pop()
                form = {"cursor": "0", "q_csat": str(1 + n % 5)}
                while True:
                    started = time.perf_counter()
                    try:
                        answer = http.post(f"http://127.0.0.1:{port}/s/{token}", data=form)
                    except httpx.HTTPError:
                        answer = None
                    elapsed = time.perf_counter() - started
                    if answer is not None and answer.status_code in (200, 409):
                        with lock:
                            latencies.append(elapsed)
                            outcomes[str(answer.status_code)] += 1
                            done[0] += 1
                        break
                    with lock:
                        outcomes["retries"] += 1
                    time.sleep(0.2)

    def killer() -> None:
        while done[0] < args.responses // 2:
            time.sleep(0.01)
        server[0].send_signal(signal.SIGKILL)
        server[0].wait()
        killed_at.append(time.perf_counter())
        server[0] = serve(target, port, log)
        restarted_at.append(time.perf_counter())

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)] + [
        threading.Thread(target=killer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    server[0].send_signal(signal.SIGTERM)
    server[0].wait(timeout=60)
    with open_store(target) as store:
        responses = store.scalar(
            "select count(*) from survey_responses where survey_id = 'load-intake' and status = 'complete'"
        )
        feedback_rows = store.scalar("select count(*) from feedback where survey_id = 'load-intake'")
        distinct = store.scalar(
            "select count(distinct split_part(source_id, ':', 1)) from feedback "
            "where survey_id = 'load-intake'"
        )
    latencies.sort()
    return {
        "submissions": args.responses,
        "clients": args.clients,
        "stored_responses": responses,
        "feedback_rows": feedback_rows,
        "lost": args.responses - distinct,
        "duplicated": feedback_rows - distinct,
        "answers_200": outcomes["200"],
        "answers_409_already_taken": outcomes["409"],
        "retries_during_restart": outcomes["retries"],
        "restart_gap_s": round(restarted_at[0] - killed_at[0], 2) if killed_at else None,
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "wall_s": round(wall, 1),
        "throughput_per_s": round(args.responses / wall, 1),
    }


SENDER = """
import datetime as dt, sys
from insightdesk.store import open_store
from insightdesk.surveys import Sender
with open_store(sys.argv[1]) as store:
    Sender(store.engine, lease=dt.timedelta(seconds=5)).run(limit=100000)
"""


def sender(args: argparse.Namespace, target: str) -> dict[str, object]:
    from tests.surveys.smtp import SmtpServer

    ids = prepare(target, args.invitations, "load-send", "scheduled")
    with SmtpServer() as smtp:
        env = {
            **os.environ,
            "INSIGHTDESK_SMTP_HOST": "127.0.0.1",
            "INSIGHTDESK_SMTP_PORT": str(smtp.port),
            "INSIGHTDESK_SMTP_STARTTLS": "false",
        }
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", SENDER, target], env=env)
        while len(smtp.mailbox.messages) < args.invitations // 2 and proc.poll() is None:
            time.sleep(0.005)
        # Killed at a random moment of a send, not just as the server accepts one: a kill timed to
        # the acceptance would always land in the one window where a message can go out twice.
        time.sleep(random.Random(11).uniform(0, 0.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        at_kill = len(smtp.mailbox.messages)
        time.sleep(6)  # the killed sender's claim lease (5 s) runs out
        subprocess.run([sys.executable, "-c", SENDER, target], env=env, check=True)
        wall = time.perf_counter() - started
        time.sleep(0.5)
        received = [m["Message-ID"] for m in smtp.mailbox.messages]
    expected = {f"<{i}@insightdesk.invalid>" for i in ids}
    from insightdesk.store import open_store

    with open_store(target) as store:
        resent = store.scalar(
            "select count(*) from survey_invitations where survey_id = 'load-send' "
            "and detail like 'sent again after an interrupted attempt%'"
        )
    return {
        "invitations": args.invitations,
        "received_at_kill": at_kill,
        "received": len(received),
        "sent_twice": len(received) - len(set(received)),
        "skipped": len(expected - set(received)),
        "resent_after_the_kill": resent,
        "wall_s_including_6s_lease_wait": round(wall, 1),
    }


def _loaded(part: dict[str, object], before: float) -> dict[str, object]:
    return {**part, "load_average_1min": [round(before, 1), round(os.getloadavg()[0], 1)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="Store (default: a new DuckDB file in a temp folder).")
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "surveys.json")
    parser.add_argument(
        "--parts", choices=("both", "intake", "sender"), default="both", help="Which half to run."
    )
    args = parser.parse_args()
    os.environ["INSIGHTDESK_SURVEY_LINK_KEY"] = LINK_KEY
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        target = args.db or str(work / "bench.duckdb")
        result: dict[str, object] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "store": "postgresql" if target.startswith("postgresql") else "duckdb",
        }
        if args.parts in ("both", "intake"):
            before = os.getloadavg()[0]
            result["intake"] = _loaded(intake(args, target, work), before)
        if args.parts in ("both", "sender"):
            before = os.getloadavg()[0]
            result["sender"] = _loaded(sender(args, target), before)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
