"""`insightdesk qa ...`: rubrics, review samples, evaluations, calibration rounds, scorecards, skill gaps
and coaching plans. The command line is the store's operator: it sees every agent (admin scope), and
its reads of QA records are audited like the server's, under the name given with --reviewer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from insightdesk.cli.options import DB_OPTION, format_option, parse_assignments, parse_datetime, split_commas
from insightdesk.cli.output import (
    Format,
    TableOrJson,
    fail,
    fields_table,
    frame_table,
    num,
    show,
    user_errors,
    warn,
    write_json,
    write_rows,
)

if TYPE_CHECKING:
    from insightdesk.governance import Principal

qa_app = typer.Typer(
    help="Quality assurance: rubrics, evaluations, calibration, scorecards, coaching.", no_args_is_help=True
)
rubric_app = typer.Typer(help="QA rubrics (YAML), versioned.", no_args_is_help=True)
calibration_app = typer.Typer(
    help="Calibration rounds: several reviewers, the same tickets.", no_args_is_help=True
)
FORMAT_OPTION = format_option(Format.table)
REVIEWER = typer.Option("cli", "--reviewer", help="Reviewer or coach name recorded (and audited).")


def operator(name: str) -> Principal:
    from insightdesk.governance import Principal, Role

    if not name.strip() or len(name) > 64:
        raise typer.BadParameter("--reviewer must be 1 to 64 characters")
    return Principal(name.strip(), Role.ADMIN, via="cli")


def user_error_types() -> Any:
    from insightdesk.quality import NotInScope, RubricError

    return user_errors(RubricError, NotInScope, ValueError, KeyError)


@rubric_app.command("save")
def rubric_save(path: Path = typer.Argument(..., help="Rubric YAML file."), db: str = DB_OPTION) -> None:
    """Save a rubric from YAML: a new version when it changed, nothing when it did not."""
    from insightdesk.quality import parse_rubric_yaml, save_rubric
    from insightdesk.store import open_store

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read the rubric file {path}: {getattr(exc, 'strerror', None) or exc}")
    with user_error_types(), open_store(db) as store:
        rubric, written = save_rubric(store, parse_rubric_yaml(text), created_by="cli")
    state = "saved as version" if written else "unchanged at version"
    show(
        fields_table(
            f"Rubric {rubric.id}",
            [("name", rubric.name), (state, str(rubric.version)), ("criteria", str(len(rubric.criteria)))],
        )
    )


@rubric_app.command("list")
def rubric_list(fmt: Format = FORMAT_OPTION, db: str = DB_OPTION) -> None:
    """Every rubric's latest version."""
    from insightdesk.quality import list_rubrics
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        frame = list_rubrics(store)
    columns = ["rubric_id", "version", "name", "criteria", "created_at"]
    if fmt is not Format.table:
        write_rows(frame, fmt, columns)
        return
    show(frame_table(frame[columns], "Rubrics", {"version": "d", "criteria": "d"}))


@qa_app.command("sample")
def qa_sample(
    size: int = typer.Option(50, "--size", help="Tickets to draw."),
    method: str = typer.Option(
        "random",
        "--method",
        help="random, stratified (by agent) or risk (oversample low CSAT / negative text).",
    ),
    oversample: float = typer.Option(
        3.0, "--oversample", help="How much likelier a risky ticket is drawn (risk)."
    ),
    since: str = typer.Option(None, "--since"),
    until: str = typer.Option(None, "--until"),
    seed: int = typer.Option(0, "--seed", help="Random seed (the same seed draws the same sample)."),
    fmt: Format = FORMAT_OPTION,
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """Draw tickets for review, each with its sampling weight."""
    from insightdesk.quality import draw_review_sample
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        sample_id, rows = draw_review_sample(
            store, operator(reviewer), size=size, method=method, oversample=oversample,
            since=parse_datetime(since, "--since"), until=parse_datetime(until, "--until"), seed=seed,
        )  # fmt: skip
    columns = ["sample_id", "ticket_id", "agent_id", "stratum", "probability", "weight"]
    if fmt is not Format.table:
        write_rows(rows, fmt, columns)
        return
    show(frame_table(rows[columns[1:]], f"Sample {sample_id}", {"probability": ".3f", "weight": ",.1f"}))


@qa_app.command("evaluate")
def qa_evaluate(
    rubric_id: str = typer.Option(..., "--rubric"),
    ticket_id: str = typer.Option(..., "--ticket"),
    answers: list[str] = typer.Option(
        ..., "--answer", "-a", help="CRITERION=POINTS or CRITERION=na; repeatable."
    ),
    calibration_id: str = typer.Option(None, "--calibration", help="Calibration round the score belongs to."),
    sample_id: str = typer.Option(
        None, "--sample", help="Sample the ticket was drawn in (its weight is used)."
    ),
    comment: str = typer.Option(None, "--comment"),
    reviewer: str = REVIEWER,
    fmt: TableOrJson = format_option(TableOrJson.table),
    db: str = DB_OPTION,
) -> None:
    """Score one ticket against a rubric."""
    from insightdesk.quality import record_evaluation
    from insightdesk.store import open_store

    parsed = {
        k: (None if str(v).lower() in {"na", "n/a"} else v)
        for k, v in parse_assignments(answers, "--answer", "CRITERION=POINTS").items()
    }
    with user_error_types(), open_store(db) as store:
        row = record_evaluation(
            store, operator(reviewer), rubric_id=rubric_id, ticket_id=ticket_id, answers=parsed,
            comment=comment, sample_id=sample_id, calibration_id=calibration_id,
        )  # fmt: skip
    if fmt is TableOrJson.json:
        write_json({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
        return
    total = "auto-fail (0)" if row["auto_failed"] else num(row["score"], ".1f")
    show(
        fields_table(
            f"Evaluation {row['evaluation_id']}",
            [
                ("ticket", ticket_id),
                ("agent", str(row["agent_id"])),
                ("score", total),
                ("weight", num(row["weight"], ",.2f")),
            ],
        )
    )


@calibration_app.command("create")
def calibration_create(
    name: str = typer.Option(..., "--name"),
    rubric_id: str = typer.Option(..., "--rubric"),
    tickets: list[str] = typer.Option(
        ..., "--ticket", help="Tickets every reviewer scores (repeatable or a,b)."
    ),
    db: str = DB_OPTION,
) -> None:
    """Start a calibration round."""
    from insightdesk.quality import create_round
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        row = create_round(
            store, operator("cli"), name=name, rubric_id=rubric_id, ticket_ids=split_commas(tickets)
        )
    show(
        fields_table(
            "Calibration round",
            [
                ("id", row["calibration_id"]),
                ("rubric", f"{row['rubric_id']} v{row['rubric_version']}"),
                ("tickets", str(len(row["ticket_ids"]))),
            ],
        )
    )


@calibration_app.command("list")
def calibration_list(fmt: Format = FORMAT_OPTION, db: str = DB_OPTION) -> None:
    """Calibration rounds, newest first, with their overall agreement once analysed."""
    from insightdesk.quality import list_rounds
    from insightdesk.store import open_store

    with user_errors(), open_store(db) as store:
        frame = list_rounds(store)
    frame["alpha"] = frame["results"].map(lambda r: (r or {}).get("overall", {}).get("alpha"))
    frame["tickets"] = frame["ticket_ids"].map(len)
    columns = ["calibration_id", "name", "rubric_id", "rubric_version", "tickets", "alpha", "created_at"]
    if fmt is not Format.table:
        write_rows(frame, fmt, columns)
        return
    show(
        frame_table(
            frame[columns], "Calibration rounds", {"rubric_version": "d", "tickets": "d", "alpha": ".3f"}
        )
    )


@calibration_app.command("analyse")
def calibration_analyse(
    calibration_id: str = typer.Argument(...),
    rounds: int = typer.Option(
        1000, "--bootstrap", help="Bootstrap resamples for the alpha intervals (100-10000)."
    ),
    fmt: TableOrJson = format_option(TableOrJson.table),
    db: str = DB_OPTION,
) -> None:
    """Agreement per criterion (Krippendorff's alpha, bootstrap 95% interval), ICC of totals, reviewer drift."""
    import pandas as pd

    from insightdesk.quality import analyse
    from insightdesk.store import open_store

    if not 100 <= rounds <= 10_000:
        raise typer.BadParameter("--bootstrap must be 100 to 10,000")
    with user_error_types(), open_store(db) as store:
        results = analyse(store, calibration_id, rounds)
    if fmt is TableOrJson.json:
        write_json(results, default=str)
        return
    crit = pd.DataFrame(
        [{"criterion": k, **v} for k, v in results["criteria"].items()]
        + [{"criterion": "TOTAL", **results["overall"], "flagged": False}]
    )
    show(
        frame_table(
            crit[["criterion", "alpha", "low", "high", "ratings", "flagged"]],
            f"Agreement ({len(results['reviewers'])} reviewers, {results['tickets']} tickets)",
            {"alpha": ".3f", "low": ".3f", "high": ".3f", "ratings": "d"},
        )
    )
    show(
        frame_table(
            pd.DataFrame(results["drift"]),
            f"Reviewer drift vs consensus (ICC(2,1) of totals {num(results['icc']['icc'], '.3f')})",
            {"bias": "+.2f", "low": "+.2f", "high": "+.2f", "tickets": "d"},
        )
    )
    for criterion in results["flagged"]:
        warn(f"criterion {criterion!r}: agreement below {results['floor']}: clarify its guidance")


@qa_app.command("scorecards")
def qa_scorecards(
    agent_id: str = typer.Option(None, "--agent", help="One agent only."),
    fmt: Format = FORMAT_OPTION,
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """Per agent: QA score, CSAT, FCR and handle time, raw and shrunk toward the team, with intervals."""
    from insightdesk.quality import read_scorecards
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        frame = read_scorecards(store, operator(reviewer))
    if agent_id:
        frame = frame[frame["agent_id"] == agent_id]
    if fmt is not Format.table:
        write_rows(frame, fmt, list(frame.columns))
        return
    show(
        frame_table(
            frame,
            "Scorecards (estimate = shrunk toward the team)",
            {c: ",.3f" for c in ("value", "estimate", "low", "high")} | {"n": ",.0f"},
        )
    )


@qa_app.command("segments")
def qa_segments(
    by: str = typer.Option(
        "team", "--by", help="team, channel, category, customer_segment or customer_tier."
    ),
    fmt: Format = FORMAT_OPTION,
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """QA score per segment, weighted by the review samples' design (unbiased), with design-based intervals."""
    from insightdesk.quality import segment_scores
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        frame = segment_scores(store, operator(reviewer), by=by)
    if fmt is not Format.table:
        write_rows(frame, fmt, list(frame.columns))
        return
    show(
        frame_table(
            frame,
            f"QA score by {by} (weighted = Hajek mean over the sampling weights; 95% interval)",
            {c: ",.1f" for c in ("weighted", "low", "high", "plain", "effective_n", "tickets_estimated")},
        )
    )


@qa_app.command("skill-gaps")
def qa_skill_gaps(
    unit: str = typer.Option("agent", "--unit", help="agent or team."),
    topic: str = typer.Option("category", "--topic", help="category, or theme (text themes)."),
    flagged_only: bool = typer.Option(True, "--flagged/--all"),
    fmt: Format = FORMAT_OPTION,
    reviewer: str = REVIEWER,
    db: str = DB_OPTION,
) -> None:
    """Agent (or team) x topic gaps against the desk on QA score, CSAT and escalation; CSV exports to a learning system."""
    from insightdesk.quality import read_skill_gaps
    from insightdesk.store import open_store

    with user_error_types(), open_store(db) as store:
        frame = read_skill_gaps(store, operator(reviewer), unit=unit, topic=topic)
    if flagged_only:
        frame = frame[frame["flagged"]]
    if fmt is not Format.table:
        write_rows(frame, fmt, list(frame.columns))
        return
    show(
        frame_table(
            frame.head(50),
            f"Skill gaps by {unit} x {topic}",
            {c: ",.3f" for c in ("value", "estimate", "low", "high", "topic_mean", "gap")} | {"n": ",.0f"},
        )
    )


def register(app: typer.Typer) -> None:
    qa_app.add_typer(rubric_app, name="rubric")
    qa_app.add_typer(calibration_app, name="calibration")
    from insightdesk.cli.qa_coaching_cmds import coaching_app

    qa_app.add_typer(coaching_app, name="coaching")
    app.add_typer(qa_app, name="qa")
