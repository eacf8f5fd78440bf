"""The emulator pinned to Twilio's documented behaviour, verb by verb and parameter by
parameter. Each test's docstring cites the page it follows."""

from __future__ import annotations

import threading

from flask import Response
from twilio.request_validator import RequestValidator

from irisline.emulator.callers import Recording, ScriptedCaller, Step, parse_script, synth_wav
from irisline.emulator.fates import Fates
from irisline.emulator.transport import with_query

from .conftest import ACCOUNT, BASE, CALLER, LINE, TOKEN, FakeApp, doc

GATHER = '<Gather action="/got" numDigits="1"><Say>Press a key</Say></Gather>'


# --- webhooks ---------------------------------------------------------------------------


def test_webhooks_are_signed_as_twilio_signs_them(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/usage/security#validating-requests: HMAC-SHA1 over the
    full URL and the POST parameters sorted by name; for GET, the URL with its query."""
    fake.routes["/start"] = doc('<Gather action="/got" method="GET" numDigits="1"/>')
    fake.routes["/got"] = doc("<Hangup/>")
    fake.call("5")
    validator = RequestValidator(TOKEN)
    post, get = fake.seen
    assert post.method == "POST" and validator.validate(
        BASE + "/start", post.params, post.signature
    )
    assert get.method == "GET" and get.params["Digits"] == "5"
    assert validator.validate(with_query(BASE + "/got", get.params), {}, get.signature)
    assert not RequestValidator("other").validate(BASE + "/start", post.params, post.signature)


def test_standard_request_parameters(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml#request-parameters: CallSid, AccountSid, From,
    To, CallStatus, ApiVersion, Direction; an incoming call rings until it gets TwiML."""
    fake.routes["/start"] = doc("<Redirect>/next</Redirect>")
    fake.routes["/next"] = doc("<Hangup/>")
    outcome, _ = fake.call()
    first, second = fake.seen
    assert first.params["CallSid"] == outcome.call_sid and outcome.call_sid.startswith("CA")
    assert len(outcome.call_sid) == 34
    assert first.params["AccountSid"] == ACCOUNT
    assert (first.params["From"], first.params["To"]) == (CALLER, LINE)
    assert (first.params["Caller"], first.params["Called"]) == (CALLER, LINE)
    assert first.params["Direction"] == "inbound"
    assert first.params["ApiVersion"] == "2010-04-01"
    assert first.params["CallStatus"] == "ringing"
    assert second.params["CallStatus"] == "in-progress"


# --- Gather -----------------------------------------------------------------------------


def test_gather_defaults_timeout_5s_then_next_verb(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather: timeout defaults to 5 seconds; with no
    input Twilio falls through to the next verb without requesting the action URL."""
    fake.routes["/start"] = doc(GATHER, "<Say>No input</Say>")
    outcome, session = fake.call("-")
    assert fake.paths() == ["/start"]
    assert outcome.heard() == ["Press a key", "No input"]
    silence = next(e for e in outcome.events if e.kind == "silence")
    assert "5 s" in silence.text


def test_gather_action_defaults_to_the_current_document(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#action: default is the current
    document URL; method defaults to POST."""
    fake.routes["/start"] = lambda p: doc("<Gather numDigits='1'/>") if "Digits" not in p else doc()
    fake.call("7")
    assert [(s.method, s.path, s.params.get("Digits")) for s in fake.seen] == [
        ("POST", "/start", None),
        ("POST", "/start", "7"),
    ]


def test_gather_finish_on_key_defaults_to_hash(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#finishonkey: '#' by default; the key is
    not part of Digits."""
    fake.routes["/start"] = doc('<Gather action="/got"/>')
    fake.routes["/got"] = doc()
    fake.call("123#")
    assert fake.to("/got")[0].params["Digits"] == "123"


def test_gather_empty_finish_on_key_makes_hash_a_digit(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#finishonkey: '' disables it."""
    fake.routes["/start"] = doc('<Gather action="/got" finishOnKey=""/>')
    fake.routes["/got"] = doc()
    fake.call("12#")
    assert fake.to("/got")[0].params["Digits"] == "12#"


def test_gather_num_digits_ends_input(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#numdigits: Twilio stops at numDigits."""
    fake.routes["/start"] = doc('<Gather action="/got" numDigits="2"/>')
    fake.routes["/got"] = doc()
    outcome, _ = fake.call("1234")
    assert fake.to("/got")[0].params["Digits"] == "12"
    assert any(e.kind == "note" and "34" in e.text for e in outcome.events)


def test_gather_action_on_empty_result(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#actiononemptyresult: with true, the
    action URL is requested even without input."""
    fake.routes["/start"] = doc(
        '<Gather action="/got" actionOnEmptyResult="true"/>', "<Say>x</Say>"
    )
    fake.routes["/got"] = doc()
    outcome, _ = fake.call("-")
    assert fake.paths() == ["/start", "/got"]
    assert "Digits" not in fake.to("/got")[0].params
    assert outcome.heard() == []


def test_gather_speech_sends_speech_result_and_confidence(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#input: input="speech" posts
    SpeechResult and Confidence."""
    fake.routes["/start"] = doc('<Gather input="speech" action="/got" language="fr-FR"/>')
    fake.routes["/got"] = doc()
    fake.call("say:je voudrais un rappel")
    params = fake.to("/got")[0].params
    assert params["SpeechResult"] == "je voudrais un rappel"
    assert 0 < float(params["Confidence"]) <= 1
    assert "Digits" not in params


def test_gather_dtmf_only_ignores_speech(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/gather#input: the default input is dtmf."""
    fake.routes["/start"] = doc('<Gather action="/got"/>', "<Say>after</Say>")
    outcome, _ = fake.call("say:hello")
    assert fake.paths() == ["/start"]
    assert outcome.heard() == ["after"]


def test_gather_bad_values_are_warnings_and_defaults_apply(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/13313 and /13320: an invalid timeout, a verb
    that may not be nested; Twilio warns and goes on."""
    fake.routes["/start"] = doc('<Gather timeout="soon" action="/got"><Hangup/></Gather>')
    fake.routes["/got"] = doc()
    outcome, _ = fake.call("-")
    codes = {n.code for n in outcome.notifications}
    assert {13313, 13320} <= codes
    assert all(not n.is_error for n in outcome.notifications)
    assert "5 s" in next(e for e in outcome.events if e.kind == "silence").text


def test_gather_caller_hangs_up(fake: FakeApp) -> None:
    fake.routes["/start"] = doc('<Gather action="/got"/>')
    outcome, _ = fake.call("hangup")
    assert outcome.ended_by == "caller" and fake.paths() == ["/start"]


# --- Say, Play, Pause -------------------------------------------------------------------


def test_say_language_and_loop(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/say: language and loop attributes."""
    fake.routes["/start"] = doc('<Say language="nl-BE" loop="2">Hallo</Say><Play>/a.wav</Play>')
    outcome, _ = fake.call()
    says = [(e.text, e.language) for e in outcome.events if e.kind == "say"]
    assert says == [("Hallo", "nl-BE"), ("Hallo", "nl-BE")]
    assert any(e.kind == "play" and e.text.endswith("/a.wav") for e in outcome.events)


def test_pause_length_defaults_to_one_second(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/pause: length defaults to 1 second."""
    fake.routes["/start"] = doc("<Pause/>", '<Pause length="3"/>')
    outcome, _ = fake.call()
    assert outcome.duration == 4


# --- Record -----------------------------------------------------------------------------


def test_record_action_and_status_callback(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/record#attributes-action: RecordingUrl,
    RecordingDuration, RecordingSid and Digits go to the action URL; the
    recordingStatusCallback gets RecordingStatus=completed afterwards."""
    fake.routes["/start"] = doc(
        '<Record action="/done" finishOnKey="#" recordingStatusCallback="/rec"/>'
    )
    fake.routes["/done"] = doc()
    outcome, _ = fake.call("#", voicemail=(synth_wav(3.0), 3.0))
    assert fake.paths() == ["/start", "/done", "/rec"]
    action = fake.to("/done")[0].params
    assert action["RecordingDuration"] == "3" and action["Digits"] == "#"
    assert action["RecordingSid"].startswith("RE")
    assert action["RecordingUrl"].endswith(
        f"/Accounts/{ACCOUNT}/Recordings/{action['RecordingSid']}"
    )
    status = fake.to("/rec")[0].params
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingSid"] == action["RecordingSid"]
    assert status["CallSid"] == outcome.call_sid
    assert fake.store.recordings[action["RecordingSid"]].audio[:4] == b"RIFF"


def test_record_defaults(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/record: action defaults to the current
    document; finishOnKey to any key (1234567890*#); maxLength caps the recording."""
    seen: list[str] = []

    class Probe(ScriptedCaller):
        def record(self, prompt):  # type: ignore[no-untyped-def]
            seen.append(prompt.finish_on_key)
            return Recording(synth_wav(1.0), 10.0)

    fake.routes["/start"] = lambda p: (
        doc('<Record maxLength="4"/>') if "RecordingSid" not in p else doc()
    )
    fake.call(caller=Probe([]))
    assert seen == ["1234567890*#"]
    assert fake.paths() == ["/start", "/start"]
    assert fake.seen[1].params["RecordingDuration"] == "4"


def test_record_empty_recording_goes_on_to_the_next_verb(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/record: no audio, no action request; the next
    verb runs."""
    fake.routes["/start"] = doc('<Record action="/done"/>', "<Say>Nothing recorded</Say>")
    outcome, _ = fake.call("-")
    assert fake.paths() == ["/start"]
    assert outcome.heard() == ["Nothing recorded"]


def test_record_hangup_sends_digits_hangup(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/record#attributes-action: when the caller hangs
    up, Digits is 'hangup'."""

    class HangsUp(ScriptedCaller):
        def record(self, prompt):  # type: ignore[no-untyped-def]
            return Recording(synth_wav(2.0), 2.0, hangup=True)

    fake.routes["/start"] = doc('<Record action="/done"/>', "<Say>never</Say>")
    outcome, _ = fake.call(caller=HangsUp([]))
    assert fake.to("/done")[0].params["Digits"] == "hangup"
    assert outcome.ended_by == "caller" and outcome.heard() == []


# --- Enqueue and Leave ------------------------------------------------------------------


def test_enqueue_wait_url_loop_and_leave(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/enqueue: the waitUrl document is requested
    again when it ends, with QueuePosition, QueueSid, QueueTime, AvgQueueTime,
    CurrentQueueSize, MaxQueueSize; <Leave> ends the wait and the action URL gets
    QueueResult=leave, QueueSid and QueueTime."""
    rounds = {"n": 0}

    def wait(params: dict[str, str]) -> str:
        rounds["n"] += 1
        return doc("<Say>Please hold</Say>") if rounds["n"] < 3 else doc("<Leave/>")

    fake.routes["/start"] = doc('<Enqueue action="/left" waitUrl="/wait">support</Enqueue>')
    fake.routes["/wait"] = wait
    fake.routes["/left"] = doc("<Say>Bye</Say>")
    outcome, _ = fake.call()
    assert fake.paths() == ["/start", "/wait", "/wait", "/wait", "/left"]
    first = fake.to("/wait")[0].params
    assert first["QueuePosition"] == "1" and first["CurrentQueueSize"] == "1"
    assert first["MaxQueueSize"] == "1000" and first["QueueTime"] == "0"
    assert first["QueueSid"].startswith("QU") and "AvgQueueTime" in first
    assert int(fake.to("/wait")[2].params["QueueTime"]) > 0
    left = fake.to("/left")[0].params
    assert left["QueueResult"] == "leave" and left["QueueSid"] == first["QueueSid"]
    assert int(left["QueueTime"]) > 0
    assert outcome.heard()[-1] == "Bye" and outcome.queue_result == "leave"


def test_enqueue_hangup_and_queue_full(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action: QueueResult
    'hangup' when the caller hangs up in the queue, 'queue-full' when it is full."""
    fake.routes["/start"] = doc('<Enqueue action="/left">support</Enqueue>')
    fake.routes["/left"] = doc()
    outcome, _ = fake.call(patience=60)
    assert fake.to("/left")[0].params["QueueResult"] == "hangup"
    assert outcome.ended_by == "caller"
    queue = fake.store.queue("support", ACCOUNT)
    assert queue is not None and queue.members == []
    queue.max_size = 0
    fake.call()
    assert fake.to("/left")[1].params["QueueResult"] == "queue-full"


def test_enqueue_without_action_goes_on(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action: without action,
    the next verb runs once the call leaves the queue."""
    fake.routes["/start"] = doc('<Enqueue waitUrl="/wait">q</Enqueue>', "<Say>Next</Say>")
    fake.routes["/wait"] = doc("<Leave/>")
    outcome, _ = fake.call()
    assert outcome.heard() == ["Next"]


# --- Dial -------------------------------------------------------------------------------


def test_dial_call_status_by_number_fate(make_fake) -> None:  # type: ignore[no-untyped-def]
    """https://www.twilio.com/docs/voice/twiml/dial#attributes-action: the action URL gets
    DialCallStatus: completed, busy, no-answer or failed (and DialCallSid,
    DialCallDuration when answered)."""
    cases = {
        "+32470110001": "completed",
        "+32470110002": "busy",
        "+32470110003": "no-answer",
        "+32470110005": "failed",
        "0470": "failed",
    }
    for number, expected in cases.items():
        fake = make_fake()
        fake.routes["/start"] = doc(f'<Dial action="/dialled">{number}</Dial>')
        fake.routes["/dialled"] = doc()
        fake.call(fates=Fates())
        params = fake.to("/dialled")[0].params
        assert params["DialCallStatus"] == expected, number
        if expected == "completed":
            assert params["DialCallSid"].startswith("CA") and int(params["DialCallDuration"]) > 0


def test_dial_without_action_continues(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/dial: without action, Twilio goes on with the
    document after the dialled call ends."""
    fake.routes["/start"] = doc("<Dial><Client>agent-7</Client></Dial>", "<Say>After</Say>")
    outcome, _ = fake.call()
    assert outcome.heard() == ["After"]


def test_dial_queue_bridges_the_first_member(make_fake) -> None:  # type: ignore[no-untyped-def]
    """https://www.twilio.com/docs/voice/twiml/queue: dialling a queue connects the first
    enqueued call; the member's Enqueue action gets QueueResult=bridged; an empty queue
    gives no answer."""
    member_app = make_fake()
    agent_app = FakeApp(store=member_app.store)
    waiting = threading.Event()
    released = threading.Event()

    class Patient(ScriptedCaller):
        def keep_waiting(self, queue: str, position: int, waited: float) -> bool:
            waiting.set()
            released.wait(5)
            return True

    member_app.routes["/start"] = doc('<Enqueue action="/left">agents</Enqueue>')
    member_app.routes["/left"] = doc()
    agent_app.routes["/start"] = doc('<Dial action="/dialled"><Queue>agents</Queue></Dial>')
    agent_app.routes["/dialled"] = doc()
    results = {}
    thread = threading.Thread(
        target=lambda: results.update(member=member_app.call(caller=Patient([]))[0])
    )
    thread.start()
    assert waiting.wait(5)
    agent_app.call()
    released.set()
    thread.join(5)
    dialled = agent_app.to("/dialled")[0].params
    assert dialled["DialCallStatus"] == "completed"
    assert dialled["DialCallSid"] == results["member"].call_sid
    assert member_app.to("/left")[0].params["QueueResult"] == "bridged"
    agent_app.call()
    assert agent_app.to("/dialled")[1].params["DialCallStatus"] == "no-answer"


# --- Redirect, Hangup, Reject, Sms ------------------------------------------------------


def test_redirect_resolves_relative_urls_and_defaults_to_post(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/redirect: method defaults to POST; relative
    URLs are resolved against the current document's URL."""
    fake.routes["/menu/start"] = doc("<Redirect>next?x=1</Redirect>")
    fake.routes["/menu/next"] = doc('<Redirect method="GET">/final</Redirect>')
    fake.routes["/final"] = doc("<Hangup/>", "<Say>never</Say>")
    outcome, _ = fake.call(start="/menu/start")
    assert [(s.method, s.path) for s in fake.seen] == [
        ("POST", "/menu/start"),
        ("POST", "/menu/next"),
        ("GET", "/final"),
    ]
    assert "x=1" in fake.seen[1].url
    assert outcome.heard() == [] and outcome.ended_by == "service"


def test_reject_ends_the_call_unanswered(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/reject: reason 'busy' plays a busy signal;
    verbs after <Reject> never run."""
    fake.routes["/start"] = doc('<Reject reason="busy"/>', "<Say>never</Say>")
    outcome, _ = fake.call()
    assert outcome.ended_by == "rejected" and outcome.status == "busy"
    assert outcome.heard() == []


def test_sms_is_sent_to_the_caller(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/voice/twiml/sms: 'to' defaults to the caller, 'from' to
    the called number; the action URL gets SmsSid and SmsStatus."""
    fake.routes["/start"] = doc('<Sms action="/sent">Votre référence: 123</Sms>')
    fake.routes["/sent"] = doc()
    outcome, _ = fake.call()
    message = fake.store.messages[outcome.messages[0]]
    assert (message.to, message.from_, message.body) == (CALLER, LINE, "Votre référence: 123")
    params = fake.to("/sent")[0].params
    assert params["SmsSid"] == message.sid and params["SmsStatus"] == "sent"


# --- errors, as Twilio's debugger reports them -----------------------------------------


def test_malformed_twiml_is_error_12100(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/12100: Document parse failure; the caller hears
    Twilio's application error message."""
    fake.routes["/start"] = "<Response><Say>unclosed</Response>"
    outcome, _ = fake.call()
    assert outcome.error is not None and outcome.error.code == 12100
    assert outcome.ended_by == "error" and "application error" in outcome.heard()[0]


def test_root_must_be_response_12102(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/12102."""
    fake.routes["/start"] = "<Reply><Say>hi</Say></Reply>"
    outcome, _ = fake.call()
    assert outcome.error is not None and outcome.error.code == 12102


def test_unknown_verb_is_12200_not_skipped(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/12200: TwiML is case-sensitive; <say> is not a
    verb."""
    fake.routes["/start"] = doc("<say>hello</say>")
    outcome, _ = fake.call()
    assert outcome.error is not None and outcome.error.code == 12200
    assert "<say>" in outcome.error.detail


def test_unknown_attribute_is_a_12200_warning(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/12200: misspelled attributes are warned about."""
    fake.routes["/start"] = doc('<Say langage="fr-FR">Bonjour</Say>')
    outcome, _ = fake.call()
    assert [n.code for n in outcome.notifications] == [12200]
    assert outcome.error is None and outcome.heard() == ["Bonjour"]


def test_http_error_is_11200(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/11200: HTTP retrieval failure."""
    fake.routes["/start"] = lambda p: Response("boom", status=500)
    outcome, _ = fake.call()
    assert outcome.error is not None and outcome.error.code == 11200
    assert "500" in outcome.error.detail


def test_content_types(fake: FakeApp) -> None:
    """https://www.twilio.com/docs/api/errors/12300: Invalid Content-Type; text/plain is read
    out (https://www.twilio.com/docs/voice/twiml#twilio-understands-mime-types)."""
    fake.routes["/start"] = "Bonjour"
    fake.content_type = "text/plain"
    outcome, _ = fake.call()
    assert outcome.heard() == ["Bonjour"]
    fake.content_type = "application/json"
    outcome, _ = fake.call()
    assert outcome.error is not None and outcome.error.code == 12300


def test_unreachable_app_is_11205() -> None:
    """https://www.twilio.com/docs/api/errors/11205: HTTP connection failure."""
    from irisline.emulator.interpreter import CallSession
    from irisline.emulator.transport import HttpTransport

    session = CallSession(
        HttpTransport(timeout=2),
        TOKEN,
        ScriptedCaller([]),
        account_sid=ACCOUNT,
        from_=CALLER,
        to=LINE,
    )
    outcome = session.run("http://127.0.0.1:9/voice/incoming")
    assert outcome.error is not None and outcome.error.code == 11205


def test_scripts() -> None:
    assert parse_script("1,,-,say:bonjour,12#,hangup", ["extra"]) == [
        Step("dtmf", "1"),
        Step("silence"),
        Step("silence"),
        Step("speech", "bonjour"),
        Step("dtmf", "12#"),
        Step("hangup"),
        Step("speech", "extra"),
    ]
    assert parse_script("@,2", ["rappel"]) == [Step("speech", "rappel"), Step("dtmf", "2")]
