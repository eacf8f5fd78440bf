"""The TwiML interpreter: plays Twilio's part in one call.

`CallSession` fetches the app's TwiML with signed webhooks carrying Twilio's parameters, runs
each verb as Twilio documents it (https://www.twilio.com/docs/voice/twiml), asks a `Caller`
for keys, speech, recordings and patience, and records what happened: the events the caller
heard and did, every webhook with its latency, and the debugger's notifications. Time is
simulated: a <Pause> or a <Gather> timeout advances a clock, nothing sleeps.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import escape

import phonenumbers

from .callers import Caller, GatherPrompt, RecordPrompt, speech_seconds
from .errors import Notification, TwimlError
from .fates import Fates
from .store import Call, Message, Queue, Recording, Store, new_sid
from .transport import Signer, Transport, TransportError
from .twiml import Attributes, Verb, parse

log = logging.getLogger(__name__)

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
QUEUE_VERBS = frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"})
TALK_SECONDS = 30.0
HOLD_MUSIC_SECONDS = 30.0


@dataclass(frozen=True)
class Event:
    """Something the caller heard or did, at a simulated time (seconds from the start)."""

    kind: str  # say | play | pause | keys | speech | silence | record | queue | dial | sms |
    # redirect | hangup | reject | error | warning | note
    text: str
    language: str | None = None
    at: float = 0.0


@dataclass(frozen=True)
class Exchange:
    """One request to the app."""

    method: str
    url: str
    status: int | None
    seconds: float
    purpose: str


@dataclass
class Outcome:
    call_sid: str
    status: str = "completed"
    ended_by: str = "service"  # caller | service | error | rejected | emulator
    reason: str = ""
    queue: str | None = None
    queue_result: str | None = None
    recordings: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    duration: float = 0.0
    events: list[Event] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def error(self) -> Notification | None:
        return next((n for n in self.notifications if n.is_error), None)

    def heard(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "say"]


@dataclass
class _Fetch:
    url: str
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)
    kind: str = "action"


@dataclass
class _End:
    ended_by: str
    reason: str
    status: str = "completed"


class _Leave:
    pass


class _Stop(Exception):
    def __init__(self, end: _End) -> None:
        self.end = end


class CallSession:
    """Drives one call against the app."""

    def __init__(
        self,
        transport: Transport,
        auth_token: str,
        caller: Caller,
        *,
        store: Store | None = None,
        account_sid: str,
        from_: str,
        to: str,
        direction: str = "inbound",
        call: Call | None = None,
        media_base: str = "http://127.0.0.1:5050",
        fates: Fates | None = None,
        listener: Callable[[Event], None] | None = None,
        max_requests: int = 100,
    ) -> None:
        self.transport = transport
        self.signer = Signer(auth_token)
        self.caller = caller
        self.store = store or Store()
        self.account_sid = account_sid
        self.fates = fates or Fates()
        self.listener = listener
        self.max_requests = max_requests
        self.media_base = media_base.rstrip("/")
        if call is None:
            call = Call(
                sid=new_sid("CA"),
                account_sid=account_sid,
                to=to,
                from_=from_,
                url=None,
                method="POST",
                status_callback=None,
                status_callback_events=[],
                direction=direction,
                status="ringing",
            )
            self.store.add_call(call)
        self.call = call
        self.clock = 0.0
        self.requests = 0
        self.deferred: list[_Fetch] = []
        self.outcome = Outcome(call.sid)

    # --- the call ----------------------------------------------------------------------

    def run(self, url: str | None, method: str = "POST", twiml: str | None = None) -> Outcome:
        """Play the call from `url` (or from an inline TwiML document) to its end."""
        self.call.start_time = datetime.now(UTC)
        try:
            end = self._play(url or "", method, twiml)
        except _Stop as stop:
            end = stop.end
        self._flush_deferred()
        out = self.outcome
        out.status, out.ended_by, out.reason = end.status, end.ended_by, end.reason
        out.duration = self.clock
        self.call.status = end.status
        self.call.end_time = datetime.now(UTC)
        self.call.duration = int(round(self.clock))
        self.emit("hangup", f"call ended ({end.ended_by}): {end.reason}")
        return out

    def _play(self, url: str, method: str, twiml: str | None) -> _End:
        step: _Fetch | _End | None = _Fetch(url, method, kind="start")
        document: str | None = twiml
        while True:
            if isinstance(step, _End):
                return step
            assert step is not None
            doc_url = step.url
            if document is None:
                try:
                    document = self.fetch(step)
                except TwimlError as exc:
                    return self._application_error(exc.notification)
            if self.call.status in ("ringing", "queued"):
                self.call.status = "in-progress"
            try:
                verbs, warnings = parse(document, doc_url)
            except TwimlError as exc:
                return self._application_error(exc.notification)
            document = None
            for warning in warnings:
                self.notify(warning)
            result = self.run_verbs(verbs, doc_url)
            if result is None or isinstance(result, _Leave):
                return _End("service", "no more TwiML: Twilio hangs up")
            step = result

    def _application_error(self, notification: Notification) -> _End:
        self.notify(notification)
        self.emit("say", APPLICATION_ERROR, "en-US")
        return _End("error", f"{notification.code} {notification.message}: {notification.detail}")

    def run_verbs(
        self, verbs: list[Verb], doc_url: str, in_queue: bool = False
    ) -> _Fetch | _End | _Leave | None:
        for verb in verbs:
            self._check_control()
            if in_queue and verb.name not in QUEUE_VERBS:
                self.warn(12200, f"<{verb.name}> is not allowed in a waitUrl document", doc_url)
                continue
            handler = getattr(self, f"verb_{verb.name.lower()}")
            attrs = Attributes(verb, lambda code, detail: self.warn(code, detail, doc_url))
            result: _Fetch | _End | _Leave | None = handler(verb, attrs, doc_url, in_queue)
            if result is not None:
                return result
        return None

    def _check_control(self) -> None:
        """Apply a REST update of the call (redirect or hang up) at the next verb."""
        pending, self.call.pending = self.call.pending, None
        if not pending:
            return
        if pending[0] == "hangup":
            raise _Stop(_End("service", "hung up through the REST API", pending[1]))
        raise _Stop(self._redirected(_Fetch(pending[1], pending[2], kind="redirect")))

    def _redirected(self, fetch: _Fetch) -> _End:
        end = self._play(fetch.url, fetch.method, None)
        return end

    # --- webhooks ----------------------------------------------------------------------

    def base_params(self) -> dict[str, str]:
        call = self.call
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": call.status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": call.direction,
            "From": call.from_,
            "To": call.to,
        }
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        return params

    def fetch(self, step: _Fetch) -> str:
        """Request TwiML; TwimlError (as Twilio's debugger reports it) when there is none."""
        if self.requests >= self.max_requests:
            raise _Stop(
                _End("emulator", f"stopped after {self.max_requests} requests (TwiML loops?)")
            )
        self.requests += 1
        params = {**self.base_params(), **step.params}
        response = self.send(step.method, step.url, params, step.kind)
        self._flush_deferred()
        if response is None:
            raise TwimlError(11205, f"{step.url}: no answer", step.url)
        status, content_type, text = response
        if not 200 <= status < 300:
            raise TwimlError(11200, f"{step.url} answered HTTP {status}", step.url)
        kind = content_type.split(";")[0].strip().lower()
        if kind in ("text/xml", "application/xml", "text/html"):
            if not text.strip():
                raise TwimlError(12100, f"{step.url} answered an empty document", step.url)
            return text
        if kind == "text/plain":
            return f"<Response><Say>{escape(text)}</Say></Response>"
        if kind.startswith("audio/"):
            return f"<Response><Play>{escape(step.url)}</Play></Response>"
        raise TwimlError(12300, f"{step.url} answered Content-Type {kind or 'none'!r}", step.url)

    def send(
        self, method: str, url: str, params: dict[str, str], purpose: str
    ) -> tuple[int, str, str] | None:
        headers = {
            "X-Twilio-Signature": self.signer.sign(method, url, params),
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "User-Agent": "TwilioProxy/1.1 (irisline emulator)",
        }
        started = time.perf_counter()
        try:
            response = self.transport.request(method, url, params, headers)
        except TransportError as exc:
            self.outcome.exchanges.append(
                Exchange(method, url, None, time.perf_counter() - started, purpose)
            )
            if purpose in ("start", "action", "gather", "redirect", "wait"):
                raise TwimlError(11205, f"{url}: {exc}", url) from None
            self.warn(15003, f"{url}: {exc}", url)
            return None
        self.outcome.exchanges.append(
            Exchange(method, url, response.status, time.perf_counter() - started, purpose)
        )
        return response.status, response.content_type, response.text

    def callback(self, fetch: _Fetch, *, with_call_params: bool = True) -> None:
        """A request whose answer Twilio ignores (status callbacks, actions after hang-up)."""
        params = {**self.base_params(), **fetch.params} if with_call_params else fetch.params
        result = self.send(fetch.method, fetch.url, params, fetch.kind)
        if result is not None and result[0] >= 400:
            self.warn(15003, f"{fetch.url} answered HTTP {result[0]}", fetch.url)

    def _flush_deferred(self) -> None:
        while self.deferred:
            self.callback(self.deferred.pop(0), with_call_params=False)

    # --- reporting ---------------------------------------------------------------------

    def emit(self, kind: str, text: str, language: str | None = None) -> None:
        event = Event(kind, text, language, round(self.clock, 1))
        self.outcome.events.append(event)
        if kind == "say":
            self.call.heard.append(text)
            self.call.said.append({"text": text, "language": language})
            self.store.log("call.heard", sid=self.call.sid, text=text, language=language)
        if self.listener is not None:
            self.listener(event)

    def notify(self, notification: Notification) -> None:
        self.outcome.notifications.append(notification)
        self.store.notify(self.call.sid, notification)
        self.emit("error" if notification.is_error else "warning", str(notification))

    def warn(self, code: int, detail: str, url: str = "") -> None:
        self.notify(Notification(code, detail, url, level="warning"))

    # --- verbs -------------------------------------------------------------------------

    def verb_say(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> None:
        language = a.text("language", "en-US")
        loop = a.integer("loop", 13510, 1, minimum=0)
        if not verb.text:
            self.warn(13520, "<Say> has no text", url)
            return
        times = 10 if loop == 0 else loop
        self.emit("say", verb.text, language)
        for _ in range(times - 1):
            self.emit("say", verb.text, language)
        self.clock += speech_seconds(verb.text) * times

    def verb_play(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> None:
        loop = a.integer("loop", 13410, 1, minimum=0)
        digits = a.raw("digits")
        if verb.text:
            times = "" if loop == 1 else (" (looped)" if loop == 0 else f" (x{loop})")
            self.emit("play", f"audio{times} {urljoin(url, verb.text)}")
            self.clock += 5.0 * (loop or 10)
        if digits:
            self.emit("play", f"DTMF tones {digits}")
            self.clock += 0.5 * len(digits)

    def verb_pause(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> None:
        length = a.integer("length", 13910, 1, minimum=0)
        self.emit("pause", f"{length} s of silence")
        self.clock += length

    def verb_gather(
        self, verb: Verb, a: Attributes, url: str, in_queue: bool
    ) -> _Fetch | _End | None:
        # https://www.twilio.com/docs/voice/twiml/gather
        action = urljoin(url, verb.attrs["action"]) if verb.attrs.get("action") else url
        method = a.method("method", 13312)
        timeout = a.integer("timeout", 13313, 5)
        finish = a.keys("finishOnKey", 13310, "#", single=True)
        num_digits = a.integer("numDigits", 13314, 0) or None
        on_empty = a.boolean("actionOnEmptyResult", 13338, False)
        language = a.text("language", "en-US")
        inputs = frozenset(a.text("input", "dtmf").split())
        if not inputs or not inputs <= {"dtmf", "speech"}:
            self.warn(12200, f"input={a.raw('input')!r} must be dtmf, speech or both", url)
            inputs = frozenset({"dtmf"})
        heard = []
        for child in verb.children:
            handler = getattr(self, f"verb_{child.name.lower()}")
            handler(child, Attributes(child, lambda c, d: self.warn(c, d, url)), url, in_queue)
            if child.name == "Say" and child.text:
                heard.append(child.text)
        step = self.caller.gather(
            GatherPrompt(inputs, num_digits, finish, timeout, language, tuple(heard), in_queue)
        )
        params: dict[str, str] = {}
        if step.kind == "hangup":
            self.emit("hangup", "the caller hangs up")
            return _End("caller", "the caller hung up during a <Gather>")
        if step.kind == "dtmf" and "dtmf" in inputs:
            digits, finished = "", ""
            for key in step.value:
                if finish and key == finish:
                    finished = key
                    break
                digits += key
                if num_digits and len(digits) >= num_digits:
                    break
            self.emit("keys", step.value)
            dropped = step.value[len(digits) + len(finished) :]
            if dropped:
                self.emit("note", f"keys {dropped} come after the <Gather> ended: lost")
            self.clock += 0.5 * len(step.value)
            if not finished and not (num_digits and len(digits) >= num_digits):
                self.clock += timeout  # Twilio waits `timeout` seconds after the last key
            if digits:
                params["Digits"] = digits
        elif step.kind == "speech" and "speech" in inputs:
            self.emit("speech", step.value, language)
            self.clock += speech_seconds(step.value) + 1
            params["SpeechResult"] = step.value
            params["Confidence"] = "0.9"
        else:
            if step.kind == "dtmf":
                self.emit("note", f"keys {step.value} ignored: this <Gather> takes speech only")
            elif step.kind == "speech":
                self.emit("note", f"speech ignored: this <Gather> takes keys only: {step.value}")
            else:
                self.emit("silence", f"no input for {timeout} s")
            self.clock += timeout
        if params:
            return _Fetch(action, method, params, kind="gather")
        if on_empty:
            return _Fetch(action, method, {}, kind="gather")
        self.emit("note", "no input: on to the next verb")
        return None

    def verb_record(
        self, verb: Verb, a: Attributes, url: str, in_queue: bool
    ) -> _Fetch | _End | None:
        # https://www.twilio.com/docs/voice/twiml/record
        action = urljoin(url, verb.attrs["action"]) if verb.attrs.get("action") else url
        method = a.method("method", 13610)
        timeout = a.integer("timeout", 13611, 5, minimum=0)
        finish = a.keys("finishOnKey", 13613, "1234567890*#", single=False)
        max_length = a.integer("maxLength", 13612, 3600)
        beep = a.boolean("playBeep", 13616, True)
        status_url = verb.attrs.get("recordingStatusCallback")
        status_method = a.method("recordingStatusCallbackMethod", 12200)
        status_events = a.text("recordingStatusCallbackEvent", "completed").replace(",", " ")
        if beep:
            self.emit("play", "beep")
        recording = self.caller.record(RecordPrompt(max_length, finish, timeout))
        seconds = min(recording.seconds, float(max_length))
        if recording.audio is None or seconds <= 0:
            self.emit("record", "nothing recorded")
            if status_url and "absent" in status_events.split():
                self.deferred.append(
                    _Fetch(
                        urljoin(url, status_url),
                        status_method,
                        self._recording_params(None, 0, "absent"),
                        kind="recording-status",
                    )
                )
            if recording.hangup:
                self.emit("hangup", "the caller hangs up")
                return _End("caller", "the caller hung up during a <Record>")
            self.emit("note", "empty recording: no action request, on to the next verb")
            return None
        duration = max(1, int(round(seconds)))
        rec = Recording(new_sid("RE"), self.account_sid, self.call.sid, duration, recording.audio)
        self.store.add_recording(rec)
        self.outcome.recordings.append(rec.sid)
        how = (
            f"ended with {recording.end_key}"
            if recording.end_key
            else ("the caller hung up" if recording.hangup else f"{timeout} s of silence")
        )
        self.emit("record", f"records {duration} s of audio ({how}): {rec.sid}")
        self.clock += seconds + (0 if recording.end_key or recording.hangup else timeout)
        params = {
            "RecordingUrl": self.recording_url(rec),
            "RecordingDuration": str(duration),
            "RecordingSid": rec.sid,
        }
        if recording.end_key:
            params["Digits"] = recording.end_key
        elif recording.hangup:
            params["Digits"] = "hangup"
        if status_url and "completed" in status_events.split():
            self.deferred.append(
                _Fetch(
                    urljoin(url, status_url),
                    status_method,
                    self._recording_params(rec, duration, "completed"),
                    kind="recording-status",
                )
            )
        if recording.hangup:
            self.callback(_Fetch(action, method, params, kind="action-after-hangup"))
            return _End("caller", "the caller hung up while recording")
        return _Fetch(action, method, params, kind="action")

    def recording_url(self, rec: Recording) -> str:
        return f"{self.media_base}/2010-04-01/Accounts/{self.account_sid}/Recordings/{rec.sid}"

    def _recording_params(
        self, rec: Recording | None, duration: int, status: str
    ) -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "CallSid": self.call.sid,
            "RecordingStatus": status,
            "RecordingSource": "RecordVerb",
            "RecordingChannels": "1",
            "RecordingStartTime": format_datetime(datetime.now(UTC), usegmt=True),
        }
        if rec is not None:
            params.update(
                RecordingSid=rec.sid,
                RecordingUrl=self.recording_url(rec),
                RecordingDuration=str(duration),
            )
        return params

    def verb_enqueue(
        self, verb: Verb, a: Attributes, url: str, in_queue: bool
    ) -> _Fetch | _End | None:
        # https://www.twilio.com/docs/voice/twiml/enqueue
        name = verb.text
        if not name:
            self.warn(14204, "<Enqueue> has no queue name", url)
            return None
        if len(name) > 64:
            self.warn(14205, f"queue name of {len(name)} characters (64 at most)", url)
            return None
        action = urljoin(url, verb.attrs["action"]) if verb.attrs.get("action") else None
        method = a.method("method", 14201)
        wait_url = urljoin(url, verb.attrs["waitUrl"]) if verb.attrs.get("waitUrl") else None
        wait_method = a.method("waitUrlMethod", 14206)
        queue = self.store.queue(name, self.account_sid)
        assert queue is not None
        self.outcome.queue = name
        started = self.clock
        member = self.store.join(queue, self.call.sid, self.clock)
        redirect: _Fetch | None = None
        ended_by = "caller"
        if member is None:
            result = "queue-full"
            self.emit("queue", f"queue {name} is full ({queue.max_size})")
        else:
            self.emit(
                "queue", f"waits in queue {name} (position {queue.members.index(member) + 1})"
            )
            try:
                result, redirect, ended_by = self._wait(queue, member, wait_url, wait_method)
            finally:
                self.store.leave(queue, member, self.clock - started)
        waited = int(round(self.clock - started))
        self.call.queue_time = waited
        self.outcome.queue_result = result
        self.emit("queue", f"leaves queue {name} after {waited} s: {result}")
        if redirect is not None:
            return redirect
        params = {"QueueResult": result, "QueueSid": queue.sid, "QueueTime": str(waited)}
        if result in ("hangup", "bridged"):
            if action:
                self.callback(_Fetch(action, method, params, kind="action-after-hangup"))
            reason = {
                "hangup": "hung up while waiting in the queue",
                "bridged": "talked to an agent, then the call ended",
            }[result]
            return _End(ended_by if result == "hangup" else "service", reason)
        if action:
            return _Fetch(action, method, params, kind="action")
        return None

    def _wait(
        self, queue: Queue, member: Any, wait_url: str | None, wait_method: str
    ) -> tuple[str, _Fetch | None, str]:
        started, first = self.clock, True
        while True:
            self._check_control()
            if member.taken is not None:
                if member.taken[0] == "bridged":
                    self.emit("dial", f"an agent answers ({member.taken[1]})")
                    self.clock += TALK_SECONDS
                    return "bridged", None, "service"
                return "redirected", _Fetch(member.taken[1], member.taken[2], kind="redirect"), ""
            waited = self.clock - started
            position = queue.members.index(member) + 1 if member in queue.members else 1
            if not self.caller.keep_waiting(queue.friendly_name, position, waited):
                self.emit("hangup", "the caller hangs up in the queue")
                return "hangup", None, "caller"
            before = self.clock
            if wait_url is None:
                if first:
                    self.emit("play", "hold music (Twilio's default classical playlist)")
                self.clock += HOLD_MUSIC_SECONDS
            else:
                params = {
                    "QueuePosition": str(position),
                    "QueueSid": queue.sid,
                    "QueueTime": str(int(waited)),
                    "AvgQueueTime": str(queue.average_wait()),
                    "CurrentQueueSize": str(len(queue.members)),
                    "MaxQueueSize": str(queue.max_size),
                }
                step: Any = _Fetch(wait_url, wait_method, params, kind="wait")
                while isinstance(step, _Fetch) and step.kind in ("wait", "gather"):
                    try:
                        document = self.fetch(step)
                        verbs, warnings = parse(document, step.url)
                    except TwimlError as exc:
                        self.notify(exc.notification)
                        return "error", None, "service"
                    for warning in warnings:
                        self.notify(warning)
                    step = self.run_verbs(verbs, step.url, in_queue=True)
                if isinstance(step, _Leave):
                    return "leave", None, ""
                if isinstance(step, _End):
                    return "hangup", None, step.ended_by
                if isinstance(step, _Fetch):
                    return "redirected", step, ""
            if self.clock == before:
                self.clock += 1.0
            first = False

    def verb_leave(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _Leave | None:
        if in_queue:
            return _Leave()
        self.emit("note", "<Leave> outside a queue: nothing to leave")
        return None

    def verb_dial(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _Fetch | None:
        # https://www.twilio.com/docs/voice/twiml/dial
        action = urljoin(url, verb.attrs["action"]) if verb.attrs.get("action") else None
        method = a.method("method", 13210)
        timeout = a.integer("timeout", 13212, 30)
        targets: list[Verb] = list(verb.children)
        if verb.text:
            targets.insert(0, Verb("Number", {}, verb.text))
        if not targets:
            self.warn(12200, "<Dial> has nothing to dial", url)
        results = [self._dial_one(target, timeout, url) for target in targets]
        answered = next((r for r in results if r[0] == "completed"), None)
        status, sid, extra = answered or (results[0] if results else ("failed", None, {}))
        params = {"DialCallStatus": status, **extra}
        if sid:
            params["DialCallSid"] = sid
        if status == "completed":
            params["DialCallDuration"] = str(int(TALK_SECONDS))
            self.clock += TALK_SECONDS
        self.emit("dial", f"dial ends: {status}")
        if action:
            return _Fetch(action, method, params, kind="action")
        return None

    def _dial_one(
        self, target: Verb, timeout: int, url: str
    ) -> tuple[str, str | None, dict[str, str]]:
        name = target.name
        if name == "Number":
            number = target.text
            self.emit("dial", f"dials {number}")
            try:
                valid = number.startswith("+") and phonenumbers.is_valid_number(
                    phonenumbers.parse(number, None)
                )
            except phonenumbers.NumberParseException:
                valid = False
            if not valid:
                self.warn(13223, f"{number!r} is not an E.164 phone number", url)
                return "failed", None, {}
            fate = self.fates.fate(number)
            if fate in ("answer", "machine"):
                return "completed", new_sid("CA"), {}
            if fate == "no-answer":
                self.clock += timeout
            return fate, new_sid("CA"), {}
        if name == "Client":
            identity = target.text or next((c.text for c in target.children if c.text), "")
            self.emit("dial", f"rings client:{identity}")
            return "completed", new_sid("CA"), {}
        if name == "Queue":
            self.emit("dial", f"dials queue {target.text}")
            queue = self.store.queue(target.text, self.account_sid, create=False)
            if queue is None:
                self.emit("note", f"queue {target.text} does not exist")
                return "failed", None, {}
            member = self.store.take_front(queue, ("bridged", self.call.sid))
            if member is None:
                self.clock += timeout
                return "no-answer", None, {"QueueSid": queue.sid}
            return "completed", member.call_sid, {"QueueSid": queue.sid}
        self.warn(12200, f"<Dial><{name}> is not emulated", url)
        return "failed", None, {}

    def verb_redirect(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _Fetch | None:
        method = a.method("method", 13710)
        if not verb.text:
            self.warn(12200, "<Redirect> has no URL", url)
            return None
        target = urljoin(url, verb.text)
        self.emit("redirect", target)
        return _Fetch(target, method, kind="redirect")

    def verb_hangup(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _End:
        return _End("service", "<Hangup>")

    def verb_reject(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _End:
        reason = a.text("reason", "rejected")
        if reason not in ("rejected", "busy"):
            self.warn(13810, f"reason={reason!r} must be rejected or busy", url)
            reason = "rejected"
        self.emit("reject", f"the call is rejected ({reason})")
        return _End(
            "rejected", f"<Reject reason={reason}>", "busy" if reason == "busy" else "no-answer"
        )

    def verb_sms(self, verb: Verb, a: Attributes, url: str, in_queue: bool) -> _Fetch | None:
        inbound = self.call.direction == "inbound"
        caller, line = (
            (self.call.from_, self.call.to) if inbound else (self.call.to, self.call.from_)
        )
        to = a.text("to", caller)
        body = verb.text or next((c.text for c in verb.children if c.name == "Body"), "")
        method = a.method("method", 14104)
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(to, None))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            self.warn(14101, f"to={to!r} is not a valid phone number", url)
            return None
        message = Message(new_sid("SM"), self.account_sid, to, a.text("from", line), body, "sent")
        self.store.add_message(message)
        self.outcome.messages.append(message.sid)
        self.emit("sms", f"SMS to {to}: {body}")
        if verb.attrs.get("action"):
            params = {"SmsSid": message.sid, "SmsStatus": "sent"}
            return _Fetch(urljoin(url, verb.attrs["action"]), method, params, kind="action")
        return None

    verb_message = verb_sms
