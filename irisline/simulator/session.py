"""Where a simulated call goes: the app in this process (on the configured database), or a
running service at a URL. Either way the same interpreter plays Twilio."""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from irisline.emulator import Store, create_emulator_app
from irisline.emulator.callers import Caller
from irisline.emulator.driver import Driver
from irisline.emulator.fates import Fates
from irisline.emulator.interpreter import CallSession, Event, Outcome
from irisline.emulator.transport import FlaskTransport, HttpTransport, Transport
from irisline.settings import Settings

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"(?<!\d)(?<!\d )(\d(?: \d){7})(?! \d)(?!\d)")


class SimulatorError(Exception):
    """Something that stops the simulator, said in one line."""


@dataclass
class CallReport:
    outcome: Outcome
    ticket: str | None = None
    ticket_status: str | None = None
    callback: Outcome | None = None
    callback_note: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Where the call ended, in one line."""
        out = self.outcome
        if out.error is not None:
            return f"application error {out.error.code} ({out.error.message}): {out.error.detail}"
        parts = []
        if self.ticket:
            parts.append(f"call-back ticket {self.ticket}" + _status(self.ticket_status))
        if out.recordings:
            parts.append(f"voicemail recorded ({', '.join(out.recordings)})")
        if out.queue:
            parts.append(f"queue {out.queue} ({out.queue_result})")
        if out.messages:
            parts.append(f"{len(out.messages)} SMS sent")
        who = {
            "caller": "the caller hung up",
            "service": "the service hung up",
            "rejected": "the service rejected the call",
            "emulator": "the emulator stopped the call",
        }.get(out.ended_by, out.ended_by)
        parts.append(f"{who} ({out.reason}) after {out.duration:.0f} s, status {out.status}")
        return "; ".join(parts)


def _status(status: str | None) -> str:
    return f" ({status})" if status else ""


def spoken_reference(outcome: Outcome) -> str | None:
    """A ticket reference read out digit by digit, as the IVR does."""
    for text in reversed(outcome.heard()):
        match = REFERENCE.search(text)
        if match:
            return match.group(1).replace(" ", "")
    return None


class FlaskTwilioHttpClient(HttpClient):
    """A twilio HttpClient that calls a Flask app (the emulator) in-process."""

    def __init__(self, app: Any) -> None:
        super().__init__(logger=log, is_async=False, timeout=None)
        self.app = app

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        response = self.app.test_client().open(
            urlsplit(url).path, method=method, query_string=params, data=data, headers=headers
        )
        return Response(response.status_code, response.get_data(as_text=True), response.headers)


class Simulator:
    """Runs simulated calls against the app in this process, or against `url`."""

    def __init__(
        self,
        settings: Settings,
        url: str | None = None,
        *,
        fates: Fates | None = None,
        log_path: str | None = None,
    ) -> None:
        self.settings = settings
        self.url = url
        self.fates = fates or Fates()
        self.store = Store(log_path)
        self.app: Any = None
        self.transport: Transport
        if url is None:
            from ivr import create_app

            self.app = create_app(settings.as_environ())
            self.transport = FlaskTransport(self.app)
            base = settings.PUBLIC_BASE_URL or "http://127.0.0.1:5000"
            self.start_url = base.rstrip("/") + "/voice/incoming"
        else:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SimulatorError(
                    f"--url must be an http(s) URL such as http://127.0.0.1:5000, not {url!r}"
                )
            self.transport = HttpTransport(timeout=15)
            path = parts.path.rstrip("/")
            self.start_url = url.rstrip("/") + "/voice/incoming" if not path else url

    def close(self) -> None:
        if self.app is not None:
            self.app.extensions["irisline.db"].dispose()
            self.app.extensions["irisline.redis"].close()

    def check_reachable(self) -> None:
        if self.url is None:
            return
        parts = urlsplit(self.start_url)
        try:
            requests.get(f"{parts.scheme}://{parts.netloc}/", timeout=5)
        except requests.RequestException:
            raise SimulatorError(
                f"cannot reach the service at {self.url}: is it running (irisline run)?"
            ) from None

    def session(
        self,
        caller: Caller,
        from_: str,
        listener: Callable[[Event], None] | None = None,
        to: str | None = None,
    ) -> CallSession:
        return CallSession(
            self.transport,
            self.settings.auth_token,
            caller,
            store=self.store,
            account_sid=self.settings.account_sid,
            from_=from_,
            to=to or self.settings.TWILIO_PHONE_NUMBER,
            media_base=self.settings.IRISLINE_EMULATOR_URL,
            fates=self.fates,
            listener=listener,
        )

    def call(
        self,
        caller: Caller,
        from_: str,
        listener: Callable[[Event], None] | None = None,
        *,
        callback: bool = True,
        callback_listener: Callable[[Event], None] | None = None,
        wait: float = 15.0,
    ) -> CallReport:
        session = self.session(caller, from_, listener)
        started = time.time()
        outcome = session.run(self.start_url)
        report = CallReport(outcome)
        first = outcome.exchanges[0] if outcome.exchanges else None
        if first is not None and first.status == 403:
            report.notes.append(
                "the service refused the emulator's signature (HTTP 403): run irisline call "
                "with the same SECRET_KEY and PUBLIC_BASE_URL as the service"
            )
        self._find_ticket(report, session.call.sid)
        if report.ticket and callback and outcome.error is None:
            if self.app is not None:
                self._play_callback(report, callback_listener)
            else:
                self._watch_callback(report, from_, started, wait, callback_listener)
        return report

    # --- tickets ----------------------------------------------------------------------

    def _find_ticket(self, report: CallReport, call_sid: str) -> None:
        reference = spoken_reference(report.outcome)
        if self.app is None:
            report.ticket = reference
            return
        from sqlalchemy import select

        from callbacks.models import Ticket

        with self.app.extensions["irisline.db"].session() as session:
            query = select(Ticket).where(Ticket.call_sid == call_sid)
            if reference:
                query = select(Ticket).where(
                    (Ticket.call_sid == call_sid) | (Ticket.reference == reference)
                )
            ticket = session.scalars(query.order_by(Ticket.id.desc())).first()
            if ticket is not None:
                report.ticket, report.ticket_status = ticket.reference, ticket.status
                report.notes.append(f"ticket id {ticket.id}")
                self._ticket_id = ticket.id

    def _play_callback(self, report: CallReport, listener: Callable[[Event], None] | None) -> None:
        """Dial the ticket now through an in-process emulator, and play the call-back."""
        from callbacks import dialling
        from irisline.telephony import TwilioProvider

        settings = self.settings
        emulator = create_emulator_app(
            settings, store=self.store, drive=False, transport=self.transport, fates=self.fates
        )
        client = Client(
            settings.account_sid, settings.auth_token, http_client=FlaskTwilioHttpClient(emulator)
        )
        provider = TwilioProvider(settings, client=client)
        database = self.app.extensions["irisline.db"]
        dialled = dialling.dial(database, self._ticket_id, provider)
        if dialled.call_sid is None:
            report.callback_note = f"call-back not placed: {dialled.skipped}"
            return
        call = self.store.calls[dialled.call_sid]
        driver = Driver(settings, self.store, transport=self.transport, fates=self.fates)
        session_listener = listener
        outcome = driver.run_outbound_with(call, session_listener)
        report.callback = outcome
        report.callback_note = f"call-back {call.sid} to {call.to}: {call.status}"
        from callbacks.tickets import find_by_reference

        with database.session() as session:
            report.ticket_status = find_by_reference(session, report.ticket or "").status

    def _watch_callback(
        self,
        report: CallReport,
        number: str,
        started: float,
        wait: float,
        listener: Callable[[Event], None] | None,
    ) -> None:
        """Against a running service: watch its emulator for the call-back to `number`."""
        base = self.settings.IRISLINE_EMULATOR_URL.rstrip("/")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                state = requests.get(base + "/", timeout=3).json()
            except (requests.RequestException, ValueError):
                report.callback_note = (
                    f"the emulator at {base} does not answer: the worker's log shows the call-back"
                )
                return
            for call in state.get("calls", []):
                final = call["status"] in ("completed", "busy", "no-answer", "failed", "canceled")
                if call["to"] == number and call["direction"] == "outbound-api" and final:
                    if listener is not None:
                        for said in call.get("said", []):
                            listener(Event("say", said["text"], said.get("language")))
                    report.callback_note = f"call-back {call['sid']} to {number}: {call['status']}"
                    return
            time.sleep(0.3)
        report.callback_note = (
            f"no call-back within {wait:.0f} s (is a worker running? see {base}/ "
            "and the emulator log)"
        )
