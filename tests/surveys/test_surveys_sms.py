"""The Twilio SMS adapter against a local server replaying Twilio's documented Messages API:
the request (form fields, Basic auth, path) and its answers (201, 400 code 21211, 429, 500)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from insightdesk.governance.clock import utcnow
from insightdesk.store import Store
from insightdesk.surveys import DeliveryError, Sender, scan_ticket_events
from insightdesk.surveys.sms import TwilioSms
from tests.surveys.seed import add_customer, add_ticket, publish_example

SID = "AC0123456789abcdef0123456789abcdef"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
# Twilio's documented message resource (trimmed) and error bodies.
CREATED = {
    "sid": "SM1234567890abcdef1234567890abcdef",
    "status": "queued",
    "to": "+491701234567",
    "from": "+15005550006",
    "body": "...",
    "error_code": None,
    "num_segments": "1",
}
INVALID_TO = {
    "code": 21211,
    "message": "The 'To' number +1555 is not a valid phone number.",
    "more_info": "https://www.twilio.com/docs/errors/21211",
    "status": 400,
}
TOO_MANY = {
    "code": 20429,
    "message": "Too Many Requests",
    "more_info": "https://www.twilio.com/docs/errors/20429",
    "status": 429,
}


@pytest.fixture
def twilio(httpserver: HTTPServer) -> TwilioSms:
    return TwilioSms(SID, "auth-token-secret", "+15005550006", api_url=httpserver.url_for("/"))


def test_a_message_is_sent_as_twilio_documents(httpserver: HTTPServer, twilio: TwilioSms) -> None:
    seen: list[Request] = []

    def created(request: Request) -> Response:
        seen.append(request)
        return Response(json.dumps(CREATED), status=201, content_type="application/json")

    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_handler(created)
    assert twilio.send("+491701234567", "Wie war unser Service? https://x/s/t") == CREATED["sid"]
    (request,) = seen
    assert parse_qs(request.get_data(as_text=True)) == {
        "To": ["+491701234567"],
        "From": ["+15005550006"],
        "Body": ["Wie war unser Service? https://x/s/t"],
    }
    expected = base64.b64encode(f"{SID}:auth-token-secret".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert "auth-token-secret" not in repr(twilio)


@pytest.mark.parametrize(
    ("status", "body", "transient", "refused"),
    [(400, INVALID_TO, False, True), (429, TOO_MANY, True, False), (500, {}, True, False)],
)
def test_errors_are_sorted_into_transient_and_terminal(
    httpserver: HTTPServer,
    twilio: TwilioSms,
    status: int,
    body: dict[str, object],
    transient: bool,
    refused: bool,
) -> None:
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(body, status=status)
    with pytest.raises(DeliveryError) as caught:
        twilio.send("+1555", "hello")
    assert (caught.value.transient, caught.value.recipient_refused) == (transient, refused)
    assert f"Twilio answered {status}" in str(caught.value)


def test_sms_invitations_go_through_the_outbox(
    store: Store, httpserver: HTTPServer, twilio: TwilioSms
) -> None:
    engine = store.engine
    publish_example(
        engine,
        **{
            "channel: email": "channel: sms",
            "delay: 2h": "delay: 0m",
            'quiet_hours: "21:00-08:00"': "quiet_hours: null",
        },
    )
    add_ticket(engine, "t-1", add_customer(engine, "c1", language="de", phone="+491701234567"), now=utcnow())
    add_ticket(engine, "t-2", add_customer(engine, "c2", phone="+1555"), now=utcnow())
    scan_ticket_events(engine)

    def by_number(request: Request) -> Response:
        valid = parse_qs(request.get_data(as_text=True))["To"] == ["+491701234567"]
        body, status = (CREATED, 201) if valid else (INVALID_TO, 400)
        return Response(json.dumps(body), status=status, content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(by_number)
    result = Sender(engine, sms=twilio, mail_config=None).run()
    assert result.counts == {"sent": 1, "bounced": 1}
    rows = store.query_df(
        "select customer_id, status, reason, message_id from survey_invitations order by customer_id"
    )
    assert list(rows.status) == ["sent", "failed"] and rows.message_id.iloc[0] == CREATED["sid"]
    forms = [parse_qs(request.get_data(as_text=True)) for request, _ in httpserver.log]
    (sent_body,) = [form["Body"][0] for form in forms if form["To"] == ["+491701234567"]]
    assert sent_body.startswith("Wie war unser Service?") and "/s/" in sent_body
