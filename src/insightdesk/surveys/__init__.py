"""Surveys: definitions with versions, languages and skip logic; triggers, sampling and fatigue rules;
delivery by email (SMTP) and SMS (Twilio) through an outbox; signed links, the response intake and
the programme's health.

Roles: `definition` and `logic` (what a survey is and checking it), `versions` (the store's copies),
`triggers`, `planner`, `eligibility`, `sampling` (who is asked, and why not), `outbox`, `mail`, `sms`,
`messages` (delivery), `tokens`, `intake`, `answers`, `feedback_rows` (answers in), `health`
(the funnel, response rates and non-response bias). `mail` is the one SMTP sender of the package.
"""

from __future__ import annotations

from insightdesk.surveys.definition import DefinitionError, SurveyDefinition, load_definition_text
from insightdesk.surveys.intake import SurveyPage, open_page, submit_page
from insightdesk.surveys.mail import (
    DeliveryError,
    MailNotConfigured,
    MailSession,
    SmtpConfig,
    build_message,
    send_email,
    send_message,
)
from insightdesk.surveys.outbox import Sender, SendResult, record_bounce
from insightdesk.surveys.planner import Trigger
from insightdesk.surveys.planner import plan as plan_invitation  # actions plans the recurrence follow-up
from insightdesk.surveys.tokens import LinkSigner, link_signer
from insightdesk.surveys.triggers import (
    PlanResult,
    TriggerError,
    scan_ticket_events,
    schedule_relationship,
    submit_ticket_event,
)
from insightdesk.surveys.versions import SurveyNotFound, get_version, list_versions, publish, save_definition

__all__ = [
    "DefinitionError",
    "DeliveryError",
    "LinkSigner",
    "MailNotConfigured",
    "MailSession",
    "PlanResult",
    "SendResult",
    "Sender",
    "SmtpConfig",
    "SurveyDefinition",
    "SurveyNotFound",
    "SurveyPage",
    "Trigger",
    "TriggerError",
    "build_message",
    "get_version",
    "link_signer",
    "list_versions",
    "load_definition_text",
    "open_page",
    "plan_invitation",
    "publish",
    "record_bounce",
    "save_definition",
    "scan_ticket_events",
    "schedule_relationship",
    "send_email",
    "send_message",
    "submit_page",
    "submit_ticket_event",
]
