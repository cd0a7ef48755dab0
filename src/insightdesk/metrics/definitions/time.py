"""Time KPIs: first response, resolution (calendar and business hours), SLA, backlog and ageing."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import CLOSED_STATUSES, as_int, live_tickets, resolved_tickets
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables, business_clock_at, hours_between, seconds, with_business_clock


def _responded(tables: Tables) -> Any:
    t = live_tickets(tables)
    t = t.filter(t.first_response_at.notnull(), t.first_response_at >= t.created_at)
    return t.mutate(ts=t.created_at)


def _resolved(tables: Tables) -> Any:
    t = resolved_tickets(tables)
    return t.filter(t.resolved_at >= t.created_at)


def _frt(tables: Tables, config: MetricsConfig) -> Any:
    t = _responded(tables)
    return t.mutate(x=hours_between(t.created_at, t.first_response_at))


def _ttr(tables: Tables, config: MetricsConfig) -> Any:
    t = _resolved(tables)
    return t.mutate(x=hours_between(t.created_at, t.resolved_at))


def _business_hours(t: Any, tables: Tables, start: str, end: str) -> Any:
    t = with_business_clock(t, tables, start, "_bc_start")
    t = with_business_clock(t, tables, end, "_bc_end")
    t = t.filter(t._bc_start.notnull(), t._bc_end.notnull())
    return t.mutate(x=(t._bc_end - t._bc_start) / 3600.0).drop("_bc_start", "_bc_end")


def _frt_business(tables: Tables, config: MetricsConfig) -> Any:
    return _business_hours(_responded(tables), tables, "created_at", "first_response_at")


def _ttr_business(tables: Tables, config: MetricsConfig) -> Any:
    return _business_hours(_resolved(tables), tables, "created_at", "resolved_at")


def _sla_outcome(tables: Tables, config: MetricsConfig, target: str, done: str, flag: str) -> Any:
    """Tickets with a target and a verdict, with `breached`."""
    t = live_tickets(tables)
    t = t.mutate(ts=t.created_at)
    t = _with_breach(t, tables, config, target, done, flag, "breached")
    return t.filter(t.breached.notnull())


def _with_breach(
    t: Any, tables: Tables, config: MetricsConfig, target: str, done: str, flag: str, out: str
) -> Any:
    """Add `out`: the source's breach flag, else the clock against the target; null without a
    target, or while the ticket is open and still inside it."""
    import ibis

    limit = t[target] * 60
    as_of = tables.as_of
    helpers: list[str] = []
    if config.sla_clock == "business":
        start, finish = f"_sla_start{out}", f"_sla_done{out}"
        t = with_business_clock(t, tables, "created_at", start)
        t = with_business_clock(t, tables, done, finish)
        helpers = [start, finish]
        now = business_clock_at(tables, as_of)
        elapsed_done = t[finish] - t[start]
        elapsed_open = (ibis.literal(now, "int64") if now is not None else ibis.null("int64")) - t[start]
    elif config.sla_clock == "calendar":
        elapsed_done = seconds(t[done]) - seconds(t.created_at)
        elapsed_open = seconds(ibis.literal(as_of, "timestamp")) - seconds(t.created_at)
    else:
        raise ValueError(f"config.sla_clock must be 'calendar' or 'business', not {config.sla_clock!r}")
    computed = ibis.cases(
        (t[done].notnull(), elapsed_done > limit),
        (elapsed_open > limit, ibis.literal(True)),
        else_=ibis.null("boolean"),
    )
    verdict = ibis.cases((t[target].isnull(), ibis.null("boolean")), else_=t[flag].coalesce(computed))
    t = t.mutate(**{out: verdict})
    return t.drop(*helpers) if helpers else t


def _sla_response(tables: Tables, config: MetricsConfig) -> Any:
    t = _sla_outcome(
        tables, config, "sla_response_target_minutes", "first_response_at", "sla_response_breached"
    )
    return t.mutate(hit=as_int(~t.breached))


def _sla_resolution(tables: Tables, config: MetricsConfig) -> Any:
    t = _sla_outcome(
        tables, config, "sla_resolution_target_minutes", "resolved_at", "sla_resolution_breached"
    )
    return t.mutate(hit=as_int(~t.breached))


def _sla_breaches(tables: Tables, config: MetricsConfig) -> Any:
    # One pass over the tickets judging both targets: a ticket breaching both counts once.
    t = live_tickets(tables)
    t = t.mutate(ts=t.created_at)
    t = _with_breach(
        t,
        tables,
        config,
        "sla_response_target_minutes",
        "first_response_at",
        "sla_response_breached",
        "_br_resp",
    )
    t = _with_breach(
        t,
        tables,
        config,
        "sla_resolution_target_minutes",
        "resolved_at",
        "sla_resolution_breached",
        "_br_res",
    )
    t = t.filter(t._br_resp.coalesce(False) | t._br_res.coalesce(False))
    return t.drop("_br_resp", "_br_res")


def _out_time(t: Any) -> Any:
    import ibis

    return ibis.cases(
        (t.status.isin(list(CLOSED_STATUSES)), t.resolved_at.coalesce(t.closed_at, t.created_at)),
        else_=ibis.null("timestamp"),
    )


def _backlog(tables: Tables, config: MetricsConfig) -> Any:
    t = live_tickets(tables)
    return t.mutate(in_ts=t.created_at, out_ts=_out_time(t), ts=t.created_at)


def _open_at(tables: Tables) -> Any:
    import ibis

    t = _backlog(tables, MetricsConfig())
    as_of = ibis.literal(tables.as_of, "timestamp")
    return t.filter(t.in_ts < as_of, t.out_ts.isnull() | (t.out_ts >= as_of))


def _backlog_age(tables: Tables, config: MetricsConfig) -> Any:
    import ibis

    t = _open_at(tables)
    return t.mutate(x=(seconds(ibis.literal(tables.as_of, "timestamp")) - seconds(t.created_at)) / 86400.0)


def _backlog_aged(tables: Tables, config: MetricsConfig) -> Any:
    t = _backlog_age(tables, config)
    return t.mutate(hit=as_int(t.x > config.aged_days))


def _time_kpi(name: str, title: str, kind: str, fact: Any, what: str, business: bool, **kw: Any) -> KPI:
    start, end = what.split("->")
    clock = (
        "business hours under `config.calendar` (time zone, opening hours, working days, holidays)"
        if business
        else "calendar hours"
    )
    stat = "median" if kind == "median" else "mean"
    return KPI(
        name=name,
        title=title,
        kind=kind,  # type: ignore[arg-type]
        fact=fact,
        unit="business hours" if business else "hours",
        family="time",
        higher_is_better=False,
        formula=f"{stat} of ({end} - {start}) in {clock}",
        numerator=f"{stat} over tickets of the elapsed time" if kind == "median" else "sum of elapsed times",
        denominator="tickets with both timestamps, cancelled excluded",
        excludes=f"tickets without {end}; negative durations ({end} before {start}, data errors)"
        + ("; timestamps outside the calendar's range" if business else ""),
        edge_cases=(
            "the median's interval uses order statistics (distribution-free), so skewed times are fine"
            if kind == "median"
            else "means are pulled by long tails: read them beside the median"
        )
        + ("; daylight-saving changes and holidays are applied exactly" if business else ""),
        **kw,
    )


_FRT = dict(
    dated_by="tickets.created_at",
    convention="HDI / Zendesk 'first reply time' (requester wait to first public agent response)",
)
_TTR = dict(
    dated_by="tickets.resolved_at",
    convention="ITIL 4 / Zendesk 'full resolution time' (creation to last resolution)",
)

KPIS = (
    _time_kpi(
        "frt_median",
        "First response time (median)",
        "median",
        _frt,
        "created_at->first_response_at",
        False,
        **_FRT,
    ),
    _time_kpi(
        "frt_mean", "First response time (mean)", "mean", _frt, "created_at->first_response_at", False, **_FRT
    ),
    _time_kpi(
        "frt_business_median",
        "First response time, business hours (median)",
        "median",
        _frt_business,
        "created_at->first_response_at",
        True,
        **_FRT,
    ),
    _time_kpi(
        "frt_business_mean",
        "First response time, business hours (mean)",
        "mean",
        _frt_business,
        "created_at->first_response_at",
        True,
        **_FRT,
    ),
    _time_kpi(
        "ttr_median", "Time to resolution (median)", "median", _ttr, "created_at->resolved_at", False, **_TTR
    ),
    _time_kpi(
        "ttr_mean", "Time to resolution (mean)", "mean", _ttr, "created_at->resolved_at", False, **_TTR
    ),
    _time_kpi(
        "ttr_business_median",
        "Time to resolution, business hours (median)",
        "median",
        _ttr_business,
        "created_at->resolved_at",
        True,
        **_TTR,
    ),
    _time_kpi(
        "ttr_business_mean",
        "Time to resolution, business hours (mean)",
        "mean",
        _ttr_business,
        "created_at->resolved_at",
        True,
        **_TTR,
    ),
    KPI(
        name="sla_response_attainment",
        title="SLA attainment: first response",
        kind="proportion",
        fact=_sla_response,
        unit="share",
        family="time",
        dated_by="tickets.created_at",
        formula="tickets whose first response met its target / tickets with a response target and a known outcome",
        numerator="tickets not breached: the source's sla_response_breached flag, else "
        "(first_response_at - created_at) <= sla_response_target_minutes on `config.sla_clock`",
        denominator="tickets with sla_response_target_minutes and a known outcome, cancelled excluded",
        no_data="no tickets with an SLA response target and a known outcome",
        excludes="tickets without a target; unanswered tickets still within target at the snapshot (pending)",
        edge_cases="an unanswered ticket already past its target at `until` (or now) counts as breached; "
        "compute by priority (`--by priority`) for attainment per priority",
        convention="ITIL 4 service level management; the source's own flag wins because desks pause "
        "SLA clocks (pending, on hold) in ways timestamps do not show",
    ),
    KPI(
        name="sla_resolution_attainment",
        title="SLA attainment: resolution",
        kind="proportion",
        fact=_sla_resolution,
        unit="share",
        family="time",
        dated_by="tickets.created_at",
        formula="tickets resolved within target / tickets with a resolution target and a known outcome",
        numerator="tickets not breached: sla_resolution_breached, else "
        "(resolved_at - created_at) <= sla_resolution_target_minutes on `config.sla_clock`",
        denominator="tickets with sla_resolution_target_minutes and a known outcome, cancelled excluded",
        no_data="no tickets with an SLA resolution target and a known outcome",
        excludes="tickets without a target; unresolved tickets still within target (pending)",
        edge_cases="an unresolved ticket past its target at the snapshot counts as breached",
        convention="ITIL 4 service level management",
    ),
    KPI(
        name="sla_breaches",
        title="SLA breaches",
        kind="count",
        fact=_sla_breaches,
        unit="tickets",
        family="time",
        higher_is_better=False,
        dated_by="tickets.created_at",
        formula="count of tickets with a breached response or resolution target",
        numerator="tickets breaching either target (same rules as the attainment KPIs)",
        denominator="none (a count); the interval treats it as a Poisson count",
        excludes="cancelled tickets; tickets without targets",
        edge_cases="a ticket breaching both targets counts once",
        convention="ITIL 4 service level management (breach count per priority)",
    ),
    KPI(
        name="backlog",
        title="Backlog (open tickets)",
        kind="backlog",
        fact=_backlog,
        unit="tickets",
        family="time",
        higher_is_better=False,
        dated_by="end of each period (without a grain: `until`, else now)",
        formula="tickets created before the instant and not yet resolved or closed at it",
        numerator="open tickets at the end of each period (or at the snapshot)",
        denominator="none (a census count)",
        excludes="cancelled tickets",
        edge_cases="a ticket currently resolved/closed leaves the backlog at resolved_at (else closed_at); "
        "one reopened and re-resolved counts out from its last resolution; no sampling error, so the "
        "interval is the value itself",
        convention="ITIL 4 / HDI backlog (open work in progress at a point in time)",
    ),
    KPI(
        name="backlog_age_median",
        title="Backlog age (median)",
        kind="median",
        fact=_backlog_age,
        unit="days",
        family="time",
        higher_is_better=False,
        snapshot=True,
        dated_by="snapshot at `until` (else `config.as_of`, else now)",
        formula="median age (snapshot - created_at) of the tickets open at the snapshot",
        numerator="ages of open tickets",
        denominator="tickets open at the snapshot",
        excludes="cancelled tickets; tickets created after the snapshot",
        edge_cases="a snapshot KPI: no time grain",
        convention="HDI ticket ageing",
    ),
    KPI(
        name="backlog_aged_share",
        title="Aged backlog share",
        kind="proportion",
        fact=_backlog_aged,
        unit="share",
        family="time",
        higher_is_better=False,
        snapshot=True,
        dated_by="snapshot at `until` (else `config.as_of`, else now)",
        formula="open tickets older than `config.aged_days` (default 7) / open tickets",
        numerator="open tickets older than the threshold at the snapshot",
        denominator="tickets open at the snapshot",
        excludes="cancelled tickets",
        edge_cases="a snapshot KPI: no time grain",
        convention="HDI ticket ageing buckets",
    ),
)
