"""A webhook never answers Twilio with a 5xx: on an internal fault the caller hears an apology
and is offered voicemail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from irisline.settings import Settings
from ivr import create_app

from .conftest import Twilio
from .helpers import CLOSED_NOW, OPEN_NOW, action_of, parse_twiml, says

CALL = {"CallSid": "CA" + "3" * 32, "From": "+32470123456", "To": "+3228001000"}


@pytest.fixture
def broken_app(settings: Settings, tmp_path: Path) -> Any:
    """The database went away after start-up: it now points at a server that is not there."""
    app = create_app({**settings.as_environ(), "TESTING": True})
    app.extensions["irisline.db"].dispose()
    from irisline.db import Database

    app.extensions["irisline.db"] = Database("postgresql://nobody@127.0.0.1:1/none")
    yield app
    app.extensions["irisline.db"].dispose()
    app.extensions["irisline.redis"].close()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/voice/incoming", CALL),
        ("/voice/menu?node=language&turns=0", {**CALL, "Digits": "1"}),
        ("/voice/callback?service=general&lang=nl", CALL),
        ("/voice/service?service=housing&lang=nl", CALL),
        ("/voice/callback/answer?ticket=12345678", CALL),
    ],
)
def test_database_down_gives_an_apology_and_voicemail(
    broken_app: Any, settings: Settings, path: str, params: dict[str, str]
) -> None:
    twilio = Twilio(broken_app.test_client(), settings.auth_token)
    root = parse_twiml(twilio.post(path, params))
    assert says(root), "the caller hears something"
    record = root.find("Record")
    assert record is not None
    assert "/voice/recording" in (record.get("recordingStatusCallback") or "")


def test_apology_is_in_the_callers_language(broken_app: Any, settings: Settings) -> None:
    twilio = Twilio(broken_app.test_client(), settings.auth_token)
    root = parse_twiml(twilio.post("/voice/callback?service=general&lang=nl", CALL))
    assert [lang for _, lang in says(root)] == ["nl-BE"]


def test_unknown_ticket_on_callback_answer_is_not_a_5xx(twilio: Twilio) -> None:
    root = parse_twiml(twilio.post("/voice/callback/answer?ticket=00000000", CALL))
    assert root.find("Record") is not None


@pytest.mark.parametrize("digits", ["", "9", "##", "1" * 200, "é", "*", "0"])
def test_garbage_digits_are_handled(twilio: Twilio, digits: str) -> None:
    start = parse_twiml(twilio.post("/voice/incoming", CALL))
    root = parse_twiml(twilio.post(action_of(start), {**CALL, "Digits": digits}))
    assert root.find("Gather") is not None, "the caller is asked again"
    main = parse_twiml(twilio.post(action_of(start), {**CALL, "Digits": "1"}))
    root = parse_twiml(twilio.post(action_of(main), {**CALL, "Digits": digits}))
    assert root.find("Gather") is not None


def _ends(root: Any) -> bool:
    return any(root.find(verb) is not None for verb in ("Hangup", "Enqueue", "Record", "Dial"))


@pytest.mark.parametrize("moment", [OPEN_NOW, CLOSED_NOW], ids=["open", "closed"])
def test_silent_caller_is_not_left_looping(app: Any, twilio: Twilio, moment: Any) -> None:
    app.extensions["irisline.clock"] = lambda: moment
    path = "/voice/incoming"
    for _ in range(30):
        root = parse_twiml(twilio.post(path, {**CALL, "From": "anonymous"}))
        if _ends(root):
            # Open: the general information queue; closed: a message can be left.
            assert root.find("Enqueue" if moment is OPEN_NOW else "Record") is not None
            return
        path = action_of(root)
    raise AssertionError("a silent caller was never let out")


def test_recording_callback_is_stored_once(twilio: Twilio, app: Any) -> None:
    from sqlalchemy import select

    from callbacks.models import Notification, Ticket, Voicemail

    params = {
        "CallSid": CALL["CallSid"],
        "RecordingSid": "RE" + "4" * 32,
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE4",
        "RecordingStatus": "completed",
        "RecordingDuration": "17",
    }
    path = "/voice/recording?lang=nl&service=general&caller=%2B32470123456"
    assert twilio.post(path, params).status_code == 204
    assert twilio.post(path, params).status_code == 204
    with app.extensions["irisline.db"].session() as session:
        voicemail = session.scalars(select(Voicemail)).one()
        assert voicemail.duration == 17 and voicemail.language == "nl"
        assert voicemail.phone == "+32470123456"
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.source == "voicemail" and voicemail.ticket_id == ticket.id
        # Planned in the service's callable windows and confirmed by SMS, once.
        assert ticket.status == "scheduled" and ticket.due_at is not None
        sms = session.scalars(select(Notification)).all()
        assert [(n.kind, n.language) for n in sms] == [("confirmation", "nl")]
