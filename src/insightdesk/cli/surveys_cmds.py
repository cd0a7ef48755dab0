"""`insightdesk surveys ...`: define, publish and run event-triggered surveys; see their health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import ExitCode, fail, show, table, user_errors, write_json

surveys_app = typer.Typer(
    help="Surveys: definitions with versions, triggers on ticket events, delivery, responses, health.",
    no_args_is_help=True,
)
EXAMPLE = Path(__file__).resolve().parents[1] / "surveys" / "examples" / "post_resolution.yaml"


def _errors() -> tuple[type[BaseException], ...]:
    from insightdesk.surveys import DefinitionError, SurveyNotFound, TriggerError
    from insightdesk.surveys.suppressions import SuppressionError
    from insightdesk.surveys.tokens import LinkKeyError

    return (DefinitionError, SurveyNotFound, TriggerError, SuppressionError, LinkKeyError)


def _read(path: Path) -> str:
    if not path.is_file():
        fail(f"{path}: no such file (give the path of a survey definition, YAML)")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text; save the definition as UTF-8")


@surveys_app.command("example")
def example() -> None:
    """Print an example definition (CSAT, skip logic, branching, two languages) to start from."""
    out.print(EXAMPLE.read_text(encoding="utf-8"), markup=False, highlight=False, end="")


@surveys_app.command("check")
def check(path: Path = typer.Argument(..., help="Definition file (YAML).")) -> None:
    """Validate a definition as publishing would (skip logic, translations) without storing it."""
    from insightdesk.surveys import DefinitionError, load_definition_text
    from insightdesk.surveys.logic import validate_for_publishing

    with user_errors(DefinitionError):
        definition = load_definition_text(_read(path), name=path.name)
        validate_for_publishing(definition)
    out.print(
        f"{path}: survey {definition.survey!r} is valid ({len(definition.questions)} questions, "
        f"languages {', '.join(definition.languages)})"
    )


@surveys_app.command("save")
def save(path: Path = typer.Argument(..., help="Definition file (YAML)."), db: str = DB_OPTION) -> None:
    """Store a definition as a draft version (a version already sent is never changed: a new one is made)."""
    from insightdesk.store import open_store
    from insightdesk.surveys import save_definition

    text = _read(path)
    with user_errors(*_errors()), open_store(db) as store:
        saved = save_definition(store.engine, text, actor="cli", name=path.name)
    out.print(f"survey {saved.survey_id!r} version {saved.version}: {saved.outcome} ({saved.status})")


@surveys_app.command("publish")
def publish(
    survey: str = typer.Argument(..., help="Survey id."),
    version: int = typer.Option(None, "--version", help="Version to publish (default: the latest)."),
    db: str = DB_OPTION,
) -> None:
    """Put a version in force after the translation check; triggers use it from now on."""
    from insightdesk.store import open_store
    from insightdesk.surveys import publish as publish_version

    with user_errors(*_errors()), open_store(db) as store:
        stored = publish_version(store.engine, survey, version, actor="cli")
    out.print(f"survey {survey!r} version {stored.version} is published")


@surveys_app.command("list")
def list_(db: str = DB_OPTION) -> None:
    """Every version of every survey."""
    from insightdesk.store import open_store
    from insightdesk.surveys import list_versions

    with user_errors(*_errors()), open_store(db) as store:
        rows = list_versions(store.engine)
    tab = table(None, ("survey", "version", "name", "status", "saved", "published", "first sent"))
    for r in rows:
        tab.add_row(
            str(r["survey_id"]),
            str(r["version"]),
            str(r["name"]),
            str(r["status"]),
            str(r["created_at"])[:16],
            str(r["published_at"] or "")[:16],
            str(r["first_sent_at"] or "")[:16],
        )
    show(tab)


@surveys_app.command("show")
def show_version(
    survey: str = typer.Argument(..., help="Survey id."),
    version: int = typer.Option(None, "--version", help="Version (default: the latest)."),
    db: str = DB_OPTION,
) -> None:
    """Print the YAML a version was saved from."""
    from insightdesk.store import open_store
    from insightdesk.surveys.versions import source_text

    with user_errors(*_errors()), open_store(db) as store:
        text = source_text(store.engine, survey, version)
    out.print(text, markup=False, highlight=False, end="")


@surveys_app.command("run")
def run(
    db: str = DB_OPTION,
    send: bool = typer.Option(True, "--send/--no-send", help="Also send the invitations that are due."),
    limit: int = typer.Option(1000, "--limit", min=1, max=100000, help="Send at most this many."),
    text: bool = typer.Option(
        True, "--text/--no-text", help="Also analyse survey comments the server has not analysed yet."
    ),
) -> None:
    """Plan invitations for new ticket events and schedules, send what is due, and analyse new
    survey comments (run it every few minutes)."""
    from insightdesk.store import open_store
    from insightdesk.surveys import Sender, scan_ticket_events, schedule_relationship
    from insightdesk.surveys.comment_analysis import analyse_pending

    with user_errors(*_errors()), open_store(db) as store:
        planned = scan_ticket_events(store.engine)
        scheduled = schedule_relationship(store.engine)
        sent = Sender(store.engine).run(limit=limit) if send else None
        analysed = analyse_pending(store) if text else 0
    for survey, n in sorted({**planned.planned, **scheduled.planned}.items()):
        held = planned.suppressed.get(survey, 0) + scheduled.suppressed.get(survey, 0)
        out.print(f"{survey}: {n} invitation(s) planned, {held} not sent (reasons in `surveys health`)")
    if sent is not None:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(sent.counts.items())) or "nothing due"
        again = f" ({sent.resumed} sent again after an interrupted attempt)" if sent.resumed else ""
        out.print(f"delivery: {counts}{again}")
    if analysed is None:
        out.print("text analysis: the text models are missing (see the log); comments wait for the next run")
    elif analysed:
        out.print(f"text analysis: {analysed} survey comment(s) analysed")


@surveys_app.command("event")
def event(
    ticket: str = typer.Argument(..., help="Ticket id (tickets.id, e.g. generic:T-1)."),
    kind: str = typer.Option("resolved", "--event", help="resolved, closed or reopened."),
    at: str = typer.Option(None, "--at", help="When it happened (ISO 8601; default now)."),
    db: str = DB_OPTION,
) -> None:
    """Feed one ticket event to the triggers (what the API and webhooks do)."""
    from insightdesk.store import open_store
    from insightdesk.surveys import submit_ticket_event

    try:
        occurred = dt.datetime.fromisoformat(at) if at else None
    except ValueError:
        fail(f"--at {at!r}: not an ISO 8601 time such as 2026-12-04T10:00:00Z")
    with user_errors(*_errors()), open_store(db) as store:
        result = submit_ticket_event(store.engine, ticket, kind, occurred)
    out.print(f"{result.total} invitation(s) planned, {sum(result.suppressed.values())} not sent")


@surveys_app.command("bounces")
def bounces(
    mbox: Path = typer.Option(None, "--mbox", help="An mbox file holding the bounce address's mail."),
    maildir: Path = typer.Option(None, "--maildir", help="A maildir (with cur/ and new/) instead."),
    db: str = DB_OPTION,
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Read delivery status notifications (bounces, RFC 3464) and apply them to the invitations.

    A permanent failure (5.x.x) suppresses the customer on email; a transient one (4.x.x) counts as
    a soft bounce. Reading the same mail again changes nothing.
    """
    from insightdesk.store import open_store
    from insightdesk.surveys.bounces import OUTCOMES, read_bounces
    from insightdesk.surveys.dsn import MailboxError, read_mailbox

    with user_errors(*_errors(), MailboxError), open_store(db) as store:
        # The store first: a held store is the answer even before the mailbox is looked at.
        if (mbox is None) == (maildir is None):
            fail("give the bounce mailbox: either --mbox FILE or --maildir FOLDER")
        path, kind = (mbox, "mbox") if mbox is not None else (maildir, "maildir")
        report = read_bounces(store.engine, read_mailbox(path, kind))
    if as_json:
        write_json(report.as_dict())
        return
    counts = ", ".join(f"{k.replace('_', ' ')} {report.outcomes[k]}" for k in OUTCOMES if report.outcomes[k])
    out.print(
        f"{report.messages} message(s): {counts or 'no delivery status to apply'}; "
        f"{report.suppressed} customer(s) newly suppressed on email",
        highlight=False,
    )
    for where, why in report.problems:
        out.print(f"  not applied: {where}: {why}", markup=False, highlight=False, soft_wrap=True)


@surveys_app.command("suppress")
def suppress(
    customer: str = typer.Argument(..., help="Customer id (customers.id)."),
    reason: str = typer.Option(..., "--reason", help="complaint, incident or manual."),
    days: int = typer.Option(None, "--days", help="For this many days (default: until lifted)."),
    channel: str = typer.Option("all", "--channel", help="all, email, sms or in_app."),
    db: str = DB_OPTION,
) -> None:
    """Stop surveying a customer for a while (after a complaint, during an incident)."""
    from insightdesk.store import open_store
    from insightdesk.surveys.suppressions import suppress as add

    with user_errors(*_errors()), open_store(db) as store:
        sid = add(store.engine, customer, reason, days=days, channel=channel, actor="cli")
    out.print(f"suppressed ({sid})")


@surveys_app.command("health")
def health(
    db: str = DB_OPTION,
    survey: str = typer.Option(None, "--survey", help="Also test non-response bias for this survey."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of tables."),
) -> None:
    """The funnel per survey and channel (planned, suppressed by reason, sent, opened, answered, rate)."""
    from insightdesk.store import open_store
    from insightdesk.surveys.health import funnel, nonresponse_bias

    with user_errors(*_errors()), open_store(db) as store:
        rows = funnel(store.engine)
        bias = nonresponse_bias(store.engine, survey) if survey else None
    if as_json:
        write_json({"funnel": rows, "nonresponse": bias}, default=str)
        return
    if not rows:
        fail("no invitations yet: publish a survey and run `insightdesk surveys run`", ExitCode.FAILED)
    tab = table(
        "Survey funnel",
        (
            "survey",
            "channel",
            "planned",
            "suppressed",
            "sent",
            "opened",
            "answered",
            "response rate (95% CI)",
            "not sent because",
        ),
    )
    for r in rows:
        rate = (
            "-"
            if r["response_rate"] is None
            else (f"{r['response_rate']:.1%} ({r['ci_low']:.1%}-{r['ci_high']:.1%})")
        )
        reasons = ", ".join(f"{k} {v}" for k, v in r["suppressed_by_reason"].items())
        tab.add_row(
            r["survey_id"],
            r["channel"],
            str(r["planned"]),
            str(r["suppressed"]),
            str(r["sent"]),
            str(r["opened"]),
            str(r["answered"]),
            rate,
            reasons,
        )
    show(tab)
    if bias:
        for test in bias["attributes"]:
            out.print(f"{test['attribute']}: {test['test']}, p = {test['p_value']:.3g}")
        weighting = bias["weighting"]
        if weighting["n"]:
            out.print(
                f"CSAT unweighted {weighting['unweighted_csat']:.1%}, post-stratified "
                f"{weighting['weighted_csat']:.1%} (n = {weighting['n']})"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(surveys_app, name="surveys")
