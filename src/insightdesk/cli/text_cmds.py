"""`insightdesk text ...` and `insightdesk themes ...`: offline text analytics and the theme registry."""

from __future__ import annotations

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
    with user_errors(ModelMissingError), open_store(db) as store:
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


def register(app: typer.Typer) -> None:
    app.add_typer(text_app, name="text")
    app.add_typer(themes_app, name="themes")
