"""`insightdesk ingest` and `quarantine retry` exit codes, for pipelines (README, "Using it"):

0 done (rejects, if any, are in quarantine), 2 the file could not be read (nothing written),
3 no record of a non-empty file was accepted, or with `--strict` any was rejected.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode
from tests.support.ingest_files import TICKETS_CSV, write

HEADER = TICKETS_CSV.splitlines()[0]
ALL_BAD = f"{HEADER}\nB1,incident,pigeon,Bad channel,open,low,C1,G2,2026-01-07T08:00:00Z,,,0\n"


def ingest(url: str, path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["ingest", str(path), "--kind", "tickets", "--db", url, "-q", "--no-kpis", *extra]
    )
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, result.stderr


def last_batch(store) -> str:
    return str(store.scalar("SELECT batch_id FROM ingest_batches ORDER BY started_at DESC LIMIT 1"))


def test_exit_codes_of_ingest_and_retry(store, tmp_path):
    url = store.target
    # a header alone: nothing to do is not a failure (an incremental export with nothing new)
    code, err = ingest(url, write(tmp_path, "empty.csv", HEADER + "\n"))
    assert code == ExitCode.OK and "holds no records" in err
    # some rejected: 0, and 3 with --strict; the batch is committed either way
    mixed = write(tmp_path, "mixed.csv", TICKETS_CSV)
    assert ingest(url, mixed) == (ExitCode.OK, "")
    code, err = ingest(url, mixed, "--strict")
    assert (
        code == ExitCode.REJECTED
        and "--strict: 3 of 6 records of" in err
        and "quarantine show --batch" in err
    )
    assert store.count("ingest_batches") == 3
    # nothing accepted: 3 without --strict
    code, err = ingest(url, write(tmp_path, "bad.csv", ALL_BAD))
    assert code == ExitCode.REJECTED and "no record of" in err and "was accepted (1 rejected)" in err
    bad_batch = last_batch(store)
    # unreadable: 2, nothing written
    for unreadable in (tmp_path / "missing.csv", write(tmp_path, "broken.parquet", "not parquet")):
        code, err = ingest(url, unreadable)
        assert code == ExitCode.BAD_INPUT and err.startswith("error: ") and "Traceback" not in err
    assert store.count("ingest_batches") == 4

    # quarantine retry: the same rejects again is "nothing accepted"; a fixed mapping is 0 even with --strict
    retry = ["quarantine", "retry", "--batch", bad_batch, "--db", url]
    assert CliRunner().invoke(app, retry).exit_code == ExitCode.REJECTED
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(
        yaml.safe_dump(
            {
                "name": "generic",
                "source_system": "generic",
                "kinds": {
                    "tickets": {
                        "auto": True,
                        "fields": {"channel": {"column": "channel", "values": {"pigeon": "other"}}},
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    again = last_batch(store)
    result = CliRunner().invoke(
        app, [*retry[:2], "--batch", again, "--mapping", str(fixed), "--strict", *retry[4:]]
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert store.scalar("SELECT channel FROM tickets WHERE id = 'generic:B1'") == "other"


def test_a_profile_name_is_a_bundled_name_never_a_path(store, tmp_path):
    # A YAML file outside the package, named through `--profile`, must not be read as a profile.
    outside = write(tmp_path, "evil.yaml", "name: evil\nsource_system: evil\nkinds: {}\n")
    climb = "../" * 12 + str(outside.with_suffix(""))[1:]
    path = write(tmp_path, "t.csv", TICKETS_CSV)
    for name in (climb, "x" * 5000, "zendesk\x00"):
        code, err = ingest(store.target, path, "--profile", name)
        assert code == ExitCode.BAD_INPUT and "no profile named" in err and "Traceback" not in err, err
        assert len(err.splitlines()[0]) < 400, "the refusal is one short line, however long the name"
    assert store.count("tickets") == 0 and store.count("ingest_batches") == 0
