"""Every Twilio-facing route checks X-Twilio-Signature; a bad one gets 403 and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from callbacks.models import Ticket, Voicemail
from irisline.db import Database
from routing.models import Caller

from .conftest import PUBLIC_BASE_URL, Twilio
from .helpers import parse_twiml

CALL = {"CallSid": "CA" + "1" * 32, "From": "+32470123456", "To": "+3228001000"}


def _row_counts(database: Database) -> tuple[int, int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
            session.scalar(select(func.count()).select_from(Caller)) or 0,
            session.scalar(select(func.count()).select_from(Voicemail)) or 0,
        )


TWILIO_ROUTES = [
    ("/voice/incoming", CALL),
    ("/voice/menu?node=language&turns=0", {**CALL, "Digits": "1"}),
    ("/voice/callback?service=general&lang=fr", CALL),
    (
        "/voice/recording?lang=fr&service=general&caller=%2B32470123456",
        {"CallSid": CALL["CallSid"], "RecordingSid": "RE" + "2" * 32, "RecordingUrl": "http://x/r"},
    ),
    ("/voice/status?attempt=1-1", {**CALL, "CallStatus": "completed"}),
]


@pytest.mark.parametrize(("path", "params"), TWILIO_ROUTES)
def test_unsigned_request_is_forbidden_and_writes_nothing(
    client: Any, database: Database, path: str, params: dict[str, str]
) -> None:
    response = client.post(path, data=params)
    assert response.status_code == 403
    assert _row_counts(database) == (0, 0, 0)


@pytest.mark.parametrize(("path", "params"), TWILIO_ROUTES)
def test_forged_signature_is_forbidden(
    client: Any, database: Database, path: str, params: dict[str, str]
) -> None:
    forger = Twilio(client, "not-the-real-auth-token")
    assert forger.post(path, params).status_code == 403
    assert _row_counts(database) == (0, 0, 0)


def test_signature_for_another_url_is_forbidden(twilio: Twilio, client: Any) -> None:
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/voice/status", CALL)
    response = client.post("/voice/incoming", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_signature_for_another_host_is_forbidden(twilio: Twilio, client: Any) -> None:
    signature = twilio.validator.compute_signature("https://evil.example/voice/incoming", CALL)
    response = client.post("/voice/incoming", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_tampered_parameters_are_forbidden(twilio: Twilio, client: Any, database: Database) -> None:
    params = {**CALL, "Digits": "1"}
    signature = twilio.sign("/voice/callback?service=general&lang=fr", params)
    tampered = {**params, "From": "+32475999999"}
    path = "/voice/callback?service=general&lang=fr"
    response = client.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert _row_counts(database) == (0, 0, 0)


def test_tampered_query_string_is_forbidden(twilio: Twilio, client: Any) -> None:
    params = {**CALL, "Digits": "1"}
    signature = twilio.sign("/voice/callback?service=general&lang=fr", params)
    path = "/voice/callback?service=general&lang=nl"
    response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_signed_request_is_answered(twilio: Twilio) -> None:
    root = parse_twiml(twilio.post("/voice/incoming", CALL))
    assert root.find("Gather") is not None


def test_forwarded_headers_are_ignored_unless_proxy_is_trusted(settings: Any, client: Any) -> None:
    proxied = Twilio(client, settings.auth_token, base_url="https://lb.example")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lb.example"}
    assert proxied.post("/voice/incoming", CALL, headers=headers).status_code == 403


def test_forwarded_headers_are_used_when_proxy_is_trusted(settings: Any) -> None:
    from ivr import create_app

    app = create_app({**settings.as_environ(), "TESTING": True, "IRISLINE_TRUST_PROXY": "1"})
    proxied = Twilio(app.test_client(), settings.auth_token, base_url="https://lb.example")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lb.example"}
    try:
        assert proxied.post("/voice/incoming", CALL, headers=headers).status_code == 200
    finally:
        app.extensions["irisline.db"].dispose()
