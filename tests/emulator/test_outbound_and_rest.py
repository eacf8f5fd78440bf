"""The emulator's REST side, through the real twilio client, and outbound calls' fates."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from irisline.emulator import Store, create_emulator_app
from irisline.emulator.driver import Driver
from irisline.emulator.transport import FlaskTransport
from irisline.settings import Settings
from irisline.simulator.session import FlaskTwilioHttpClient

from .conftest import BASE, FakeApp, doc

SETTINGS = Settings.load(
    environ={}, overrides={"IRISLINE_DEBUG": True, "SECRET_KEY": "emulator-tests-secret-key"}
)


@pytest.fixture
def world(fake: FakeApp) -> tuple[Client, Store, FakeApp, Driver]:
    store = fake.store
    emulator = create_emulator_app(
        SETTINGS, store=store, drive=False, transport=FlaskTransport(fake.app)
    )
    client = Client(
        SETTINGS.account_sid, SETTINGS.auth_token, http_client=FlaskTwilioHttpClient(emulator)
    )
    driver = Driver(SETTINGS, store, transport=FlaskTransport(fake.app))
    return client, store, fake, driver


def _dial(world: Any, to: str, **kwargs: Any) -> Any:
    client, store, fake, driver = world
    call = client.calls.create(
        to=to,
        from_="+3228001000",
        url=BASE + "/answer",
        status_callback=BASE + "/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        **kwargs,
    )
    driver.run_outbound(store.calls[call.sid])
    return call


def test_answered_call_callbacks_in_twilio_order(world: Any) -> None:
    """https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent: initiated,
    ringing, answered, completed, with CallStatus, SequenceNumber, CallbackSource and, at the
    end, CallDuration."""
    client, store, fake, _ = world
    fake.routes["/answer"] = doc("<Say>Bonjour</Say>", '<Pause length="4"/>')
    call = _dial(world, "+32470123456")
    statuses = fake.to("/status")
    assert [s.params["CallStatus"] for s in statuses] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [s.params["SequenceNumber"] for s in statuses] == ["0", "1", "2", "3"]
    assert {s.params["CallbackSource"] for s in statuses} == {"call-progress-events"}
    assert statuses[-1].params["CallDuration"] == "5"  # 1 s of speech + 4 s pause
    assert all(s.params["Direction"] == "outbound-api" for s in statuses)
    assert fake.to("/answer")[0].params["CallStatus"] == "in-progress"
    fetched = client.calls(call.sid).fetch()
    assert fetched.status == "completed" and fetched.duration == "5"
    assert store.calls[call.sid].heard == ["Bonjour"]


@pytest.mark.parametrize(
    ("number", "statuses"),
    [
        ("+32470120002", ["initiated", "busy"]),
        ("+32470120003", ["initiated", "ringing", "no-answer"]),
        ("+32470120005", ["initiated", "failed"]),
    ],
)
def test_unanswered_fates(world: Any, number: str, statuses: list[str]) -> None:
    """https://www.twilio.com/docs/voice/api/call-resource#call-status-values: busy,
    no-answer and failed are final; the 'completed' event reports them; no TwiML is
    fetched."""
    _, _, fake, _ = world
    _dial(world, number)
    assert [s.params["CallStatus"] for s in fake.to("/status")] == statuses
    assert fake.to("/answer") == []


def test_default_status_callback_is_final_only(world: Any) -> None:
    """https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent: without
    StatusCallbackEvent, only 'completed' is sent."""
    client, store, fake, driver = world
    fake.routes["/answer"] = doc()
    call = client.calls.create(
        to="+32470123456",
        from_="+3228001000",
        url=BASE + "/answer",
        status_callback=BASE + "/status",
    )
    driver.run_outbound(store.calls[call.sid])
    assert [s.params["CallStatus"] for s in fake.to("/status")] == ["completed"]


def test_machine_detection_answered_by(world: Any) -> None:
    """https://www.twilio.com/docs/voice/answering-machine-detection: AnsweredBy
    machine_start or human when MachineDetection is asked for."""
    _, _, fake, _ = world
    fake.routes["/answer"] = doc('<Gather action="/got"/>', "<Say>Message</Say>")
    _dial(world, "+32470120004", machine_detection="Enable")
    assert fake.to("/answer")[0].params["AnsweredBy"] == "machine_start"
    assert fake.to("/got") == []


def test_update_call_hangs_up_and_redirects(world: Any) -> None:
    """https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource: Status
    completed ends an in-progress call; Url redirects it; a finished call can't be updated."""
    client, store, fake, driver = world
    call = client.calls.create(to="+32470123456", from_="+3228001000", url=BASE + "/answer")
    fake.routes["/answer"] = lambda p: (
        client.calls(call.sid).update(url=BASE + "/elsewhere") and doc("<Say>first</Say>")
    )
    fake.routes["/elsewhere"] = doc("<Say>redirected</Say>")
    driver.run_outbound(store.calls[call.sid])
    assert store.calls[call.sid].heard == ["redirected"]
    with pytest.raises(TwilioRestException) as info:
        client.calls(call.sid).update(status="completed")
    assert info.value.code == 21220


def test_recordings_fetch_and_media(world: Any) -> None:
    """https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file: the
    RecordingUrl without extension (or .wav) gives WAV audio."""
    client, store, fake, _ = world
    fake.routes["/start"] = doc('<Record action="/done"/>')
    fake.routes["/done"] = doc()
    from irisline.emulator.callers import synth_wav

    outcome, _ = fake.call(voicemail=(synth_wav(2.0), 2.0))
    sid = outcome.recordings[0]
    recording = client.recordings(sid).fetch()
    assert recording.call_sid == outcome.call_sid and recording.duration == "2"
    assert [r.sid for r in client.recordings.list(call_sid=outcome.call_sid)] == [sid]
    emulator = create_emulator_app(SETTINGS, store=store, drive=False)
    response = emulator.test_client().get(
        f"/2010-04-01/Accounts/{SETTINGS.account_sid}/Recordings/{sid}.wav",
        headers={
            "Authorization": requests.auth._basic_auth_str(  # type: ignore[attr-defined]
                SETTINGS.account_sid, SETTINGS.auth_token
            )
        },
    )
    assert response.mimetype == "audio/x-wav" and response.data[:4] == b"RIFF"


def test_queues_and_members(world: Any) -> None:
    """https://www.twilio.com/docs/voice/api/queue-resource and /member-resource: queue size,
    average wait and members, for wait estimates."""
    client, store, fake, _ = world
    queue = client.queues.create(friendly_name="callback-general", max_size=50)
    assert queue.sid.startswith("QU") and queue.max_size == 50 and queue.current_size == 0
    member = store.join(store.queues[queue.sid], "CA" + "1" * 32, 0.0)
    assert member is not None
    assert client.queues(queue.sid).fetch().current_size == 1
    members = client.queues(queue.sid).members.list()
    assert [m.call_sid for m in members] == ["CA" + "1" * 32] and members[0].position == 1
    front = client.queues(queue.sid).members("Front").update(url=BASE + "/agent")
    assert front.call_sid == "CA" + "1" * 32
    assert store.queues[queue.sid].members[0].taken == ("redirect", BASE + "/agent", "POST")
    assert [q.friendly_name for q in client.queues.list()] == ["callback-general"]
