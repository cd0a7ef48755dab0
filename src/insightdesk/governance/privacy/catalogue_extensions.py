"""The personal-data catalogue of the later feature packages' tables: text labels and classifiers,
identity resolution, connectors, workforce and quality assurance.

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

EXTENSION_TABLES: dict[str, TableEntry] = {
    "connector_sources": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "owner": IDENTITY,
        },
        plain="source vendor base_url department lag_alert_minutes updated_at",
    ),
    "connector_cursors": TableEntry(
        subject=Subject.NOBODY,
        plain="source stream cursor newest_source_update batch_id fields_seen committed_at",
    ),
    "connector_runs": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "error": FREE_TEXT,
        },
        plain="run_id source trigger status started_at finished_at pages requests received accepted rejected error_kind new_fields newest_source_update",
    ),
    "connector_webhook_events": TableEntry(
        subject=Subject.NOBODY,
        plain="source event_id event_type signed_at received_at consumed_at",
    ),
    "text_labels": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="record_id", entity_column="entity"),
        personal={
            "note": FREE_TEXT,
            "labelled_by": IDENTITY,
            "value": BEHAVIOURAL,
            "machine_value": BEHAVIOURAL,
            "labelled_at": BEHAVIOURAL,
        },
        plain="label_id entity record_id field kind",
        note="A label on the person's text; the labeller's note may quote it.",
    ),
    "text_classifiers": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "trained_by": IDENTITY,
            "decision": FREE_TEXT,
        },
        plain="classifier_id taxonomy status classes weights embedder_version n_train n_holdout holdout_f1 active_id active_f1 trained_at activated_at",
        note="Weights over embeddings of many texts.",
    ),
    "text_intents": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="record_id", entity_column="entity"),
        personal={
            "label": BEHAVIOURAL,
            "confidence": SCORE,
        },
        plain="entity record_id field taxonomy classifier_id predicted_at",
    ),
    "identity_runs": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "started_by": IDENTITY,
        },
        plain="run_id mode params model threshold review_low threshold_source summary started_at finished_at",
    ),
    "identity_links": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="record_id"),
        personal={
            "record_id": IDENTITY,
            "person_id": IDENTITY,
            "reason": FREE_TEXT,
        },
        plain="method match_probability run_id",
        note="Deleted on erasure.",
    ),
    "identity_persons": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="person_id", via="identity_links", via_key="person_id"),
        personal={
            "person_id": IDENTITY,
            "name": IDENTITY,
            "email": CONTACT,
            "phone": CONTACT,
            "country": BEHAVIOURAL,
            "organisation_id": BEHAVIOURAL,
            "sources": BEHAVIOURAL,
        },
        plain="records run_id updated_at",
        note="The golden record: emptied on erasure.",
    ),
    "identity_person_values": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="person_id", via="identity_links", via_key="person_id"),
        personal={
            "person_id": IDENTITY,
            "value": CONTACT,
            "record_id": IDENTITY,
        },
        plain="field source_system rule candidates",
        note="Deleted on erasure.",
    ),
    "identity_review_pairs": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(embedded=("record_id_l", "record_id_r")),
        personal={
            "record_id_l": IDENTITY,
            "record_id_r": IDENTITY,
            "detail": FREE_TEXT,
            "decided_by": IDENTITY,
        },
        plain="pair_id match_probability match_weight reason status run_id queued_at decided_at",
        note="Deleted on erasure.",
    ),
    "identity_constraints": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(embedded=("record_id_l", "record_id_r")),
        personal={
            "record_id_l": IDENTITY,
            "record_id_r": IDENTITY,
            "decided_by": IDENTITY,
        },
        plain="kind origin decided_at",
        note="Deleted on erasure.",
    ),
    "identity_threads": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="person_id", via="identity_links", via_key="person_id"),
        personal={
            "person_id": IDENTITY,
            "ticket_id": BEHAVIOURAL,
            "created_at": BEHAVIOURAL,
            "channel": BEHAVIOURAL,
        },
        plain="thread_id thread_seq channel_switch run_id",
    ),
    "workforce_forecasts": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="forecast_id granularity group_by horizon params chosen warnings created_at",
        note="Aggregated arrivals.",
    ),
    "workforce_backtests": TableEntry(
        subject=Subject.NOBODY,
        plain="forecast_id series model mase mae coverage80 coverage80_low coverage80_high coverage95 coverage95_low coverage95_high points windows chosen",
    ),
    "workforce_forecast_points": TableEntry(
        subject=Subject.NOBODY,
        plain="forecast_id series kind ds actual forecast lo80 hi80 lo95 hi95",
    ),
    "staffing_plans": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="plan_id forecast_id scenario description params weekly created_at",
    ),
    "staffing_intervals": TableEntry(
        subject=Subject.NOBODY,
        plain="plan_id series ds volume agents service_level asa p_abandon occupancy fte agents_delta fte_delta",
    ),
    "qa_rubrics": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="rubric_id version name definition created_at",
    ),
    "qa_samples": TableEntry(
        subject=Subject.STAFF,
        personal={
            "agent_id": IDENTITY,
            "drawn_by": IDENTITY,
        },
        plain="sample_id ticket_id method stratum probability weight team_id drawn_at",
    ),
    "qa_evaluations": TableEntry(
        subject=Subject.STAFF,
        personal={
            "agent_id": IDENTITY,
            "reviewer": IDENTITY,
            "comment": FREE_TEXT,
            "score": SCORE,
            "answers": SCORE,
        },
        plain="evaluation_id rubric_id rubric_version ticket_id team_id sample_id weight auto_failed calibration_id created_at",
        note="An agent's evaluation; the reviewer's note may quote the customer.",
    ),
    "qa_calibrations": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="calibration_id name rubric_id rubric_version ticket_ids results created_at analysed_at",
    ),
    "qa_coaching_plans": TableEntry(
        subject=Subject.STAFF,
        personal={
            "agent_id": IDENTITY,
            "goal": FREE_TEXT,
            "created_by": IDENTITY,
            "baseline": SCORE,
            "target": SCORE,
        },
        plain="plan_id team_id metric baseline_n due_at status evidence created_at",
    ),
    "qa_coaching_sessions": TableEntry(
        subject=Subject.STAFF,
        personal={
            "coach": IDENTITY,
            "notes": FREE_TEXT,
        },
        plain="session_id plan_id held_at ticket_ids",
    ),
}
