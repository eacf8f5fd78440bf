"""Plays Twilio's part in an outbound call: fetches our TwiML and sends signed status
callbacks with Twilio's parameter names, in Twilio's order."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import requests
from twilio.request_validator import RequestValidator

from irisline.settings import Settings

from .store import Call, Store

log = logging.getLogger(__name__)


class Driver:
    def __init__(self, settings: Settings, store: Store, *, timeout: float = 10.0) -> None:
        self.settings = settings
        self.store = store
        self.validator = RequestValidator(settings.auth_token)
        self.http = requests.Session()
        self.timeout = timeout

    def post(self, url: str, params: dict[str, str]) -> requests.Response:
        """POST `params` to `url`, signed the way Twilio signs webhooks."""
        signature = self.validator.compute_signature(url, params)
        return self.http.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=self.timeout
        )

    def call_params(self, call: Call, **extra: str) -> dict[str, str]:
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "From": call.from_,
            "To": call.to,
            "CallStatus": call.status,
            "Direction": call.direction,
            "ApiVersion": "2010-04-01",
        }
        params.update(extra)
        return params

    def status_callback(self, call: Call, event: str, **extra: str) -> None:
        if not call.status_callback or event not in call.status_callback_events:
            return
        params = self.call_params(call, CallbackSource="call-progress-events", **extra)
        params["Timestamp"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        try:
            self.post(call.status_callback, params)
        except requests.RequestException as exc:
            log.warning("status callback for %s failed: %s", call.sid, exc)

    def set_status(self, call: Call, status: str) -> None:
        call.status = status
        call.updated = datetime.now(UTC)
        self.store.log("call.status", sid=call.sid, status=status)

    def run_outbound(self, call: Call) -> None:
        """Ring, answer, play the TwiML from the call's Url, then hang up."""
        try:
            # Twilio's start_time: when the call was dialled (empty while queued).
            call.start_time = datetime.now(UTC)
            self.set_status(call, "initiated")
            self.status_callback(call, "initiated")
            self.set_status(call, "ringing")
            self.status_callback(call, "ringing")
            self.set_status(call, "in-progress")
            call.answered_by = "human"
            self.status_callback(call, "answered")
            if call.url:
                self.play(call)
        except Exception:  # the emulator must never leave a call hanging
            log.exception("emulated call %s failed", call.sid)
        finally:
            end = datetime.now(UTC)
            call.end_time = end
            call.duration = max(1, int((end - (call.start_time or end)).total_seconds()))
            self.set_status(call, "completed")
            self.status_callback(
                call, "completed", CallDuration=str(call.duration), Duration=str(call.duration)
            )

    def play(self, call: Call) -> None:
        assert call.url is not None
        response = self.post(call.url, self.call_params(call))
        if response.status_code != 200:
            self.store.log("call.error", sid=call.sid, http_status=response.status_code)
            return
        for text in said(response.text):
            call.heard.append(text)
            self.store.log("call.heard", sid=call.sid, text=text)
            log.info("emulator call %s to %s hears: %s", call.sid, call.to, text)


def said(twiml: str) -> list[str]:
    """The texts of the <Say> verbs of a TwiML document, in order."""
    root: Any = ET.fromstring(twiml)
    return [(el.text or "").strip() for el in root.iter("Say")]
