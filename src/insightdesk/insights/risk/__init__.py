"""Dissatisfaction risk: a model per target, trained on a time split, versioned, scoring open tickets.

Roles: `model` fits and explains, `evaluation` measures on held-out tickets, `service` trains,
scores, reports and persists.
"""

from __future__ import annotations

from insightdesk.insights.risk.service import (
    RetrainReport,
    RiskModelError,
    RiskModelReport,
    RiskReport,
    check_drift,
    factors_json,
    list_models,
    load_model,
    retrain_risk_model,
    risk_report,
    score_tickets,
    stored_scores,
    top_factor_text,
    train_risk_model,
)

__all__ = [
    "RetrainReport",
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
