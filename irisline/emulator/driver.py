"""Plays Twilio's part in an outbound call: the number's fate decides whether it rings,
is busy, goes unanswered, fails or is picked up (by a person or a machine); the status
callbacks follow Twilio's order and fields; an answered call runs the app's TwiML through the
interpreter.

Twilio: https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from irisline.settings import Settings

from .callers import Callee
from .fates import Fates
from .interpreter import CallSession, Outcome, _Fetch
from .store import Call, Store
from .transport import HttpTransport, Transport

log = logging.getLogger(__name__)


class Driver:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        transport: Transport | None = None,
        fates: Fates | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.transport = transport or HttpTransport(timeout)
        self.fates = fates or Fates()

    def session(self, call: Call, listener: Any = None) -> CallSession:
        fate = self.fates.fate(call.to)
        return CallSession(
            self.transport,
            self.settings.auth_token,
            Callee(machine=fate == "machine"),
            store=self.store,
            account_sid=call.account_sid,
            from_=call.from_,
            to=call.to,
            direction=call.direction,
            call=call,
            media_base=self.settings.IRISLINE_EMULATOR_URL,
            fates=self.fates,
            listener=listener,
        )

    def set_status(self, call: Call, status: str) -> None:
        call.status = status
        call.updated = datetime.now(UTC)
        self.store.log("call.status", sid=call.sid, status=status)

    def status_callback(self, session: CallSession, event: str, **extra: str) -> None:
        call = session.call
        if not call.status_callback or event not in call.status_callback_events:
            return
        params = {
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(call.sequence),
            "Timestamp": format_datetime(datetime.now(UTC), usegmt=True),
            **extra,
        }
        call.sequence += 1
        session.callback(
            _Fetch(call.status_callback, call.status_callback_method, params, kind="status")
        )

    def run_outbound(self, call: Call) -> Outcome | None:
        """Ring, then answer (or not) as the number's fate says, play the TwiML, hang up."""
        return self.run_outbound_with(call, None)

    def run_outbound_with(self, call: Call, listener: Any) -> Outcome | None:
        session = self.session(call, listener)
        fate = self.fates.fate(call.to)
        outcome = None
        final = "completed"
        try:
            # Twilio's start_time: when the call was dialled (empty while queued).
            call.start_time = datetime.now(UTC)
            self.set_status(call, "initiated")
            self.status_callback(session, "initiated")
            if call.pending and call.pending[0] == "hangup":
                final = "canceled"
                return None
            if fate in ("busy", "failed"):
                final = fate
                return None
            self.set_status(call, "ringing")
            self.status_callback(session, "ringing")
            if fate == "no-answer" or (call.pending and call.pending[0] == "hangup"):
                final = "no-answer" if fate == "no-answer" else "canceled"
                return None
            if call.machine_detection:
                call.answered_by = "machine_start" if fate == "machine" else "human"
            self.set_status(call, "in-progress")
            self.status_callback(session, "answered")
            if call.url or call.twiml:
                outcome = session.run(call.url, call.method, twiml=call.twiml)
                for text in outcome.heard():
                    log.info("emulator call %s to %s hears: %s", call.sid, call.to, text)
            return outcome
        except Exception:  # the emulator must never leave a call hanging
            log.exception("emulated call %s failed", call.sid)
            return outcome
        finally:
            call.end_time = datetime.now(UTC)
            duration = int(round(session.clock)) if final == "completed" else 0
            call.duration = duration
            self.set_status(call, final)
            extra = {"CallDuration": str(duration)} if final == "completed" else {}
            self.status_callback(session, "completed", **extra)


def said(twiml: str) -> list[str]:
    """The texts of the <Say> verbs of a TwiML document, in order."""
    root: Any = ET.fromstring(twiml)
    return [(el.text or "").strip() for el in root.iter("Say")]
