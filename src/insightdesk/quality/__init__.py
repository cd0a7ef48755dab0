"""Quality assurance: rubrics, evaluations, calibration, agent scorecards and coaching.

Roles: computation (`rubric` scoring, `sampling`, `calibration` agreement, `shrinkage`, `coaching`
follow-up, `segments` domain estimates: pure functions), store services for writes (`rubrics`,
`reviews`, `rounds`, `plans`), what tickets are about (`topics`: categories or text themes) and
the audited, scoped reads (`service`, through `access`).
"""

from insightdesk.quality.access import NotInScope
from insightdesk.quality.calibration import AGREEMENT_FLOOR, analyse_round, icc_2_1
from insightdesk.quality.plans import STATUSES, TRANSITIONS, add_session, create_plan, set_status
from insightdesk.quality.reviews import draw_review_sample, record_evaluation
from insightdesk.quality.rounds import analyse, create_round, get_round, list_rounds
from insightdesk.quality.rubric import Rubric, RubricError, parse_rubric, parse_rubric_yaml, score_answers
from insightdesk.quality.rubrics import get_rubric, list_rubrics, save_rubric
from insightdesk.quality.sampling import METHODS, draw_sample, weighted_mean
from insightdesk.quality.segments import SEGMENTS
from insightdesk.quality.service import (
    read_evaluations,
    read_plans,
    read_progress,
    read_scorecards,
    read_skill_gaps,
    segment_scores,
    team_scores,
)
from insightdesk.quality.skills import skill_gaps
from insightdesk.quality.topics import TOPICS

__all__ = [
    "AGREEMENT_FLOOR",
    "METHODS",
    "SEGMENTS",
    "STATUSES",
    "TOPICS",
    "TRANSITIONS",
    "NotInScope",
    "Rubric",
    "RubricError",
    "add_session",
    "analyse",
    "analyse_round",
    "create_plan",
    "create_round",
    "draw_review_sample",
    "draw_sample",
    "get_round",
    "get_rubric",
    "icc_2_1",
    "list_rounds",
    "list_rubrics",
    "parse_rubric",
    "parse_rubric_yaml",
    "read_evaluations",
    "read_plans",
    "read_progress",
    "read_scorecards",
    "read_skill_gaps",
    "record_evaluation",
    "save_rubric",
    "score_answers",
    "segment_scores",
    "set_status",
    "skill_gaps",
    "team_scores",
    "weighted_mean",
]
