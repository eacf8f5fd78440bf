"""Fetching a recording from the telephony provider (Twilio or the local emulator).

Retries only what may heal by itself (timeouts, dropped connections, 429 and 5xx), with
exponential backoff; a 404, a 401/403 or an empty body fails at once with a typed error, so the
job can say *why* the voicemail needs a human. The session is injectable: production passes the
provider's authenticated ``requests.Session``, tests a plain one.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

import requests

from .errors import (
    EmptyRecording,
    FetchError,
    RecordingAccessDenied,
    RecordingFetchTimeout,
    RecordingNotFound,
    RecordingTooLarge,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds, per attempt
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 0.5
MAX_BACKOFF = 30.0
MAX_RECORDING_BYTES = 200 * 1024 * 1024
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpSession(Protocol):
    """What we use of ``requests.Session``."""

    def get(self, url: str, *, auth: Any = ..., timeout: Any = ..., stream: Any = ...) -> Any: ...


def fetch_recording(
    url: str,
    auth: tuple[str, str] | None,
    *,
    session: HttpSession | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_RECORDING_BYTES,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """Return the recording's bytes, or raise a :class:`~transcription.errors.FetchError`.

    ``auth`` is ``(account_sid, auth_token)`` for HTTP basic auth. ``sleep`` is injectable so
    that tests don't wait out the backoff.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if session is None:
        with requests.Session() as own:
            return fetch_recording(
                url,
                auth,
                session=own,
                attempts=attempts,
                backoff=backoff,
                timeout=timeout,
                max_bytes=max_bytes,
                sleep=sleep,
            )
    http: HttpSession = session
    last: FetchError | None = None
    for attempt in range(1, attempts + 1):
        try:
            return _fetch_once(http, url, auth, timeout, max_bytes)
        except _Retry as retry:
            last = retry.error
            if attempt == attempts:
                break
            delay = retry.after if retry.after is not None else _backoff(backoff, attempt)
            log.warning(
                "recording fetch attempt %d/%d failed (%s); retrying in %.2fs",
                attempt,
                attempts,
                retry.error.reason,
                delay,
            )
            sleep(delay)
    assert last is not None
    raise last


class _Retry(Exception):
    def __init__(self, error: FetchError, after: float | None = None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.after = after


def _backoff(base: float, attempt: int) -> float:
    # Full jitter keeps a fleet of workers from retrying in lockstep against the provider.
    ceiling = min(MAX_BACKOFF, base * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _fetch_once(
    http: HttpSession,
    url: str,
    auth: tuple[str, str] | None,
    timeout: float | tuple[float, float],
    max_bytes: int,
) -> bytes:
    try:
        response = http.get(url, auth=auth, timeout=timeout, stream=True)
    except requests.Timeout as exc:
        raise _Retry(RecordingFetchTimeout(f"the provider did not answer in time ({url})")) from exc
    except requests.ConnectionError as exc:
        raise _Retry(FetchError(f"could not connect to the provider ({url})")) from exc
    try:
        return _read_body(response, url, max_bytes)
    finally:
        response.close()


def _read_body(response: Any, url: str, max_bytes: int) -> bytes:
    status = int(response.status_code)
    if status == 404:
        raise RecordingNotFound(f"the provider has no recording at {url} (404)")
    if status in (401, 403):
        raise RecordingAccessDenied(f"the provider refused our credentials for {url} ({status})")
    if status in _RETRYABLE_STATUS:
        error = FetchError(f"the provider answered {status} for {url}")
        raise _Retry(error, after=_retry_after(response.headers.get("Retry-After")))
    if not 200 <= status < 300:
        raise FetchError(f"the provider answered {status} for {url}")
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RecordingTooLarge(f"the recording at {url} is {declared} bytes, over the limit")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise RecordingTooLarge(f"the recording at {url} is over {max_bytes} bytes")
            chunks.append(chunk)
    except requests.RequestException as exc:
        # requests reports a stalled body as a ConnectionError wrapping urllib3's timeout.
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
            raise _Retry(RecordingFetchTimeout(f"the download of {url} stalled")) from exc
        # A body cut short (server closed mid-transfer) is worth another try.
        raise _Retry(FetchError(f"the download of {url} was interrupted")) from exc
    body = b"".join(chunks)
    if not body:
        raise EmptyRecording(f"the provider returned an empty recording for {url}")
    return body


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return min(MAX_BACKOFF, max(0.0, float(value)))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
