"""Programme health (KPI-15) and non-response bias (KPI-04), from the invitations and responses.

Funnel per survey and delivery channel: planned, suppressed (by reason), sent, failed, opened,
answered, with the response rate answered / sent and its 95% Wilson interval. Every invitation not
sent is counted with its reason, so the denominators are honest.

Non-response bias: among invitations sent, do responders differ from non-responders on ticket
attributes? Categorical attributes by a chi-square test of independence, numeric ones by the
Mann-Whitney U test. Post-stratification: CSAT (share of answers 4-5 on the 1-5 scale) per segment
weighted by the segment's share of invitations sent, beside the unweighted CSAT of the responders.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import sqlalchemy as sa
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

STAGES = ("planned", "suppressed", "scheduled", "sent", "failed", "opened", "answered")
CATEGORICAL = ("channel", "priority", "type", "category")
NUMERIC = ("resolution_hours", "reopen_count")


def _invitations(engine: sa.Engine, since: dt.datetime | None) -> pd.DataFrame:
    sql = """
        select i.invitation_id, i.survey_id, i.channel as delivery_channel, i.status, i.reason, i.segment,
               i.opened_at, i.created_at, r.status as response_status,
               t.channel, t.priority, t.type, t.category, t.reopen_count,
               t.created_at as ticket_created_at, t.resolved_at
        from survey_invitations i
        left join survey_responses r on r.invitation_id = i.invitation_id
        left join tickets t on t.id = i.ticket_id
    """
    params: dict[str, Any] = {}
    if since is not None:
        sql += " where i.created_at >= :since"
        params["since"] = since
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def wilson(successes: int, n: int) -> tuple[float | None, float | None, float | None]:
    if n == 0:
        return None, None, None
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return successes / n, float(low), float(high)


def funnel(engine: sa.Engine, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One row per survey and delivery channel: the stages, suppressions by reason, response rate."""
    frame = _invitations(engine, since)
    rows = []
    for (survey_id, channel), group in frame.groupby(["survey_id", "delivery_channel"], sort=True):
        sent = int((group.status == "sent").sum())
        answered = int(((group.status == "sent") & (group.response_status == "complete")).sum())
        rate, low, high = wilson(answered, sent)
        suppressed = group[group.status == "suppressed"]
        rows.append(
            {
                "survey_id": survey_id,
                "channel": channel,
                "planned": len(group),
                "suppressed": len(suppressed),
                "suppressed_by_reason": {
                    str(k): int(v) for k, v in suppressed.reason.value_counts().sort_index().items()
                },
                "scheduled": int(group.status.isin(["scheduled", "sending"]).sum()),
                "sent": sent,
                "failed": int((group.status == "failed").sum()),
                # bounced (hard: refused at once or reported later), soft_bounce, delivery_failed
                "failed_by_reason": {
                    str(k): int(v)
                    for k, v in group[group.status == "failed"].reason.value_counts().sort_index().items()
                },
                "opened": int(((group.status == "sent") & group.opened_at.notna()).sum()),
                "partial": int((group.response_status == "partial").sum()),
                "answered": answered,
                "response_rate": rate,
                "ci_low": low,
                "ci_high": high,
                "formula": "answered / sent; 95% Wilson interval",
            }
        )
    return rows


def _csat_by_invitation(engine: sa.Engine) -> pd.DataFrame:
    sql = """
        select split_part(f.source_id, ':', 1) as invitation_id, f.score
        from feedback f
        where f.source_system = 'insightdesk' and f.scale = 'csat' and f.score is not null
    """
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def nonresponse_bias(engine: sa.Engine, survey_id: str, since: dt.datetime | None = None) -> dict[str, Any]:
    """Responders vs non-responders among the invitations sent, and post-stratified CSAT."""
    frame = _invitations(engine, since)
    sent = frame[(frame.survey_id == survey_id) & (frame.status == "sent")].copy()
    sent["responded"] = sent.response_status == "complete"
    hours = (
        pd.to_datetime(sent.resolved_at) - pd.to_datetime(sent.ticket_created_at)
    ).dt.total_seconds() / 3600
    sent["resolution_hours"] = hours
    tests = [t for t in (_categorical(sent, c) for c in CATEGORICAL) if t] + [
        t for t in (_numeric(sent, c) for c in NUMERIC) if t
    ]
    return {
        "survey_id": survey_id,
        "sent": len(sent),
        "responders": int(sent.responded.sum()),
        "attributes": tests,
        "weighting": _post_stratified(engine, sent),
    }


def _categorical(sent: pd.DataFrame, column: str) -> dict[str, Any] | None:
    values = sent[column].fillna("unknown").astype(str)
    table = pd.crosstab(values, sent.responded.map({True: "yes", False: "no"}))
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    chi2, p, _dof, _ = stats.chi2_contingency(table.to_numpy())
    share = table.div(table.sum(axis=0), axis=1)
    return {
        "attribute": column,
        "test": "chi-square test of independence",
        "statistic": float(chi2),
        "p_value": float(p),
        "responders": {str(k): float(v) for k, v in share["yes"].items()},
        "non_responders": {str(k): float(v) for k, v in share["no"].items()},
    }


def _numeric(sent: pd.DataFrame, column: str) -> dict[str, Any] | None:
    yes = pd.to_numeric(sent.loc[sent.responded, column], errors="coerce").dropna()
    no = pd.to_numeric(sent.loc[~sent.responded, column], errors="coerce").dropna()
    if len(yes) < 2 or len(no) < 2:
        return None
    result = stats.mannwhitneyu(yes, no, alternative="two-sided")
    return {
        "attribute": column,
        "test": "Mann-Whitney U",
        "statistic": float(result.statistic),
        "p_value": float(result.pvalue),
        "responders": {"median": float(yes.median()), "n": len(yes)},
        "non_responders": {"median": float(no.median()), "n": len(no)},
    }


def _post_stratified(engine: sa.Engine, sent: pd.DataFrame) -> dict[str, Any]:
    scores = _csat_by_invitation(engine)
    merged = sent.merge(scores, on="invitation_id", how="left")
    merged["segment"] = merged.segment.fillna("all")
    merged["satisfied"] = merged.score >= 4
    answered = merged[merged.score.notna()]
    if answered.empty:
        return {"unweighted_csat": None, "weighted_csat": None, "segments": [], "n": 0}
    segments = []
    weighted, covered = 0.0, 0.0
    for segment, group in merged.groupby("segment", sort=True):
        got = group[group.score.notna()]
        weight = len(group) / len(merged)
        csat = float(got.satisfied.mean()) if len(got) else None
        if csat is not None:
            weighted += weight * csat
            covered += weight
        segments.append(
            {
                "segment": segment,
                "sent": len(group),
                "answered": len(got),
                "response_rate": len(got) / len(group),
                "csat": csat,
                "weight": weight,
            }
        )
    return {
        "unweighted_csat": float(answered.satisfied.mean()),
        # Segments without any answer cannot be represented: the weights of the rest are rescaled.
        "weighted_csat": weighted / covered if covered else None,
        "uncovered_share": 1 - covered,
        "segments": segments,
        "n": len(answered),
        "formula": "sum over segments of (sent share x CSAT of the segment's responders), rescaled to the "
        "segments with answers",
    }


def finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
