"""Revision 0004's key drivers, risk models and scores, alerts, impact analyses.

Frozen at revision 0004: never edit (the revision must create this schema forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_driver_effects() -> None:
    op.create_table(
        "driver_effects",
        sa.Column("run_id", sa.String(), nullable=False, comment="Drivers run (insight_runs.run_id)."),
        sa.Column("outcome", sa.String(), nullable=False, comment="low_csat, detractor or repeat_contact."),
        sa.Column(
            "kind",
            sa.String(),
            nullable=False,
            comment="driver (adjusted effect) or disparity (segment vs rest).",
        ),
        sa.Column(
            "feature", sa.String(), nullable=False, comment="Attribute (e.g. team, channel, reopened)."
        ),
        sa.Column(
            "level",
            sa.String(),
            nullable=False,
            comment="Level of a categorical attribute; empty for numeric ones.",
        ),
        sa.Column(
            "effect",
            sa.Float(),
            nullable=True,
            comment="Effect on the outcome (percentage points of risk, or as `method` says).",
        ),
        sa.Column("ci_low", sa.Float(), nullable=True, comment="Lower bound of the 95% interval."),
        sa.Column("ci_high", sa.Float(), nullable=True, comment="Upper bound of the 95% interval."),
        sa.Column("p_value", sa.Float(), nullable=True, comment="Unadjusted p-value."),
        sa.Column(
            "p_adjusted",
            sa.Float(),
            nullable=True,
            comment="p-value after the multiple-comparison correction of the run.",
        ),
        sa.Column(
            "significant",
            sa.Boolean(),
            nullable=True,
            comment="Interval excludes zero / adjusted p below alpha.",
        ),
        sa.Column(
            "n", sa.Integer(), nullable=True, comment="Records with this level (or with the attribute known)."
        ),
        sa.Column("method", sa.String(), nullable=True, comment="How the effect was estimated."),
        sa.PrimaryKeyConstraint("run_id", "outcome", "kind", "feature", "level"),
        comment="Key drivers of dissatisfaction and segment disparities, with uncertainty.",
    )


def create_risk_models() -> None:
    op.create_table(
        "risk_models",
        sa.Column("model_id", sa.String(), nullable=False, comment="Unique id: `<target>-v<version>`."),
        sa.Column("target", sa.String(), nullable=False, comment="low_csat, detractor or repeat_contact."),
        sa.Column("version", sa.Integer(), nullable=False, comment="Version, counting up per target."),
        sa.Column("algorithm", sa.String(), nullable=True, comment="Estimator and library version."),
        sa.Column("features", sa.Text(), nullable=True, comment="Input features, JSON list."),
        sa.Column(
            "train_from", sa.DateTime(), nullable=True, comment="Earliest ticket of the training data (UTC)."
        ),
        sa.Column(
            "train_until",
            sa.DateTime(),
            nullable=True,
            comment="Time split: training tickets created before, test tickets after (UTC).",
        ),
        sa.Column("n_train", sa.Integer(), nullable=True, comment="Training tickets."),
        sa.Column("n_test", sa.Integer(), nullable=True, comment="Held-out test tickets."),
        sa.Column("base_rate", sa.Float(), nullable=True, comment="Share of positives in the test set."),
        sa.Column("auc", sa.Float(), nullable=True, comment="ROC AUC on the held-out test set."),
        sa.Column("auc_ci_low", sa.Float(), nullable=True, comment="Lower bound of the AUC's 95% interval."),
        sa.Column("auc_ci_high", sa.Float(), nullable=True, comment="Upper bound of the AUC's 95% interval."),
        sa.Column(
            "brier", sa.Float(), nullable=True, comment="Brier score on the test set (lower is better)."
        ),
        sa.Column(
            "metrics",
            sa.Text(),
            nullable=True,
            comment="Precision at top k, reliability table and more, JSON.",
        ),
        sa.Column(
            "reference_profile",
            sa.Text(),
            nullable=True,
            comment="Feature distributions of the training data for drift checks, JSON.",
        ),
        sa.Column(
            "artefact",
            sa.LargeBinary(),
            nullable=True,
            comment="The fitted model (joblib), loaded only from this trusted store.",
        ),
        sa.Column(
            "artefact_sha256",
            sa.String(),
            nullable=True,
            comment="SHA-256 of the artefact, checked before loading.",
        ),
        sa.Column("status", sa.String(), nullable=False, comment="active (used for scoring) or retired."),
        sa.Column("trained_at", sa.DateTime(), nullable=False, comment="When it was trained (UTC)."),
        sa.PrimaryKeyConstraint("model_id"),
        comment="Versioned dissatisfaction-risk models with their held-out evaluation.",
    )


def create_risk_scores() -> None:
    op.create_table(
        "risk_scores",
        sa.Column("model_id", sa.String(), nullable=False, comment="Model (risk_models.model_id)."),
        sa.Column("ticket_id", sa.String(), nullable=False, comment="Ticket scored (tickets.id)."),
        sa.Column(
            "score", sa.Float(), nullable=False, comment="Predicted probability of the target outcome."
        ),
        sa.Column(
            "band",
            sa.String(),
            nullable=True,
            comment="high, medium or low (thresholds in the model's metrics).",
        ),
        sa.Column(
            "top_factors",
            sa.Text(),
            nullable=True,
            comment="Factors that raise or lower this ticket's risk most, JSON list.",
        ),
        sa.Column("scored_at", sa.DateTime(), nullable=False, comment="When it was scored (UTC)."),
        sa.PrimaryKeyConstraint("model_id", "ticket_id"),
        comment="Per-ticket dissatisfaction risk with its explanation.",
    )


def create_alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column(
            "alert_id", sa.String(), nullable=False, comment="Stable id: a re-run finds the same alert again."
        ),
        sa.Column(
            "run_id", sa.String(), nullable=True, comment="Alerts run that raised it (insight_runs.run_id)."
        ),
        sa.Column("kind", sa.String(), nullable=False, comment="anomaly (spike or drop) or threshold."),
        sa.Column("rule", sa.String(), nullable=False, comment="Detector or threshold rule that fired."),
        sa.Column(
            "series",
            sa.String(),
            nullable=False,
            comment="KPI or theme series (e.g. `kpi:csat`, `theme:T0003`).",
        ),
        sa.Column("segment", sa.String(), nullable=False, comment="Segment, `dimension=value`, or `all`."),
        sa.Column("period", sa.DateTime(), nullable=False, comment="Period the alert is about (start, UTC)."),
        sa.Column("grain", sa.String(), nullable=True, comment="day, week or month."),
        sa.Column("direction", sa.String(), nullable=True, comment="spike, drop, above or below."),
        sa.Column("observed", sa.Float(), nullable=True, comment="Observed value."),
        sa.Column(
            "expected", sa.Float(), nullable=True, comment="Expected value (seasonal baseline or threshold)."
        ),
        sa.Column("expected_low", sa.Float(), nullable=True, comment="Lower bound of the expected range."),
        sa.Column("expected_high", sa.Float(), nullable=True, comment="Upper bound of the expected range."),
        sa.Column("n", sa.Integer(), nullable=True, comment="Sample size of the observed period."),
        sa.Column("severity", sa.String(), nullable=True, comment="critical, warning or info."),
        sa.Column("evidence", sa.Text(), nullable=True, comment="Series, expected range and method, JSON."),
        sa.Column("status", sa.String(), nullable=False, comment="open, acknowledged or closed."),
        sa.Column(
            "delivered",
            sa.Text(),
            nullable=True,
            comment="Channels it was delivered through and their result, JSON.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="First raised (UTC)."),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change (UTC)."),
        sa.PrimaryKeyConstraint("alert_id"),
        comment="Anomaly and threshold alerts on KPI and theme series, with their evidence.",
    )


def create_impact_analyses() -> None:
    op.create_table(
        "impact_analyses",
        sa.Column("analysis_id", sa.String(), nullable=False, comment="Unique, time-ordered id."),
        sa.Column(
            "name", sa.String(), nullable=True, comment="What was changed (free text given by the user)."
        ),
        sa.Column("kpi", sa.String(), nullable=False, comment="KPI measured."),
        sa.Column(
            "method",
            sa.String(),
            nullable=False,
            comment="did (difference-in-differences), pre_post_trend (weaker: no control) or ab_test.",
        ),
        sa.Column(
            "intervention_at", sa.DateTime(), nullable=True, comment="When the change took effect (UTC)."
        ),
        sa.Column("treated", sa.Text(), nullable=True, comment="Treated segment or arm, JSON filter."),
        sa.Column("control", sa.Text(), nullable=True, comment="Control segment or arm, JSON filter."),
        sa.Column("effect", sa.Float(), nullable=True, comment="Estimated effect on the KPI (KPI units)."),
        sa.Column("ci_low", sa.Float(), nullable=True, comment="Lower bound of the 95% interval."),
        sa.Column("ci_high", sa.Float(), nullable=True, comment="Upper bound of the 95% interval."),
        sa.Column("p_value", sa.Float(), nullable=True, comment="Two-sided p-value of no effect."),
        sa.Column(
            "n_treated", sa.Integer(), nullable=True, comment="Observations in the treated segment or arm."
        ),
        sa.Column(
            "n_control", sa.Integer(), nullable=True, comment="Observations in the control segment or arm."
        ),
        sa.Column(
            "warnings",
            sa.Text(),
            nullable=True,
            comment="Caveats (weaker design, underpowered, pre-trends differ), JSON list.",
        ),
        sa.Column(
            "detail",
            sa.Text(),
            nullable=True,
            comment="Per-period series, power, required sample size, JSON.",
        ),
        sa.Column("created_by", sa.String(), nullable=True, comment="Account or `cli`."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("analysis_id"),
        comment="Measured impact of changes: difference-in-differences, pre/post with trend, A/B tests.",
    )
