"""Store tables of the insight engine (migration 0004): pain points and their backlog, key drivers,
risk models and scores, alerts, and impact analyses.

Every result is stored with the run that produced it, so the dashboard and the REST API show
what the CLI computed, and a figure can always be traced to its parameters.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

insight_runs = sa.Table(
    "insight_runs",
    metadata,
    _col("run_id", sa.String, "Unique, time-ordered id of the run.", primary_key=True),
    _col(
        "kind",
        sa.String,
        "painpoints, drivers, risk_train, risk_score, alerts or impact.",
        nullable=False,
    ),
    _col("params", sa.Text, "Parameters of the run, JSON (weights, windows, filters...)."),
    _col("summary", sa.Text, "Headline results of the run, JSON."),
    _col("started_by", sa.String, "Account or `cli` that started the run."),
    _col("started_at", sa.DateTime, "Start (UTC).", nullable=False),
    _col("finished_at", sa.DateTime, "End (UTC)."),
    comment="Every insight computation (pain points, drivers, risk, alerts, impact) and its parameters.",
)

painpoints = sa.Table(
    "painpoints",
    metadata,
    _col("run_id", sa.String, "Ranking run (insight_runs.run_id).", primary_key=True),
    _col(
        "painpoint_key",
        sa.String,
        "Stable key: `theme:<theme_id>`, `category:<category>` or `theme:<id>|category:<category>`.",
        primary_key=True,
    ),
    _col("kind", sa.String, "theme, category or theme_x_category.", nullable=False),
    _col("theme_id", sa.String, "Theme (themes.theme_id), for theme and cross pain points."),
    _col("category", sa.String, "Ticket category, for category and cross pain points."),
    _col("label", sa.String, "Readable name (theme label and/or category)."),
    _col("rank", sa.Integer, "1 = most urgent in this run.", nullable=False),
    _col(
        "score",
        sa.Float,
        "Priority score: severity x frequency x business impact (0-1 each).",
        nullable=False,
    ),
    _col("severity", sa.Float, "Severity factor (0-1): KPI gaps, sentiment, escalation, time cost."),
    _col("frequency", sa.Float, "Frequency factor (0-1): volume share and trend."),
    _col("business_impact", sa.Float, "Business-impact factor (0-1): customers affected, value at risk."),
    _col("critical", sa.Boolean, "Crossed a configured critical threshold.", nullable=False),
    _col("tickets", sa.Integer, "Tickets in the pain point over the window."),
    _col("customers", sa.Integer, "Distinct customers affected."),
    _col("trend", sa.Float, "Relative change of weekly volume, last half of the window vs first half."),
    _col("metrics", sa.Text, "KPI gaps against the rest with intervals, sentiment, value at risk: JSON."),
    _col("explanation", sa.Text, "Factors that put it at this rank, largest first: JSON list."),
    _col("computed_at", sa.DateTime, "When it was computed (UTC).", nullable=False),
    comment="Ranked pain points of each ranking run, with their factors and explanation.",
)

painpoint_backlog = sa.Table(
    "painpoint_backlog",
    metadata,
    _col("painpoint_key", sa.String, "Pain point (painpoints.painpoint_key).", primary_key=True),
    _col(
        "status",
        sa.String,
        "new, under_review, linked_to_problem, fix_shipped, verified, wont_fix or deprioritised.",
        nullable=False,
    ),
    _col("owner", sa.String, "Account responsible (users.username)."),
    _col("problem_id", sa.String, "Linked problem record (problems.id)."),
    _col("note", sa.Text, "Latest note."),
    _col("rationale", sa.Text, "Why it is won't-fix or deprioritised (required for those; migration 0015)."),
    _col(
        "shipped_at",
        sa.DateTime,
        "When the fix shipped (UTC), set with fix_shipped: verification compares before and after it.",
    ),
    _col("verification", sa.Text, "Before/after measurement recorded when the fix was verified, JSON."),
    _col("created_at", sa.DateTime, "First seen in a ranking (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change (UTC).", nullable=False),
    comment="Work state of each pain point: status, owner and linked problem.",
)

painpoint_backlog_events = sa.Table(
    "painpoint_backlog_events",
    metadata,
    _col("event_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("painpoint_key", sa.String, "Pain point (painpoint_backlog.painpoint_key).", nullable=False),
    _col(
        "field",
        sa.String,
        "status, owner, problem_id, note, shipped_at or verification.",
        nullable=False,
    ),
    _col("old_value", sa.Text, "Value before."),
    _col("new_value", sa.Text, "Value after."),
    _col("actor", sa.String, "Who changed it (users.username or `cli`).", nullable=False),
    _col("occurred_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Audit trail of the pain-point backlog: every change, who made it and when.",
)

driver_effects = sa.Table(
    "driver_effects",
    metadata,
    _col("run_id", sa.String, "Drivers run (insight_runs.run_id).", primary_key=True),
    _col("outcome", sa.String, "low_csat, detractor or repeat_contact.", primary_key=True),
    _col("kind", sa.String, "driver (adjusted effect) or disparity (segment vs rest).", primary_key=True),
    _col("feature", sa.String, "Attribute (e.g. team, channel, reopened).", primary_key=True),
    _col("level", sa.String, "Level of a categorical attribute; empty for numeric ones.", primary_key=True),
    _col("effect", sa.Float, "Effect on the outcome (percentage points of risk, or as `method` says)."),
    _col("ci_low", sa.Float, "Lower bound of the 95% interval."),
    _col("ci_high", sa.Float, "Upper bound of the 95% interval."),
    _col("p_value", sa.Float, "Unadjusted p-value."),
    _col("p_adjusted", sa.Float, "p-value after the multiple-comparison correction of the run."),
    _col("significant", sa.Boolean, "Interval excludes zero / adjusted p below alpha."),
    _col("n", sa.Integer, "Records with this level (or with the attribute known)."),
    _col("method", sa.String, "How the effect was estimated."),
    comment="Key drivers of dissatisfaction and segment disparities, with uncertainty.",
)

risk_models = sa.Table(
    "risk_models",
    metadata,
    _col("model_id", sa.String, "Unique id: `<target>-v<version>`.", primary_key=True),
    _col("target", sa.String, "low_csat, detractor or repeat_contact.", nullable=False),
    _col("version", sa.Integer, "Version, counting up per target.", nullable=False),
    _col("algorithm", sa.String, "Estimator and library version."),
    _col("features", sa.Text, "Input features, JSON list."),
    _col("train_from", sa.DateTime, "Earliest ticket of the training data (UTC)."),
    _col(
        "train_until", sa.DateTime, "Time split: training tickets created before, test tickets after (UTC)."
    ),
    _col("n_train", sa.Integer, "Training tickets."),
    _col("n_test", sa.Integer, "Held-out test tickets."),
    _col("base_rate", sa.Float, "Share of positives in the test set."),
    _col("auc", sa.Float, "ROC AUC on the held-out test set."),
    _col("auc_ci_low", sa.Float, "Lower bound of the AUC's 95% interval."),
    _col("auc_ci_high", sa.Float, "Upper bound of the AUC's 95% interval."),
    _col("brier", sa.Float, "Brier score on the test set (lower is better)."),
    _col("metrics", sa.Text, "Precision at top k, reliability table and more, JSON."),
    _col("reference_profile", sa.Text, "Feature distributions of the training data for drift checks, JSON."),
    _col("artefact", sa.LargeBinary, "The fitted model (joblib), loaded only from this trusted store."),
    _col("artefact_sha256", sa.String, "SHA-256 of the artefact, checked before loading."),
    _col("status", sa.String, "active (used for scoring) or retired.", nullable=False),
    _col("trained_at", sa.DateTime, "When it was trained (UTC).", nullable=False),
    comment="Versioned dissatisfaction-risk models with their held-out evaluation.",
)

risk_scores = sa.Table(
    "risk_scores",
    metadata,
    _col("model_id", sa.String, "Model (risk_models.model_id).", primary_key=True),
    _col("ticket_id", sa.String, "Ticket scored (tickets.id).", primary_key=True),
    _col("score", sa.Float, "Predicted probability of the target outcome.", nullable=False),
    _col("band", sa.String, "high, medium or low (thresholds in the model's metrics)."),
    _col("top_factors", sa.Text, "Factors that raise or lower this ticket's risk most, JSON list."),
    _col("scored_at", sa.DateTime, "When it was scored (UTC).", nullable=False),
    comment="Per-ticket dissatisfaction risk with its explanation.",
)

alerts = sa.Table(
    "alerts",
    metadata,
    _col("alert_id", sa.String, "Stable id: a re-run finds the same alert again.", primary_key=True),
    _col("run_id", sa.String, "Alerts run that raised it (insight_runs.run_id)."),
    _col("kind", sa.String, "anomaly (spike or drop) or threshold.", nullable=False),
    _col("rule", sa.String, "Detector or threshold rule that fired.", nullable=False),
    _col("series", sa.String, "KPI or theme series (e.g. `kpi:csat`, `theme:T0003`).", nullable=False),
    _col("segment", sa.String, "Segment, `dimension=value`, or `all`.", nullable=False),
    _col("period", sa.DateTime, "Period the alert is about (start, UTC).", nullable=False),
    _col("grain", sa.String, "day, week or month."),
    _col("direction", sa.String, "spike, drop, above or below."),
    _col("observed", sa.Float, "Observed value."),
    _col("expected", sa.Float, "Expected value (seasonal baseline or threshold)."),
    _col("expected_low", sa.Float, "Lower bound of the expected range."),
    _col("expected_high", sa.Float, "Upper bound of the expected range."),
    _col("n", sa.Integer, "Sample size of the observed period."),
    _col("severity", sa.String, "critical, warning or info."),
    _col("evidence", sa.Text, "Series, expected range and method, JSON."),
    _col("status", sa.String, "open, acknowledged or closed.", nullable=False),
    _col("delivered", sa.Text, "Channels it was delivered through and their result, JSON."),
    _col("created_at", sa.DateTime, "First raised (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change (UTC).", nullable=False),
    comment="Anomaly and threshold alerts on KPI and theme series, with their evidence.",
)

impact_analyses = sa.Table(
    "impact_analyses",
    metadata,
    _col("analysis_id", sa.String, "Unique, time-ordered id.", primary_key=True),
    _col("name", sa.String, "What was changed (free text given by the user)."),
    _col("kpi", sa.String, "KPI measured.", nullable=False),
    _col(
        "method",
        sa.String,
        "did (difference-in-differences), pre_post_trend (weaker: no control) or ab_test.",
        nullable=False,
    ),
    _col("intervention_at", sa.DateTime, "When the change took effect (UTC)."),
    _col("treated", sa.Text, "Treated segment or arm, JSON filter."),
    _col("control", sa.Text, "Control segment or arm, JSON filter."),
    _col("effect", sa.Float, "Estimated effect on the KPI (KPI units)."),
    _col("ci_low", sa.Float, "Lower bound of the 95% interval."),
    _col("ci_high", sa.Float, "Upper bound of the 95% interval."),
    _col("p_value", sa.Float, "Two-sided p-value of no effect."),
    _col("n_treated", sa.Integer, "Observations in the treated segment or arm."),
    _col("n_control", sa.Integer, "Observations in the control segment or arm."),
    _col("warnings", sa.Text, "Caveats (weaker design, underpowered, pre-trends differ), JSON list."),
    _col("detail", sa.Text, "Per-period series, power, required sample size, JSON."),
    _col("created_by", sa.String, "Account or `cli`."),
    _col("created_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Measured impact of changes: difference-in-differences, pre/post with trend, A/B tests.",
)

sa.Index("ix_risk_scores_ticket_id", risk_scores.c.ticket_id)
sa.Index("ix_alerts_series", alerts.c.series, alerts.c.period)
