"""The synthetic desk generator: exact counts, determinism, consistency, and findable planted effects."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.sample.checks import problems
from insightdesk.sample.generate import GeneratedDesk, generate_desk
from insightdesk.sample.generic import GENERIC_KINDS
from insightdesk.store import Store

N = 3000


@pytest.fixture(scope="module")
def desk(generated_desk: Callable[..., GeneratedDesk]) -> GeneratedDesk:
    return generated_desk(tickets=N, feedback_per_ticket=1.5, seed=7)


@pytest.fixture(scope="module")
def db(desk: GeneratedDesk) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for kind in GENERIC_KINDS:
        con.execute(f"create table {kind} as select * from read_csv('{desk.files[kind]}')")
    return con


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_writes_the_requested_counts_and_consistent_files(
    desk: GeneratedDesk, db: duckdb.DuckDBPyConnection
) -> None:
    assert desk.counts["tickets"] == N
    assert desk.counts["feedback"] == round(N * 1.5)
    assert db.execute("select count(*) from tickets").fetchone()[0] == N
    assert db.execute("select count(*) from feedback").fetchone()[0] == round(N * 1.5)
    assert problems(desk.out_dir) == []
    effects = json.loads((desk.out_dir / "planted_effects.json").read_text())
    assert {e["name"] for e in effects["effects"]} == {
        "low_csat_team",
        "theme_spike",
        "slow_segment",
        "repeat_contact_channel",
    }


def test_response_rate_is_below_one_and_events_follow_the_ticket(db: duckdb.DuckDBPyConnection) -> None:
    rate = db.execute("select avg((answered_at is not null)::int) from feedback").fetchone()[0]
    assert 0.2 < rate < 0.7
    unanswered_with_score = db.execute(
        "select count(*) from feedback where answered_at is null and score is not null"
    ).fetchone()[0]
    assert unanswered_with_score == 0
    # Every ticket starts with a created event at its creation time; resolved tickets have a resolved event.
    mismatched = db.execute(
        "select count(*) from tickets t left join ticket_events e on e.ticket_id = t.id and e.seq = 0 "
        "where e.event_type is distinct from 'created' or e.occurred_at <> t.created_at"
    ).fetchone()[0]
    assert mismatched == 0
    disagree = db.execute(
        "select count(*) from tickets t left join ticket_events e on e.ticket_id = t.id "
        "and e.event_type = 'first_response' where e.occurred_at is distinct from t.first_response_at"
    ).fetchone()[0]
    assert disagree == 0
    out_of_order = db.execute(
        "select count(*) from (select occurred_at < lag(occurred_at) over (partition by ticket_id order by seq) "
        "as back from ticket_events) where back"
    ).fetchone()[0]
    assert out_of_order == 0


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = generate_desk(tmp_path / "a", tickets=500, seed=11)
    b = generate_desk(tmp_path / "b", tickets=500, seed=11)
    c = generate_desk(tmp_path / "c", tickets=500, seed=12)
    assert _digest(a.out_dir) == _digest(b.out_dir)
    assert _digest(a.out_dir)["tickets.csv"] != _digest(c.out_dir)["tickets.csv"]


def test_planted_team_has_lower_csat(desk: GeneratedDesk, db: duckdb.DuckDBPyConnection) -> None:
    effect = next(e for e in desk.planted_effects["effects"] if e["name"] == "low_csat_team")
    rows = db.execute(
        "select t.team_id = ? as planted, count(*), avg((f.score >= 4)::int) from feedback f "
        "join tickets t on t.id = f.ticket_id where f.scale = 'csat' and f.score is not null group by 1",
        [effect["team_id"]],
    ).fetchall()
    share = {planted: (n, sat) for planted, n, sat in rows}
    gap = share[False][1] - share[True][1]
    assert share[True][0] > 150
    assert 0.08 < gap < 0.30, f"satisfied-share gap {gap:.3f}"


def test_theme_spikes_in_the_named_week(desk: GeneratedDesk, db: duckdb.DuckDBPyConnection) -> None:
    effect = next(e for e in desk.planted_effects["effects"] if e["name"] == "theme_spike")
    weekly = dict(
        db.execute(
            "select strftime(created_at, '%G-W%V'), count(*) from tickets where subcategory = ? group by 1",
            [effect["subcategory"]],
        ).fetchall()
    )
    top_week = max(weekly, key=weekly.get)
    assert top_week == effect["iso_week"]
    counts = sorted(weekly.values())
    assert weekly[top_week] >= 3 * counts[len(counts) // 2]
    pattern = "|".join(effect["keywords"])
    comments = db.execute(
        "select count(*) from feedback f join tickets t on t.id = f.ticket_id "
        "where regexp_matches(lower(f.comment), ?) and t.subcategory <> ?",
        [pattern, effect["subcategory"]],
    ).fetchone()[0]
    assert comments == 0  # the keywords identify the theme's comments and no other


def test_segment_waits_longer_for_first_response(desk: GeneratedDesk, db: duckdb.DuckDBPyConnection) -> None:
    effect = next(e for e in desk.planted_effects["effects"] if e["name"] == "slow_segment")
    rows = dict(
        db.execute(
            "select c.region = ?, median(epoch(t.first_response_at - t.created_at)) from tickets t "
            "join customers c on c.id = t.customer_id group by 1",
            [effect["value"]],
        ).fetchall()
    )
    ratio = rows[True] / rows[False]
    assert 1.5 < ratio < 2.8, f"first-response median ratio {ratio:.2f}"


def test_repeat_contact_is_higher_on_the_planted_channel(
    desk: GeneratedDesk, db: duckdb.DuckDBPyConnection
) -> None:
    effect = next(e for e in desk.planted_effects["effects"] if e["name"] == "repeat_contact_channel")
    rows = dict(
        db.execute(
            "select a.channel, avg((exists (select 1 from tickets b where b.customer_id = a.customer_id "
            "and b.subcategory = a.subcategory and b.id <> a.id and b.created_at > a.created_at "
            "and b.created_at <= a.created_at + to_days(?)))::int) from tickets a group by 1",
            [effect["window_days"]],
        ).fetchall()
    )
    planted = rows.pop(effect["channel"])
    assert planted > 2 * max(rows.values())


def test_checks_catch_broken_files(desk: GeneratedDesk, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(desk.out_dir, broken)
    feedback = broken / "feedback.csv"
    lines = feedback.read_text().splitlines()
    lines[1] = lines[1].replace(',"T', ',"X', 1).replace('"email"', '"pigeon"')
    feedback.write_text("\n".join(lines) + "\n")
    found = problems(broken)
    assert any("feedback.ticket_id" in p for p in found), found
    assert any("feedback.channel" in p and "pigeon" in p for p in found), found


def test_parquet_output_and_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--tickets", "400", "--out", str(tmp_path), "--format", "parquet", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert problems(tmp_path) == []
    n = duckdb.sql(f"select count(*) from read_parquet('{tmp_path / 'tickets.parquet'}')").fetchone()[0]
    assert n == 400
    assert (tmp_path / "planted_effects.json").exists()


def test_generated_desk_ingests_without_rejects_or_stubs(store: Store, tmp_path: Path) -> None:
    """The generic profile reads the generator's files as they are, on both engines."""
    from insightdesk.ingest import ingest_file

    desk = generate_desk(tmp_path, tickets=200, seed=5)
    for kind in GENERIC_KINDS:
        result = ingest_file(store, desk.files[kind], kind, profile="generic")
        assert result.rejected == 0, (kind, result.warnings)
        assert sum(result.stubs.values()) == 0, (kind, result.stubs)
        assert result.inserted == desk.counts[kind]
    assert store.count("tickets") == 200
