"""The telephony provider: always the real twilio REST client.

Without Twilio credentials the client is pointed at the local emulator through a custom
`HttpClient` that only swaps the host of each request; the code path is the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from .settings import Settings

log = logging.getLogger(__name__)

# Twilio error codes that mean the number itself can't be called: retrying is pointless.
# https://www.twilio.com/docs/api/errors (21211 invalid 'To', 21214 not reachable,
# 21215/21216 geo permissions or blocked, 21217 invalid number, 13224/13225 invalid or blocked)
REJECTED_NUMBER_CODES = frozenset({21211, 21214, 21215, 21216, 21217, 13224, 13225, 21610})


class ProviderError(Exception):
    """The provider did not place the call or message."""


class ProviderRejected(ProviderError):
    """The provider refused the request for good (for example an invalid number)."""


class ProviderUnavailable(ProviderError):
    """The request was not accepted (throttled, provider down, no connection): safe to retry."""


class ProviderTimeout(ProviderError):
    """The request went out but no answer came back: the call may or may not exist."""


# How long a REST request may take before the client gives up (the reconciler's grace period
# must exceed it; see irisline.settings).
REQUEST_TIMEOUT = 10.0

# Twilio CallStatus values after which a call will not change any more.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@dataclass(frozen=True)
class CallInfo:
    """What the provider says about one call."""

    sid: str
    to: str
    from_: str
    status: str
    answered_by: str | None
    start_time: datetime | None
    date_created: datetime | None
    parent_call_sid: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_CALL_STATUSES


class EmulatorHttpClient(TwilioHttpClient):
    """Sends every twilio request to the emulator's base URL instead of *.twilio.com."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url.rstrip("/"))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, "")
        )
        return super().request(method, rewritten, *args, **kwargs)


def make_client(settings: Settings, timeout: float = REQUEST_TIMEOUT) -> Client:
    if settings.uses_emulator:
        return Client(
            settings.account_sid,
            settings.auth_token,
            http_client=EmulatorHttpClient(settings.IRISLINE_EMULATOR_URL, timeout=timeout),
        )
    return Client(
        settings.account_sid, settings.auth_token, http_client=TwilioHttpClient(timeout=timeout)
    )


def public_url(settings: Settings, path: str, **query: str) -> str:
    base = settings.PUBLIC_BASE_URL or "http://127.0.0.1:5000"
    url = base.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


class TwilioProvider:
    """What the domain asks of telephony, done with the twilio client."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)

    def place_callback_call(
        self,
        *,
        to: str,
        reference: str,
        attempt_key: str,
        mode: str = "customer-first",
        service: str = "general",
    ) -> str:
        """Place the call of one attempt; returns the call SID.

        customer-first: the citizen is dialled with answering-machine detection; our answer
        webhook hears `AnsweredBy`. agent-first: the service's agent target is rung; its answer
        webhook whispers the ticket and bridges to the citizen with the regional number as
        caller ID. The attempt key rides in every webhook URL, so status callbacks settle the
        attempt even when the worker died before it could store the SID.
        """
        s = self.settings
        events = ["initiated", "ringing", "answered", "completed"]
        if mode == "agent-first":
            return self._call(
                lambda: (
                    self.client.calls.create(
                        to=s.agent_target(service),
                        from_=s.TWILIO_PHONE_NUMBER,
                        url=public_url(s, "/voice/callback/agent", attempt=attempt_key),
                        method="POST",
                        status_callback=public_url(
                            s, "/voice/status", attempt=attempt_key, leg="agent"
                        ),
                        status_callback_method="POST",
                        status_callback_event=events,
                    ).sid
                )
            )
        return self._call(
            lambda: (
                self.client.calls.create(
                    to=to,
                    from_=s.TWILIO_PHONE_NUMBER,
                    url=public_url(
                        s, "/voice/callback/answer", ticket=reference, attempt=attempt_key
                    ),
                    method="POST",
                    machine_detection="Enable",
                    status_callback=public_url(s, "/voice/status", attempt=attempt_key),
                    status_callback_method="POST",
                    status_callback_event=events,
                ).sid
            )
        )

    def find_calls(self, *, to: str, since: datetime) -> list[CallInfo]:
        """Calls to `to` made since `since`: those that started since then (Twilio's
        StartTime filter), plus the latest ones created since then whatever their start time
        (a call still queued, or canceled or failed before it was dialled, has none)."""

        def listing() -> list[CallInfo]:
            started = self.client.calls.list(to=to, start_time_after=since, limit=200)
            latest = self.client.calls.list(to=to, limit=50)
            seen: dict[str, CallInfo] = {}
            for call in [*started, *latest]:
                info = _call_info(call)
                if info.date_created is not None and info.date_created < since:
                    continue
                seen.setdefault(info.sid, info)
            return list(seen.values())

        return self._request(listing)

    def fetch_call(self, sid: str) -> CallInfo | None:
        """The call `sid`, or None when the provider has no such call."""

        def fetch() -> CallInfo | None:
            try:
                return _call_info(self.client.calls(sid).fetch())
            except TwilioRestException as exc:
                if exc.status == 404:
                    return None
                raise

        return self._request(fetch)

    def send_sms(self, *, to: str, body: str) -> str:
        s = self.settings
        return self._call(
            lambda: self.client.messages.create(to=to, from_=s.TWILIO_PHONE_NUMBER, body=body).sid
        )

    @classmethod
    def _call(cls, request: Any) -> str:
        return str(cls._request(request))

    @staticmethod
    def _request(request: Any) -> Any:
        """Run one REST request, turning failures into ProviderError subclasses."""
        try:
            return request()
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise ProviderUnavailable(f"provider answered {exc.status}: {exc.msg}") from exc
            if exc.code in REJECTED_NUMBER_CODES or exc.status in (400, 404):
                raise ProviderRejected(
                    f"provider rejected the request ({exc.code}): {exc.msg}"
                ) from exc
            raise ProviderUnavailable(f"provider answered {exc.status}: {exc.msg}") from exc
        except requests.ConnectTimeout as exc:
            raise ProviderUnavailable(f"provider unreachable: {exc}") from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise ProviderUnavailable(f"provider unreachable: {exc}") from exc
            # The connection broke after the request may have been sent.
            raise ProviderTimeout(f"connection lost: {exc}") from exc
        except requests.Timeout as exc:
            raise ProviderTimeout(str(exc)) from exc


def _call_info(call: Any) -> CallInfo:
    return CallInfo(
        sid=str(call.sid),
        to=str(call.to or ""),
        from_=str(getattr(call, "_from", None) or ""),
        status=str(call.status),
        answered_by=call.answered_by,
        start_time=call.start_time,
        date_created=call.date_created,
        parent_call_sid=call.parent_call_sid,
    )


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the TCP connection was never made, so nothing can have been sent."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, NewConnectionError | ConnectionRefusedError):
            return True
        reason = getattr(cause, "reason", None)
        cause = (
            reason if isinstance(reason, BaseException) else cause.__cause__ or cause.__context__
        )
    return False
