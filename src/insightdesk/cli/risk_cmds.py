"""`insightdesk risk ...`: train, score, report, retrain and drift-check dissatisfaction-risk models."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, frame_table, json_records, num, show, table, user_errors
from insightdesk.store import open_store

if TYPE_CHECKING:
    from insightdesk.insights.risk import RiskModelReport

risk_app = typer.Typer(
    help="Per-ticket risk of a low CSAT, a detractor or a repeat contact: versioned models, scores, drift.",
    no_args_is_help=True,
)

TARGET_OPTION = typer.Option(
    "low_csat", "--target", "-t", help="Outcome: low_csat, detractor or repeat_contact."
)
SPLIT_OPTION = typer.Option(
    None,
    "--split-at",
    help="Time split (YYYY-MM-DD): train before, evaluate on tickets created from then "
    "(default: the latest 20% of labelled tickets are held out).",
)


def _print_frame(title: str, df: pd.DataFrame, formats: dict[str, str]) -> None:
    show(frame_table(df, title, formats, title_justify="left"))


def _print_importance(importance: pd.DataFrame) -> None:
    if importance.empty:
        return
    shown = importance[importance["max_abs_effect"] > 0].head(8)
    out.print(
        "what moves the risk most (mean |effect| on the validation slice, risk points): "
        + ", ".join(f"{r.feature} {100 * r.mean_abs_effect:.1f}" for r in shown.itertuples(index=False)),
        highlight=False,
    )


def _print_evaluation(candidates: pd.DataFrame, at_k: pd.DataFrame, reliability: pd.DataFrame) -> None:
    _print_frame(
        "candidates on the held-out tickets",
        candidates[
            ["algorithm", "chosen", "valid_auc", "auc", "auc_ci_low", "auc_ci_high", "brier", "calibration"]
        ],
        {k: ".3f" for k in ("valid_auc", "auc", "auc_ci_low", "auc_ci_high", "brier")},
    )
    if not at_k.empty:
        _print_frame(
            "precision in the riskiest k%",
            at_k[["top_share", "k", "positives", "precision", "ci_low", "ci_high", "lift"]],
            {"top_share": ".0%", "k": ",", "positives": ",", "precision": ".1%", "ci_low": ".1%",
             "ci_high": ".1%", "lift": ".2f"},
        )  # fmt: skip
    if not reliability.empty:
        _print_frame(
            "reliability (equal-count bins of predicted risk)",
            reliability[["n", "predicted", "observed", "ci_low", "ci_high"]],
            {"n": ",", "predicted": ".1%", "observed": ".1%", "ci_low": ".1%", "ci_high": ".1%"},
        )


def _print_trained(report: RiskModelReport) -> None:
    out.print(report.summary(), highlight=False, markup=False)
    out.print(
        f"  trained on {report.n_train:,} tickets created {report.train_from:%Y-%m-%d} to "
        f"{report.train_until:%Y-%m-%d} (validation slice from {report.valid_from:%Y-%m-%d}); "
        f"calibration: {report.calibration}",
        highlight=False,
    )
    if report.retired:
        out.print(f"  retired: {', '.join(report.retired)}", highlight=False)
    _print_importance(report.importance)
    _print_evaluation(report.candidates, report.precision_at_k, report.reliability)


@risk_app.command("train")
def train(db: str = DB_OPTION, target: str = TARGET_OPTION, split_at: str | None = SPLIT_OPTION) -> None:
    """Train logistic and boosting models on a time split, keep the better, store it as the new version."""
    from insightdesk.insights.risk import RiskDataError, train_risk_model

    with user_errors(RiskDataError, ValueError), open_store(db) as store:
        report = train_risk_model(store, target, split_at)
    _print_trained(report)


@risk_app.command("retrain")
def retrain(
    db: str = DB_OPTION,
    target: str = TARGET_OPTION,
    split_at: str | None = SPLIT_OPTION,
    keep_better: bool = typer.Option(
        False, "--keep-better", help="Keep the active model if it does better on tickets neither saw."
    ),
) -> None:
    """Train a new version on current data, compare it with the active one, show the drift since."""
    from insightdesk.insights.risk import RiskDataError, retrain_risk_model

    with user_errors(RiskDataError, ValueError), open_store(db) as store:
        r = retrain_risk_model(store, target, split_at, keep_better=keep_better)
    if not r.drift.empty:
        shifted = r.drift[r.drift["status"] != "stable"]
        out.print(
            f"drift since {r.previous_model_id}: "
            + (", ".join(f"{f} {p:.2f} ({s})" for f, p, s in shifted[["feature", "psi", "status"]].itertuples(
                index=False)) or "none")
        )  # fmt: skip
    _print_trained(r.new)
    verdict = "activated" if r.promoted else "stored retired"
    out.print(f"{r.new.model_id} {verdict}: {r.reason}", highlight=False)


@risk_app.command("score")
def score(
    db: str = DB_OPTION,
    target: str = TARGET_OPTION,
    ticket: list[str] = typer.Option([], "--ticket", help="Ticket id to score (repeatable)."),
    all_: bool = typer.Option(
        False, "--all", help="Score every ticket, not only open and just-resolved ones."
    ),
    days: float = typer.Option(
        7, "--days", help="Resolved this many days before the latest data = just resolved."
    ),
    top: int = typer.Option(20, "--top", help="Riskiest tickets to show."),
    as_json: bool = typer.Option(
        False, "--json", help="JSON lines (every scored ticket) instead of a table."
    ),
) -> None:
    """Score open and just-resolved tickets (or --ticket / --all) with the active model; stores the scores."""
    from insightdesk.insights.risk import RiskModelError, score_tickets, top_factor_text

    with user_errors(RiskModelError, LookupError, ValueError), open_store(db) as store:
        scores = score_tickets(
            store, target, ticket or None, scope="all" if all_ else "recent", just_resolved_days=days
        )
    if as_json:
        json_records(scores.to_dict("records"))
        return
    bands = scores["band"].value_counts()
    model = scores["model_id"].iloc[0] if len(scores) else "-"
    out.print(
        f"{len(scores):,} tickets scored with {model}: "
        + ", ".join(f"{b} {int(bands.get(b, 0)):,}" for b in ("high", "medium", "low")),
        highlight=False,
    )
    tab = table(
        f"riskiest {min(top, len(scores))}",
        ("ticket", "risk", "band", "top factors (risk points vs a typical value)"),
        right=("risk",),
        title_justify="left",
    )
    for r in scores.head(top).itertuples(index=False):
        tab.add_row(r.ticket_id, f"{r.score:.1%}", r.band, top_factor_text(r.top_factors))
    show(tab)


@risk_app.command("report")
def report(db: str = DB_OPTION, target: str = TARGET_OPTION, top: int = typer.Option(10, "--top")) -> None:
    """The active model's held-out evaluation, its versions, and the latest scores."""
    from insightdesk.insights.risk import RiskModelError, risk_report, top_factor_text

    with user_errors(RiskModelError, ValueError), open_store(db) as store:
        r = risk_report(store, target, top=top)
    m = r.model
    out.print(
        f"[bold]{m['model_id']}[/] {m['algorithm']}\n"
        f"  AUC {num(m['auc'])} (95% CI {num(m['auc_ci_low'])}-{num(m['auc_ci_high'])}), "
        f"Brier {num(m['brier'])} vs {num(m['brier_base_rate'])} for the base rate "
        f"{num(m['base_rate'], '.1%')}; n_test {m['n_test']:,}, n_train {m['n_train']:,}"
        + (" (small test sample)" if m.get("small_sample") else ""),
        highlight=False,
    )
    out.print(
        f"  split at {m['train_until']:%Y-%m-%d %H:%M}; features: {', '.join(m['features'])}", highlight=False
    )
    _print_importance(r.importance)
    _print_evaluation(r.candidates, r.precision_at_k, r.reliability)
    versions = r.versions[["model_id", "status", "auc", "n_test", "trained_at"]]
    _print_frame("versions", versions, {"auc": ".3f", "n_test": ","})
    out.print("latest scores: " + (", ".join(f"{k} {v:,}" for k, v in r.band_counts.items()) or "none"))
    for s in r.top_scores.itertuples(index=False):
        out.print(
            f"  {s.ticket_id}  {s.score:.1%}  {s.band}  {top_factor_text(s.top_factors)}", highlight=False
        )


@risk_app.command("drift")
def drift(
    db: str = DB_OPTION,
    target: str = TARGET_OPTION,
    since: str | None = typer.Option(
        None, "--since", help="Recent = tickets created from (default: the model's split)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a feature has shifted (PSI >= 0.25)."),
) -> None:
    """PSI of each model feature between its training data and recent tickets (0.1 moderate, 0.25 major)."""
    from insightdesk.insights.risk import RiskModelError, check_drift

    with user_errors(RiskModelError, ValueError), open_store(db) as store:
        drift_frame = check_drift(store, target, since=since)
    attrs = drift_frame.attrs
    out.print(f"{attrs['model_id']}: tickets created since {attrs['since']:%Y-%m-%d %H:%M}")
    _print_frame(
        "population stability",
        drift_frame.assign(largest_change=drift_frame["largest_change"].fillna("-"))[
            ["feature", "kind", "psi", "status", "n_reference", "n_recent", "largest_change"]
        ],
        {"psi": ".3f", "n_reference": ",", "n_recent": ","},
    )
    if strict and (drift_frame["status"] == "major").any():
        raise typer.Exit(ExitCode.FAILED)


def register(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")
