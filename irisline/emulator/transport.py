"""How the emulator reaches the app: one interface, over HTTP or in-process.

Webhooks are signed exactly as Twilio signs them
(https://www.twilio.com/docs/usage/security#validating-requests): HMAC-SHA1 of the full URL
followed by the POST parameters sorted by name; for GET the parameters are in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import requests
from twilio.request_validator import RequestValidator


@dataclass(frozen=True)
class WebResponse:
    status: int
    content_type: str
    text: str


class TransportError(Exception):
    """The request did not get an HTTP answer (connection refused, timeout, bad host)."""


class Transport(Protocol):
    def request(
        self, method: str, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> WebResponse: ...


def with_query(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


class Signer:
    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)

    def sign(self, method: str, url: str, params: dict[str, str]) -> str:
        if method == "GET":
            return str(self.validator.compute_signature(with_query(url, params), {}))
        return str(self.validator.compute_signature(url, params))


class HttpTransport:
    """Real HTTP, with a session that keeps connections alive."""

    def __init__(self, timeout: float = 15.0, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()
        self.timeout = timeout

    def request(
        self, method: str, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> WebResponse:
        try:
            if method == "GET":
                response = self.session.get(
                    with_query(url, params), headers=headers, timeout=self.timeout
                )
            else:
                response = self.session.post(
                    url, data=params, headers=headers, timeout=self.timeout
                )
        except requests.RequestException as exc:
            raise TransportError(_reason(exc)) from exc
        content_type = response.headers.get("Content-Type", "")
        return WebResponse(response.status_code, content_type, response.text)

    def close(self) -> None:
        self.session.close()


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectionError):
        return "connection failed (is the service running at that address?)"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    return type(exc).__name__


class FlaskTransport:
    """In-process, through the app's test client: no port, same requests."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self, method: str, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> WebResponse:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "http://localhost"
        path = parts.path or "/"
        client = self.app.test_client()
        if method == "GET":
            response = client.get(
                path, base_url=base, query_string=_query(parts.query, params), headers=headers
            )
        else:
            response = client.post(
                path, base_url=base, query_string=parts.query, data=params, headers=headers
            )
        return WebResponse(
            response.status_code, response.headers.get("Content-Type", ""), response.get_data(True)
        )


def _query(query: str, params: dict[str, str]) -> str:
    extra = urlencode(params)
    return "&".join(part for part in (query, extra) if part)
