"""Dissatisfaction risk: a model per target, trained on a time split, versioned, scoring open tickets.

Roles, as in every insight feature:
- computation (pure, on frames and arrays): `split` (the time split), `pipelines` (the candidates),
  `training` (fit, calibrate, choose), `model` (the fitted model as its artefact holds it: scores,
  bands, explanations), `evaluation` (held-out figures), `drift` (PSI against the training data);
- configuration: `config` (candidates, class minimums, bands, evaluation and drift thresholds);
- persistence: `persistence` (`risk_models` with checksummed artefacts, `risk_scores`);
- service: `service` trains, scores, reports and checks drift; `reports` holds what it returns.
"""

from __future__ import annotations

from insightdesk.insights.risk.persistence import (
    RiskModelError,
    factors_json,
    list_models,
    load_model,
    stored_scores,
)
from insightdesk.insights.risk.reports import RetrainReport, RiskModelReport, RiskReport, top_factor_text
from insightdesk.insights.risk.service import (
    check_drift,
    retrain_risk_model,
    risk_report,
    score_tickets,
    train_risk_model,
)
from insightdesk.insights.risk.split import RiskDataError

__all__ = [
    "RetrainReport",
    "RiskDataError",
    "RiskModelError",
    "RiskModelReport",
    "RiskReport",
    "check_drift",
    "factors_json",
    "list_models",
    "load_model",
    "retrain_risk_model",
    "risk_report",
    "score_tickets",
    "stored_scores",
    "top_factor_text",
    "train_risk_model",
]
