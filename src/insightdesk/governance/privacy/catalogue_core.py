"""The personal-data catalogue of the canonical, bookkeeping, text, governance and privacy tables.

Every column of every table is classified here, in `catalogue_features` or in `catalogue_extensions`
(the feature packages' tables): a `personal` class, or listed in `plain` (no personal data).
tests/governance/privacy fails on a column or table that is in neither, and names the line to add
(docs/privacy.md).
"""

from __future__ import annotations

from insightdesk.governance.privacy.catalogue_model import DataClass, Link, Subject, TableEntry

IDENTITY = DataClass.IDENTITY
CONTACT = DataClass.CONTACT
FREE_TEXT = DataClass.FREE_TEXT
SCORE = DataClass.SCORE
BEHAVIOURAL = DataClass.BEHAVIOURAL

CORE_TABLES: dict[str, TableEntry] = {
    "organisations": TableEntry(
        subject=Subject.NOBODY,
        plain="id name industry tier region country is_stub source_system source_id batch_id record_hash first_seen_at last_changed_at",
        note="Organisations are companies, not people.",
    ),
    "customers": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="id"),
        personal={
            "id": IDENTITY,
            "source_id": IDENTITY,
            "name": IDENTITY,
            "organisation_id": BEHAVIOURAL,
            "tier": BEHAVIOURAL,
            "segment": BEHAVIOURAL,
            "region": BEHAVIOURAL,
            "country": BEHAVIOURAL,
            "language": BEHAVIOURAL,
            "timezone": BEHAVIOURAL,
            "lifetime_value": BEHAVIOURAL,
            "currency": BEHAVIOURAL,
            "consent_survey": BEHAVIOURAL,
            "consent_analytics": BEHAVIOURAL,
            "consent_contact": BEHAVIOURAL,
            "consent_model_training": BEHAVIOURAL,
            "created_at": BEHAVIOURAL,
        },
        plain="is_stub source_system batch_id record_hash first_seen_at last_changed_at",
    ),
    "customer_contacts": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "id": CONTACT,
            "customer_id": IDENTITY,
            "source_id": CONTACT,
            "value": CONTACT,
            "kind": BEHAVIOURAL,
            "is_primary": BEHAVIOURAL,
        },
        plain="source_system batch_id record_hash first_seen_at last_changed_at",
        note="The contact id and source id embed the address itself.",
    ),
    "teams": TableEntry(
        subject=Subject.NOBODY,
        plain="id name support_tier parent_team_id is_stub source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "agents": TableEntry(
        subject=Subject.STAFF,
        personal={
            "id": IDENTITY,
            "source_id": IDENTITY,
            "name": IDENTITY,
            "email": CONTACT,
            "hired_at": BEHAVIOURAL,
            "active": BEHAVIOURAL,
        },
        plain="team_id support_tier is_bot is_stub source_system batch_id record_hash first_seen_at last_changed_at",
    ),
    "tickets": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "subject": FREE_TEXT,
            "description": FREE_TEXT,
            "agent_id": IDENTITY,
            "created_at": BEHAVIOURAL,
            "first_response_at": BEHAVIOURAL,
            "resolved_at": BEHAVIOURAL,
            "closed_at": BEHAVIOURAL,
            "channel": BEHAVIOURAL,
            "language": BEHAVIOURAL,
            "region": BEHAVIOURAL,
            "organisation_id": BEHAVIOURAL,
        },
        plain="id type product service category subcategory priority impact urgency status team_id problem_id change_id source_updated_at reopen_count reassignment_count sla_response_target_minutes sla_resolution_target_minutes sla_response_breached sla_resolution_breached resolution_code knowledge_used source_system source_id batch_id record_hash first_seen_at last_changed_at",
        note="Erasure keeps the ticket as an anonymous record: its free text goes, its facts stay for the KPIs.",
    ),
    "ticket_events": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="ticket_id", via="tickets"),
        personal={
            "ticket_id": BEHAVIOURAL,
            "from_value": BEHAVIOURAL,
            "to_value": BEHAVIOURAL,
            "actor": IDENTITY,
            "occurred_at": BEHAVIOURAL,
        },
        plain="id seq event_type source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "interactions": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "body": FREE_TEXT,
            "agent_id": IDENTITY,
            "conversation_id": BEHAVIOURAL,
            "ticket_id": BEHAVIOURAL,
            "occurred_at": BEHAVIOURAL,
            "channel": BEHAVIOURAL,
            "author_role": BEHAVIOURAL,
            "language": BEHAVIOURAL,
        },
        plain="id seq source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "feedback": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "comment": FREE_TEXT,
            "score": SCORE,
            "agent_id": IDENTITY,
            "ticket_id": BEHAVIOURAL,
            "sent_at": BEHAVIOURAL,
            "answered_at": BEHAVIOURAL,
            "channel": BEHAVIOURAL,
            "language": BEHAVIOURAL,
        },
        plain="id survey_id question_id scale scale_min scale_max source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "problems": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "description": FREE_TEXT,
            "root_cause": FREE_TEXT,
            "title": FREE_TEXT,
        },
        plain="id status category priority known_error created_at resolved_at closed_at is_stub source_system source_id batch_id record_hash first_seen_at last_changed_at",
        note="Problem records describe faults, but their text may quote a customer.",
    ),
    "changes": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "title": FREE_TEXT,
        },
        plain="id change_type status risk problem_id planned_start implemented_at closed_at is_stub source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "articles": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "body": FREE_TEXT,
            "title": FREE_TEXT,
        },
        plain="id category product visibility status created_at source_updated_at source_system source_id batch_id record_hash first_seen_at last_changed_at",
        note="Knowledge articles: written for everyone.",
    ),
    "ticket_articles": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="ticket_id", via="tickets"),
        personal={
            "ticket_id": BEHAVIOURAL,
        },
        plain="id article_id link_type source_system source_id batch_id record_hash first_seen_at last_changed_at",
    ),
    "ingest_batches": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "source_file": FREE_TEXT,
        },
        plain="batch_id kind file_sha256 profile mapping_sha256 retry_of status started_at finished_at received accepted inserted updated unchanged rejected",
        note="A file name may name a person; rename such files before ingesting.",
    ),
    "quarantine": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(embedded=("record_key", "value", "errors", "raw")),
        personal={
            "record_key": IDENTITY,
            "value": FREE_TEXT,
            "errors": FREE_TEXT,
            "raw": FREE_TEXT,
            "source_file": FREE_TEXT,
        },
        plain="quarantine_id batch_id kind line field reason status resolved_batch_id created_at",
        note="Rejected records keep their raw values: erasure deletes those holding the person's identifiers.",
    ),
    "record_history": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="record_id", entity_column="entity"),
        personal={
            "record_id": IDENTITY,
            "record": FREE_TEXT,
        },
        plain="entity batch_id replaced_by_batch_id replaced_at",
        note="Old versions of the person's records are deleted on erasure.",
    ),
    "text_analyses": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="record_id", entity_column="entity"),
        personal={
            "record_id": BEHAVIOURAL,
            "redacted_text": FREE_TEXT,
            "sentiment_label": SCORE,
            "sentiment_score": SCORE,
            "theme_similarity": SCORE,
            "pii_counts": BEHAVIOURAL,
            "ticket_id": BEHAVIOURAL,
            "occurred_at": BEHAVIOURAL,
            "author_role": BEHAVIOURAL,
            "language": BEHAVIOURAL,
            "language_confidence": BEHAVIOURAL,
            "theme_id": BEHAVIOURAL,
        },
        plain="entity field text_sha256 sentiment_status model_name model_version analysed_at",
        note="Redacted text still is the person's words: erasure empties it.",
    ),
    "themes": TableEntry(
        subject=Subject.NOBODY,
        link=Link(embedded=("quotes",)),
        personal={
            "quotes": FREE_TEXT,
            "label": FREE_TEXT,
            "auto_label": FREE_TEXT,
            "keywords": FREE_TEXT,
        },
        plain="theme_id label_source status merged_into parent_id size radius centroid model_name model_version created_at updated_at",
        note="Quotes are redacted member texts: erasure drops the person's; labels and keywords are terms over many texts.",
    ),
    "theme_events": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "detail": FREE_TEXT,
        },
        plain="event_id theme_id event related_theme_id fit_id occurred_at",
    ),
    "theme_fits": TableEntry(
        subject=Subject.NOBODY,
        plain="fit_id n_texts n_themes noise_share params model_name model_version started_at finished_at",
    ),
    "users": TableEntry(
        subject=Subject.STAFF,
        personal={
            "username": IDENTITY,
            "display_name": IDENTITY,
            "agent_id": IDENTITY,
            "team_ids": BEHAVIOURAL,
            "created_at": BEHAVIOURAL,
            "updated_at": BEHAVIOURAL,
        },
        plain="role password_hash active",
    ),
    "sessions": TableEntry(
        subject=Subject.STAFF,
        personal={
            "username": IDENTITY,
            "ip": CONTACT,
            "created_at": BEHAVIOURAL,
            "expires_at": BEHAVIOURAL,
            "revoked_at": BEHAVIOURAL,
        },
        plain="session_hash csrf_token",
    ),
    "api_tokens": TableEntry(
        subject=Subject.STAFF,
        personal={
            "username": IDENTITY,
            "name": FREE_TEXT,
            "last_used_at": BEHAVIOURAL,
        },
        plain="token_id token_hash created_at expires_at revoked_at",
    ),
    "login_attempts": TableEntry(
        subject=Subject.STAFF,
        personal={
            "username": IDENTITY,
            "ip": CONTACT,
            "attempted_at": BEHAVIOURAL,
            "succeeded": BEHAVIOURAL,
        },
        plain="attempt_id",
    ),
    "audit_log": TableEntry(
        subject=Subject.STAFF,
        link=Link(embedded=("record_ids", "detail")),
        personal={
            "actor": IDENTITY,
            "ip": CONTACT,
            "record_ids": IDENTITY,
            "detail": FREE_TEXT,
            "occurred_at": BEHAVIOURAL,
        },
        plain="seq role action target prev_hash entry_hash hash_scheme key_id",
        note="Holds record ids (never names, contacts or text); entries are never rewritten (docs/privacy.md).",
    ),
    "settings": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "updated_by": IDENTITY,
        },
        plain="name value updated_at",
    ),
    "consent_events": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "granted": BEHAVIOURAL,
            "purpose": BEHAVIOURAL,
            "source": BEHAVIOURAL,
            "effective_at": BEHAVIOURAL,
            "recorded_at": BEHAVIOURAL,
            "actor": IDENTITY,
        },
        plain="event_id provenance",
    ),
    "privacy_requests": TableEntry(
        subject=Subject.CUSTOMER,
        personal={
            "subject": IDENTITY,
            "requested_by": IDENTITY,
            "verified_by": IDENTITY,
            "approved_by": IDENTITY,
            "reason": FREE_TEXT,
        },
        plain="request_id kind subject_kind state received_at due_at verified_at approved_at closed_at result",
        note="The subject is emptied when an erasure is done.",
    ),
    "legal_holds": TableEntry(
        subject=Subject.CUSTOMER,
        link=Link(column="customer_id"),
        personal={
            "customer_id": IDENTITY,
            "reason": FREE_TEXT,
            "placed_by": IDENTITY,
        },
        plain="hold_id placed_at released_at",
    ),
    "erasure_tombstones": TableEntry(
        subject=Subject.NOBODY,
        plain="identifier_hash identifier_kind request_id erased_at",
        note="Keyed hashes only.",
    ),
    "privacy_keys": TableEntry(
        subject=Subject.NOBODY,
        plain="key_id secret created_at",
    ),
    "retention_policies": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "created_by": IDENTITY,
        },
        plain="policy_id data_class region keep_days created_at",
    ),
    "retention_runs": TableEntry(
        subject=Subject.NOBODY,
        personal={
            "actor": IDENTITY,
        },
        plain="run_id dry_run started_at finished_at counts",
    ),
}
