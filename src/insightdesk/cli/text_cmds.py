"""`insightdesk text ...` and `insightdesk themes ...`: offline text analytics and the theme registry."""

from __future__ import annotations

from datetime import datetime

import typer

from insightdesk.cli.console import out
from insightdesk.cli.options import DB_OPTION
from insightdesk.cli.output import cell, json_records, num, show, table, user_errors
from insightdesk.store import open_store

# Registers the text tables on the canonical metadata (docs and schema checks see them).
from insightdesk.store.tables import text as _tables  # noqa: F401

text_app = typer.Typer(
    help="Language, PII redaction and sentiment of every free-text field.", no_args_is_help=True
)
themes_app = typer.Typer(
    help="Recurring themes (pain points) and their stable registry.", no_args_is_help=True
)


@text_app.command("analyze")
def analyze(
    db: str = DB_OPTION,
    entity: list[str] = typer.Option(
        [], "--entity", "-e", help="feedback, tickets or interactions (repeatable; default all)."
    ),
    reanalyze: bool = typer.Option(False, "--reanalyze", help="Analyse every text again, changed or not."),
    sentiment: str = typer.Option(
        "cascade",
        "--sentiment",
        help="cascade (linear model, transformer where it is unsure; default), transformer (every "
        "text: most accurate, about 3x slower), linear, or vader.",
    ),
) -> None:
    """Redact PII, detect language, score sentiment and assign known themes to every free text.

    Incremental: only texts that are new, changed, or were analysed by other model versions run.
    """
    from insightdesk.text.embed import ModelMissingError
    from insightdesk.text.pipeline import TextPipeline
    from insightdesk.text.pipeline_store import ENTITIES, analyze_store
    from insightdesk.text.sentiment_cascade import SENTIMENT_MODELS

    bad = [e for e in entity if e not in ENTITIES]
    if bad:
        raise typer.BadParameter(f"unknown entity {bad}; choose from {', '.join(ENTITIES)}")
    if sentiment not in SENTIMENT_MODELS:
        raise typer.BadParameter(
            f"unknown sentiment model {sentiment!r}; choose from {', '.join(SENTIMENT_MODELS)}"
        )
    from insightdesk.text.organisations import OrganisationFileError

    with user_errors(ModelMissingError, OrganisationFileError), open_store(db) as store:
        pipeline = TextPipeline.default(sentiment=sentiment)
        report = analyze_store(store, entities=entity or ENTITIES, reanalyze=reanalyze, pipeline=pipeline)
    out.print(
        f"{report.analysed:,} texts analysed, {report.skipped:,} unchanged, {report.themed:,} given a theme "
        f"(of {report.texts:,})"
    )
    for title, counts in (
        ("languages", report.languages),
        ("sentiment", report.sentiments),
        ("PII", report.pii),
        ("left out", report.withheld),  # texts the consent ledger keeps out, by reason
    ):
        if counts:
            out.print(
                f"  {title}: "
                + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
            )
    out.print(f"  models: {report.model_version}", highlight=False)


@themes_app.command("discover")
def discover(
    db: str = DB_OPTION,
    min_size: int = typer.Option(5, "--min-size", help="Smallest group of texts that counts as a theme."),
    distance: float = typer.Option(
        2.0, "--distance", help="Ward merge cost where clustering stops (higher: fewer, broader themes)."
    ),
    n_themes: int | None = typer.Option(None, "--themes", help="Fix the number of themes instead."),
) -> None:
    """Cluster analysed customer texts into themes and reconcile them with the registry."""
    from insightdesk.text.theme_store import ThemeError, discover_store_themes

    with user_errors(ThemeError), open_store(db) as store:
        r = discover_store_themes(store, min_size=min_size, distance=distance, n_themes=n_themes)
    out.print(
        f"fit {r.fit_id}: {r.n_themes} themes over {r.n_texts:,} texts ({r.noise_share:.1%} without a theme); "
        f"registry: {r.created} new, {r.continued} continued, {r.split} split, {r.merged} merged, {r.retired} retired"
    )


@themes_app.command("list")
def list_(
    db: str = DB_OPTION,
    all_: bool = typer.Option(False, "--all", help="Include merged, split and retired themes."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Themes with their volume, mean sentiment and share of negative texts."""
    from insightdesk.text.theme_store import list_themes

    with user_errors(), open_store(db) as store:
        df = list_themes(store, include_inactive=all_)
    if as_json:
        json_records(df.to_dict("records"))
        return
    tab = table(
        f"{len(df)} themes",
        ("id", "label", "status", "texts", "mean sentiment", "negative"),
        right=("texts", "mean sentiment", "negative"),
        title_justify="left",
    )
    for r in df.itertuples(index=False):
        status = r.status if r.status == "active" else f"{r.status} → {r.merged_into or ''}".rstrip(" →")
        tab.add_row(
            r.theme_id,
            r.label,
            status,
            f"{r.texts:,}",
            num(r.avg_sentiment, "+.2f", missing=""),
            num(r.negative_share, ".0%", missing=""),
        )
    show(tab)


@themes_app.command("show")
def show_cmd(theme_id: str = typer.Argument(..., help="Theme id, e.g. T0003."), db: str = DB_OPTION) -> None:
    """A theme's keywords, redacted quotes, monthly trend, ticket categories and history."""
    from insightdesk.text.theme_store import ThemeError, theme_categories, theme_details, theme_trends

    with user_errors(ThemeError), open_store(db) as store:
        d = theme_details(store, theme_id)
        trend = theme_trends(store, theme_id=theme_id)
        cats = theme_categories(store)
    # Labels, keywords and quotes are data (a person's rename, the texts' words): never markup.
    out.print(f"[bold]{d['theme_id']}[/] {cell(d['label'])}  ({d['status']}, {d['size']} texts at last fit)")
    out.print("keywords: " + cell(", ".join(d["keywords"])), highlight=False)
    for quote in d["quotes"]:
        out.print(f"  “{cell(quote[:200])}”", highlight=False)
    if not trend.empty:
        tab = table(
            "per month", ("month", "texts", "mean sentiment", "negative"), right=True, title_justify="left"
        )
        for r in trend.itertuples(index=False):
            tab.add_row(
                str(r.period)[:7],
                f"{r.texts:,}",
                num(r.avg_sentiment, "+.2f", missing=""),
                num(r.negative_share, ".0%", missing=""),
            )
        show(tab)
    mine = cats[cats["theme_id"] == theme_id] if not cats.empty else cats
    if not mine.empty:
        out.print(
            "ticket categories: "
            + ", ".join(
                f"{c} {s:.0%}"
                for c, s in list(zip(mine["category"], mine["category_share"], strict=True))[:8]
            )
        )
    for e in d["events"]:
        related = f" ({e['related_theme_id']})" if e["related_theme_id"] else ""
        out.print(f"  {e['occurred_at']:%Y-%m-%d %H:%M} {e['event']}{related}", highlight=False)


@themes_app.command("rename")
def rename(
    theme_id: str = typer.Argument(..., help="Theme id."),
    label: str = typer.Argument(..., help="New label."),
    db: str = DB_OPTION,
) -> None:
    """Give a theme a human label (kept across refits; audited, as every curation)."""
    from insightdesk.cli.admin import cli_actor
    from insightdesk.explore.theme_curation import ThemeError, rename_theme

    with user_errors(ThemeError), open_store(db) as store:
        stored = rename_theme(store, theme_id, label, cli_actor())
    out.print(f"{theme_id} is now “{cell(stored)}”")


@themes_app.command("merge")
def merge(
    source: str = typer.Argument(..., help="Theme to fold in (it becomes `merged`)."),
    target: str = typer.Argument(..., help="Theme that absorbs it."),
    db: str = DB_OPTION,
) -> None:
    """Merge one theme into another; its texts move and its history points to the survivor (audited)."""
    from insightdesk.cli.admin import cli_actor
    from insightdesk.explore.theme_curation import ThemeError, merge_themes

    with user_errors(ThemeError), open_store(db) as store:
        moved = merge_themes(store, source, target, cli_actor())
    out.print(f"merged {source} into {target} ({moved:,} texts moved)")


@themes_app.command("split")
def split(
    theme_id: str = typer.Argument(..., help="Theme to split."),
    parts: int = typer.Option(2, "--parts", help="Number of new themes."),
    db: str = DB_OPTION,
) -> None:
    """Split a theme into new themes by re-clustering its texts (audited)."""
    from insightdesk.cli.admin import cli_actor
    from insightdesk.explore.theme_curation import ThemeError, split_theme

    with user_errors(ThemeError), open_store(db) as store:
        new_ids = split_theme(store, theme_id, parts, cli_actor())
    out.print(f"split {theme_id} into {', '.join(new_ids)}")


@themes_app.command("explore")
def explore(
    sentiment: str | None = typer.Option(
        None, "--sentiment", help="negative, neutral or positive texts only."
    ),
    since: datetime | None = typer.Option(None, "--since", help="Texts written on or after this date."),
    until: datetime | None = typer.Option(None, "--until", help="Texts written before this date."),
    channel: str | None = typer.Option(None, "--channel", help="Texts of tickets on this channel."),
    segment: str | None = typer.Option(None, "--segment", help="Texts of customers in this segment."),
    db: str = DB_OPTION,
) -> None:
    """Themes of a slice of customer texts (e.g. negative comments last quarter); the registry is untouched."""
    from insightdesk.text.theme_explore import Slice, SliceError, explore_themes

    with user_errors(SliceError), open_store(db) as store:
        found = explore_themes(store, Slice(sentiment, since, until, channel, segment))
    tab = table(
        f"{len(found.themes)} themes in {found.n_texts:,} texts ({found.slice.describe()})",
        ("label", "texts", "share", "quote"), right=("texts", "share"), title_justify="left",
    )  # fmt: skip
    for t in found.themes:
        tab.add_row(
            cell(t["label"]), f"{t['size']:,}", f"{t['share']:.0%}", cell((t["quotes"] or [""])[0][:120])
        )
    show(tab)


# -- people correct the machine -----------------------------------------------------------------
@text_app.command("label")
def label(
    text: str = typer.Argument(..., help="The text: ENTITY/RECORD_ID/FIELD, e.g. feedback/F-12/comment."),
    kind: str = typer.Argument(..., help="theme, sentiment, intent or risk."),
    value: str = typer.Argument(
        ..., help="The right label (a theme id, negative|neutral|positive, an intent, high|low)."
    ),
    note: str | None = typer.Option(None, "--note", help="Why (kept with the label)."),
    db: str = DB_OPTION,
) -> None:
    """Correct the machine: store the right label of a text, with who and when; sentiment and theme
    corrections show on every chart at once and survive re-analysis."""
    import getpass

    from insightdesk.text.labels import LabelError, TextKey, record_label

    parts = text.split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise typer.BadParameter(f"{text!r} is not ENTITY/RECORD_ID/FIELD (e.g. feedback/F-12/comment)")
    with user_errors(LabelError), open_store(db) as store:
        row = record_label(
            store, TextKey(*parts), kind, value, labelled_by=f"cli:{getpass.getuser()}", note=note
        )
    out.print(
        f"{kind} of {text}: {row['machine_value'] or '(none)'} → {row['value']} (label {row['label_id'][:8]})"
    )


@text_app.command("labels")
def labels_(
    kind: str | None = typer.Option(None, "--kind", help="Only theme, sentiment, intent or risk labels."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="At most this many, newest first."),
    db: str = DB_OPTION,
) -> None:
    """Corrections people made, newest first: who, when, from what to what."""
    from insightdesk.text.labels import LABEL_KINDS, list_labels

    if kind is not None and kind not in LABEL_KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; choose from {', '.join(LABEL_KINDS)}")
    with user_errors(), open_store(db) as store:
        df = list_labels(store, kind=kind, limit=limit)
    tab = table(
        f"{len(df)} labels", ("when", "by", "text", "kind", "machine", "person"), title_justify="left"
    )
    for r in df.itertuples(index=False):
        tab.add_row(
            f"{r.labelled_at:%Y-%m-%d %H:%M}", cell(r.labelled_by), cell(f"{r.entity}/{r.record_id}/{r.field}"),
            r.kind, cell(r.machine_value), cell(r.value),
        )  # fmt: skip
    show(tab)


@text_app.command("train")
def train(db: str = DB_OPTION) -> None:
    """Train the intent classifier on the intent labels; it becomes active only if it beats the
    active model on held-out labels (the decision is recorded either way)."""
    import getpass

    from insightdesk.text.intent_store import train_classifier
    from insightdesk.text.intents import TrainingError

    with user_errors(TrainingError), open_store(db) as store:
        report = train_classifier(store, trained_by=f"cli:{getpass.getuser()}")
    verdict = "activated" if report.activated else "not activated"
    out.print(
        f"model {report.classifier_id} {verdict}: {report.decision} "
        f"({report.n_train} training labels, {report.n_holdout} held out); {report.predicted:,} texts classified"
    )


@text_app.command("classifiers")
def classifiers(db: str = DB_OPTION) -> None:
    """Every trained intent model: held-out score, the active model's score then, and the decision."""
    from insightdesk.text.intent_store import classifier_history

    with user_errors(), open_store(db) as store:
        df = classifier_history(store)
    tab = table(
        f"{len(df)} models", ("id", "status", "train", "held out", "macro-F1", "active's", "by", "decision"),
        right=("train", "held out", "macro-F1", "active's"), title_justify="left",
    )  # fmt: skip
    for r in df.itertuples(index=False):
        tab.add_row(
            r.classifier_id, r.status, f"{r.n_train:,}", f"{r.n_holdout:,}", num(r.holdout_f1, ".3f", missing=""),
            num(r.active_f1, ".3f", missing=""), cell(r.trained_by), cell(r.decision),
        )  # fmt: skip
    show(tab)


@text_app.command("review")
def review(
    below: float = typer.Option(
        0.5, "--below", min=0.0, max=1.0, help="Confidence under which a prediction waits."
    ),
    limit: int = typer.Option(25, "--limit", min=1, max=10_000),
    db: str = DB_OPTION,
) -> None:
    """The review queue: the least confident intent predictions nobody has labelled yet (redacted)."""
    from insightdesk.text.intent_store import review_queue

    with user_errors(), open_store(db) as store:
        df = review_queue(store, below=below, limit=limit)
    tab = table(
        f"{len(df)} to review", ("text", "predicted", "confidence", "redacted text"), title_justify="left"
    )
    for r in df.itertuples(index=False):
        tab.add_row(
            f"{r.entity}/{r.record_id}/{r.field}", r.label, f"{r.confidence:.2f}", cell(r.redacted_text)
        )
    show(tab)


def register(app: typer.Typer) -> None:
    app.add_typer(text_app, name="text")
    app.add_typer(themes_app, name="themes")
