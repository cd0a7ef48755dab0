"""Feedback KPIs: CSAT, NPS, CES and the survey response rate."""

from __future__ import annotations

from typing import Any

from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.definitions.common import as_int
from insightdesk.metrics.spec import KPI
from insightdesk.metrics.tables import Tables

FEEDBACK_DIMS = ("channel", "agent", "language")


def answered(tables: Tables, scale: str) -> Any:
    """Answered questions of one scale with a score, dated by the answer."""
    f = tables.feedback
    f = f.filter(f.scale == scale, f.score.notnull(), f.answered_at.notnull())
    return f.mutate(ts=f.answered_at, agent=f.agent_id)


def _csat(tables: Tables, config: MetricsConfig) -> Any:
    f = answered(tables, "csat")
    known = [(f.scale_max == m) & f.score.isin(list(s)) for m, s in config.csat_satisfied.items()]
    other = ~f.scale_max.isin(list(config.csat_satisfied)) & (f.score >= f.scale_max - 1)
    hit = other
    for cond in known:
        hit = hit | cond
    return f.mutate(hit=as_int(hit))


def _nps(tables: Tables, config: MetricsConfig) -> Any:
    f = answered(tables, "nps")
    f = f.filter(f.scale_min == 0, f.scale_max == 10)
    return f.mutate(
        promoter=as_int(f.score >= config.nps_promoter_min),
        detractor=as_int(f.score <= config.nps_detractor_max),
    )


def _ces_scores(tables: Tables) -> Any:
    f = answered(tables, "ces")
    f = f.filter(f.scale_max > f.scale_min)
    # Rescale other ranges linearly onto 1-7 so one threshold and one mean apply.
    return f.mutate(x=1.0 + (f.score - f.scale_min) * 6.0 / (f.scale_max - f.scale_min))


def _ces_mean(tables: Tables, config: MetricsConfig) -> Any:
    return _ces_scores(tables)


def _ces_easy(tables: Tables, config: MetricsConfig) -> Any:
    f = _ces_scores(tables)
    return f.mutate(hit=as_int(f.x >= config.ces_easy_min))


def _response_rate(tables: Tables, config: MetricsConfig) -> Any:
    f = tables.feedback
    f = f.filter(f.sent_at.notnull())
    # One invitation = one survey sent about one ticket (or customer) at one time; its questions are rows.
    inv = f.group_by(
        survey_key=f.survey_id.coalesce(""),
        ticket_id=f.ticket_id,
        customer_id=f.customer_id,
        ts=f.sent_at,
    ).agg(
        hit=as_int(f.answered_at.notnull()).max(),
        channel=f.channel.max(),
        agent=f.agent_id.max(),
        language=f.language.max(),
    )
    return inv


KPIS = (
    KPI(
        name="csat",
        title="Customer satisfaction (CSAT)",
        kind="proportion",
        fact=_csat,
        unit="share",
        family="feedback",
        dims=FEEDBACK_DIMS,
        dated_by="feedback.answered_at",
        formula="satisfied answers / answers",
        numerator="CSAT answers whose score is in the satisfied set of their scale "
        "(default 4-5 on 1-5, 6-7 on 1-7, 9-10 on 0/1-10; otherwise the top two scores)",
        denominator="answered CSAT questions with a score (feedback.scale = 'csat')",
        excludes="unanswered invitations, comment-only answers (score null)",
        edge_cases="a survey with several CSAT questions counts each answer; "
        "the satisfied set is `config.csat_satisfied`, keyed by the scale's maximum",
        convention="top-two-box CSAT as in the ACSI and most helpdesks (Zendesk, Freshdesk: 'good' share)",
    ),
    KPI(
        name="nps",
        title="Net Promoter Score (NPS)",
        kind="nps",
        fact=_nps,
        unit="points (-100..100)",
        family="feedback",
        dims=FEEDBACK_DIMS,
        scale=100.0,
        dated_by="feedback.answered_at",
        formula="100 x (promoters - detractors) / answers",
        numerator="promoters (score >= 9) minus detractors (score <= 6)",
        denominator="answered NPS questions with a score on the 0-10 scale",
        excludes="unanswered invitations, comment-only answers, NPS rows not on 0-10",
        edge_cases="passives (7-8) count in the denominator only; interval is the adjusted Wald "
        "interval of the trinomial difference (Rocks 2016)",
        convention="Reichheld (2003), Bain & Company / Satmetrix Net Promoter System",
    ),
    KPI(
        name="ces_mean",
        title="Customer effort score (mean)",
        kind="mean",
        fact=_ces_mean,
        unit="score (1-7)",
        family="feedback",
        dims=FEEDBACK_DIMS,
        dated_by="feedback.answered_at",
        formula="mean CES answer on the 1-7 agreement scale (7 = very easy)",
        numerator="sum of CES scores (rescaled linearly to 1-7 when the source used another range)",
        denominator="answered CES questions with a score",
        excludes="unanswered invitations, comment-only answers, scales with max <= min",
        edge_cases="a 1-5 CES is mapped onto 1-7 (1 -> 1, 5 -> 7) so desks can mix surveys",
        convention="CES 2.0 (CEB/Gartner, 'The company made it easy to handle my issue', 1-7)",
    ),
    KPI(
        name="ces_easy",
        title="Customer effort: share easy",
        kind="proportion",
        fact=_ces_easy,
        unit="share",
        family="feedback",
        dims=FEEDBACK_DIMS,
        dated_by="feedback.answered_at",
        formula="answers >= 5 on 1-7 / answers",
        numerator="CES answers at or above `config.ces_easy_min` (default 5: somewhat agree or more)",
        denominator="answered CES questions with a score",
        excludes="unanswered invitations, comment-only answers",
        edge_cases="other ranges are rescaled to 1-7 before the threshold applies",
        convention="CES 2.0 top-three-box 'easy' share (Gartner)",
    ),
    KPI(
        name="survey_response_rate",
        title="Survey response rate",
        kind="proportion",
        fact=_response_rate,
        unit="share",
        family="feedback",
        dims=FEEDBACK_DIMS,
        dated_by="feedback.sent_at",
        formula="answered invitations / invitations sent",
        numerator="invitations with at least one answered question",
        denominator="invitations: distinct (survey, ticket, customer, sent_at) with sent_at known",
        excludes="answers without a send time (no invitation to count them against)",
        edge_cases="a multi-question survey is one invitation; partial answers count as responses",
        convention="AAPOR-style response rate RR2-like (partial responses count) at invitation level",
    ),
)
