"""The personal-data catalogue of the feature packages' tables: insights, roll-ups, surveys and actions
(the later features are in catalogue_extensions).

A new table or column of a feature is classified here, in the table's entry: a `personal` class
(identity, contact, free_text, score, behavioural) or a name in `plain` (docs/privacy.md).
"""

from __future__ import annotations

from insightdesk.governance.privacy.catalogue_model import DataClass, Link, Subject, TableEntry

IDENTITY = DataClass.IDENTITY
CONTACT = DataClass.CONTACT
FREE_TEXT = DataClass.FREE_TEXT
SCORE = DataClass.SCORE
BEHAVIOURAL = DataClass.BEHAVIOURAL

FEATURE_TABLES: dict[str, TableEntry] = {
    "painpoints": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "label": FREE_TEXT,
            "explanation": FREE_TEXT,
        },
        plain="run_id painpoint_key kind theme_id category rank score severity frequency business_impact critical tickets customers trend metrics computed_at",
        note="Aggregates over many tickets.",
    ),
    "painpoint_backlog": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "owner": IDENTITY,
            "note": FREE_TEXT,
            "rationale": FREE_TEXT,
        },
        plain="painpoint_key status problem_id shipped_at verification created_at updated_at",
    ),
    "painpoint_backlog_events": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "old_value": FREE_TEXT,
            "new_value": FREE_TEXT,
            "actor": IDENTITY,
        },
        plain="event_id painpoint_key field occurred_at",
    ),
    "insight_runs": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "started_by": IDENTITY,
        },
        plain="run_id kind params summary started_at finished_at",
    ),
    "driver_effects": TableEntry(
        subject=Subject.NOBODY,
        plain="run_id outcome kind feature level effect ci_low ci_high p_value p_adjusted significant n method",
        note="Aggregates.",
    ),
    "risk_models": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "artefact": BEHAVIOURAL,
            "reference_profile": BEHAVIOURAL,
        },
        plain="model_id target version algorithm features train_from train_until n_train n_test base_rate auc auc_ci_low auc_ci_high brier metrics artefact_sha256 status trained_at",
        note="A trained model: fitted on many tickets' features, holds no row.",
    ),
    "risk_scores": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="ticket_id", via="tickets"),
        personal={
            "ticket_id": BEHAVIOURAL,
            "score": SCORE,
            "band": SCORE,
            "top_factors": SCORE,
        },
        plain="model_id scored_at",
        note="Risk features and scores of the person's tickets.",
    ),
    "alerts": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "evidence": FREE_TEXT,
        },
        plain="alert_id run_id kind rule series segment period grain direction observed expected expected_low expected_high n severity status delivered created_at updated_at",
        note="Aggregated series.",
    ),
    "impact_analyses": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
            "treated": BEHAVIOURAL,
            "control": BEHAVIOURAL,
        },
        plain="analysis_id name kpi method intervention_at effect ci_low ci_high p_value n_treated n_control warnings detail created_at",
    ),
    "kpi_rollups": TableEntry(
        subject=Subject.NOBODY,
        plain="kpi dimset day channel agent product service category subcategory priority region language type organisation team team_tier customer_tier customer_segment customer_region customer_country share_category x n s1 s2",
        note="Daily sums over many facts (kept by retention and erasure).",
    ),
    "kpi_rollup_builds": TableEntry(
        subject=Subject.NOBODY,
        plain="kpi definition dimsets median_resolution source_version rows live_reason seconds built_at",
    ),
    "survey_versions": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="survey_id version name definition source_text checksum status created_at published_at first_sent_at",
    ),
    "survey_trigger_cursors": TableEntry(
        subject=Subject.NOBODY,
        plain="survey_id seen_until updated_at",
    ),
    "survey_invitations": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "agent_id": IDENTITY,
            "detail": FREE_TEXT,
            "ticket_id": BEHAVIOURAL,
            "channel": BEHAVIOURAL,
            "language": BEHAVIOURAL,
            "event_at": BEHAVIOURAL,
            "sent_at": BEHAVIOURAL,
            "opened_at": BEHAVIOURAL,
            "status": BEHAVIOURAL,
            "reason": BEHAVIOURAL,
        },
        plain="invitation_id survey_id version trigger segment created_at due_at attempts next_attempt_at claimed_until message_id expires_at",
        note="A delivery error may quote the address.",
    ),
    "survey_suppressions": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "note": FREE_TEXT,
            "created_by": IDENTITY,
            "reason": BEHAVIOURAL,
            "starts_at": BEHAVIOURAL,
            "ends_at": BEHAVIOURAL,
        },
        plain="suppression_id channel created_at",
    ),
    "survey_responses": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="invitation_id", via="survey_invitations", via_key="invitation_id"),
        personal={
            "answers": FREE_TEXT,
            "started_at": BEHAVIOURAL,
            "completed_at": BEHAVIOURAL,
            "updated_at": BEHAVIOURAL,
        },
        plain="invitation_id survey_id version language status page",
    ),
    "action_rule_versions": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
            "requested_by": IDENTITY,
            "approved_by": IDENTITY,
            "activated_by": IDENTITY,
        },
        plain="rule_id version event spec status needs_approval dry_run created_at shadow_since activated_at retired_at",
    ),
    "action_evaluations": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "event_key": BEHAVIOURAL,
        },
        plain="evaluation_id rule_id version mode event matched actions evaluated_at",
        note="Event keys name records (a feedback id), never a person's details.",
    ),
    "action_tasks": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "owner": IDENTITY,
            "title": FREE_TEXT,
            "context": FREE_TEXT,
            "outcome": FREE_TEXT,
            "root_cause": FREE_TEXT,
            "ticket_id": BEHAVIOURAL,
            "feedback_id": BEHAVIOURAL,
            "recovered": BEHAVIOURAL,
            "created_at": BEHAVIOURAL,
        },
        plain="task_id evaluation_id rule_id kind team_id restricted_to painpoint_key status due_at updated_at closed_at",
    ),
    "action_case_clocks": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="task_id", via="action_tasks", via_key="task_id"),
        personal={
            "started_at": BEHAVIOURAL,
            "stopped_by": IDENTITY,
        },
        plain="task_id clock regime due_at binding stops_on stopped_at",
        note="Deadlines of a complaint case: dates only; the case itself is in action_tasks.",
    ),
    "action_run_holds": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "event_keys": BEHAVIOURAL,
            "activated_by": IDENTITY,
            "decided_by": IDENTITY,
            "reason": FREE_TEXT,
        },
        plain="hold_id rule_id version contacts status created_at decided_at",
        note="Event keys name records (a feedback id), never a person's details.",
    ),
    "action_task_events": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="task_id", via="action_tasks", via_key="task_id"),
        personal={
            "old_value": FREE_TEXT,
            "new_value": FREE_TEXT,
            "actor": IDENTITY,
        },
        plain="event_id task_id field occurred_at",
    ),
    "action_notifications": TableEntry(
        subject=Subject.STAFF,
        personal={
            "recipient": CONTACT,
            "acknowledged_by": IDENTITY,
        },
        plain="notification_id subject rule_id level channel message_id escalate_after_hours sent_at acknowledged_at escalated_at",
    ),
    "action_outbox": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(embedded=("destination", "payload", "last_error")),
        personal={
            "destination": CONTACT,
            "payload": FREE_TEXT,
            "last_error": FREE_TEXT,
            "approved_by": IDENTITY,
        },
        plain="message_id idempotency_key channel status attempts next_attempt_at lease_until error_kind external_id evaluation_id created_at updated_at delivered_at",
        note="A contact message carries the customer's address in its payload.",
    ),
    "action_external_records": TableEntry(
        subject=Subject.NOBODY,
        plain="vendor external_id number idempotency_key painpoint_key status created_at synced_at",
    ),
    "action_review_packs": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "content": FREE_TEXT,
            "signed_off_by": IDENTITY,
        },
        plain="pack_id role period_start period_end status quality created_at sent_at",
        note="Aggregates per role and period.",
    ),
    "action_config_changes": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
            "approved_by": IDENTITY,
        },
        plain="change_id setting region value status effective_at created_at applied_at",
    ),
}
