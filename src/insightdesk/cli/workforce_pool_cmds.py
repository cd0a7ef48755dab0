"""`insightdesk staffing pool`: simulate a multi-skill pool (which groups hold which skills) and set it
beside Erlang C's dedicated and fully pooled staffing (WFM-04)."""

from __future__ import annotations

import typer

from insightdesk.cli.options import format_option
from insightdesk.cli.output import Format, frame_table, show, user_errors, write_rows

POOL_FORMAT = format_option(Format.table)


def _number(text: str, option: str, spec: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{option} {spec!r}: {what} {text!r} is not a number") from None


def parse_skill(spec: str) -> tuple[str, float, float]:
    """NAME=ARRIVALS_PER_HOUR:AHT_SECONDS -> (name, arrivals, aht)."""
    name, _, rest = spec.partition("=")
    arrivals, _, aht = rest.partition(":")
    if not name.strip() or not aht:
        raise typer.BadParameter(f"--skill {spec!r} must be NAME=ARRIVALS_PER_HOUR:AHT_SECONDS")
    return (
        name.strip(),
        _number(arrivals, "--skill", spec, "arrivals per hour"),
        _number(aht, "--skill", spec, "handle time"),
    )


def parse_group(spec: str) -> tuple[str, int, tuple[str, ...]]:
    """NAME=AGENTS:SKILL[,SKILL...] -> (name, agents, skills)."""
    name, _, rest = spec.partition("=")
    agents, _, skills = rest.partition(":")
    if not name.strip() or not skills.strip():
        raise typer.BadParameter(f"--group {spec!r} must be NAME=AGENTS:SKILL[,SKILL...]")
    if not agents.strip().isdigit():
        raise typer.BadParameter(f"--group {spec!r}: agents {agents!r} is not a whole number")
    return name.strip(), int(agents), tuple(s.strip() for s in skills.split(",") if s.strip())


def staffing_pool(
    skill: list[str] = typer.Option(..., "--skill", help="NAME=ARRIVALS_PER_HOUR:AHT_SECONDS, repeatable."),
    group: list[str] = typer.Option(..., "--group", help="NAME=AGENTS:SKILL[,SKILL...], repeatable."),
    target: float = typer.Option(20.0, "--target", help="Service-level target time, seconds."),
    service_level: float = typer.Option(0.8, "--sl", help="Service level for Erlang C's agent counts."),
    hours: float = typer.Option(200.0, "--hours", help="Simulated hours per replication."),
    replications: int = typer.Option(5, "--replications"),
    seed: int = typer.Option(0, "--seed"),
    fmt: Format = POOL_FORMAT,
) -> None:
    """Simulate skills-based routing over groups with different skills: service level and speed of answer
    per skill, occupancy per group (mean of replications, 95% interval), beside Erlang C's agents for
    dedicated and fully pooled staffing."""
    from insightdesk.workforce.pools import AgentGroup, Skill, pooling_bounds, simulate_pool

    skills = [Skill(*parse_skill(s)) for s in skill]
    groups = [AgentGroup(*parse_group(g)) for g in group]
    if not 0 < service_level < 1:
        raise typer.BadParameter(f"--sl {service_level} must be between 0 and 1")
    with user_errors(ValueError):
        frame = simulate_pool(
            skills, groups, target=target, hours=hours, replications=replications, seed=seed
        )
        bounds = pooling_bounds(skills, service_level=service_level, target=target)
    if fmt is not Format.table:
        write_rows(frame, fmt, list(frame.columns))
        return
    show(frame_table(frame, f"Simulated pool ({replications} x {hours:g} h)", {
        "value": ",.3f", "low": ",.3f", "high": ",.3f", "replications": "d",
    }))  # fmt: skip
    show(frame_table(bounds, f"Erlang C agents for {service_level:.0%} in {target:g} s", {"agents": "d"}))


def register(staffing_app: typer.Typer) -> None:
    staffing_app.command("pool")(staffing_pool)
