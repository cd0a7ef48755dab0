"""Sampling (SUR-06): ask enough customers per segment to reach a target number of answers, no more.

Two rules, both deterministic (a hash of the invitation id, so a re-run decides the same way):
- a rate: each eligible invitation is kept with that probability;
- a target per segment (a stratum such as `ticket.channel`): once the answers received in the
  window plus the answers expected from invitations still open (at the expected response rate)
  reach the target, the segment is not asked again until the window moves on. Small segments are
  therefore asked fully and large ones sparingly, which is what reaching a target precision per
  segment with the fewest invitations needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from insightdesk.store.tables.surveys import survey_invitations, survey_responses
from insightdesk.surveys.definition import Sampling
from insightdesk.surveys.eligibility import Refusal


def segment_of(sampling: Sampling, facts: Mapping[str, Mapping[str, Any]]) -> str | None:
    """`channel=chat`: the stratum an invitation counts toward (None without stratification)."""
    if not sampling.stratify_by:
        return None
    subject, _, field = sampling.stratify_by.partition(".")
    value = (facts.get(subject) or {}).get(field)
    return f"{field}={'unknown' if value is None else value}"


def draw(invitation_id: str) -> float:
    """A uniform number in [0, 1) fixed by the invitation id."""
    return int(hashlib.sha256(invitation_id.encode()).hexdigest()[:12], 16) / float(16**12)


def expected_answers(
    conn: sa.Connection, survey_id: str, segment: str, sampling: Sampling, at: dt.datetime
) -> float:
    since = at - dt.timedelta(days=sampling.window_days)
    in_segment = (
        sa.select(survey_invitations.c.invitation_id, survey_responses.c.status.label("answered"))
        .select_from(
            survey_invitations.outerjoin(
                survey_responses, survey_responses.c.invitation_id == survey_invitations.c.invitation_id
            )
        )
        .where(survey_invitations.c.survey_id == survey_id)
        .where(survey_invitations.c.segment == segment)
        .where(survey_invitations.c.status.in_(("scheduled", "sending", "sent")))
        .where(survey_invitations.c.created_at > since)
        .subquery()
    )
    answered, open_ = conn.execute(
        sa.select(
            sa.func.count().filter(in_segment.c.answered == "complete"),
            sa.func.count().filter(
                sa.or_(in_segment.c.answered.is_(None), in_segment.c.answered != "complete")
            ),
        )
    ).one()
    return float(answered) + float(open_) * sampling.expected_response_rate


def sampling_refusal(
    conn: sa.Connection,
    survey_id: str,
    invitation_id: str,
    sampling: Sampling,
    segment: str | None,
    at: dt.datetime,
) -> Refusal | None:
    if sampling.target_per_segment is not None and segment is not None:
        expected = expected_answers(conn, survey_id, segment, sampling, at)
        if expected >= sampling.target_per_segment:
            return Refusal(
                "not_sampled",
                f"segment {segment} expects {expected:.0f} answers in {sampling.window_days} days, "
                f"the target is {sampling.target_per_segment}",
            )
    if draw(invitation_id) >= sampling.rate:
        return Refusal("not_sampled", f"not drawn at the sampling rate {sampling.rate:g}")
    return None
