from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from transcription.errors import (
    EmptyRecording,
    FetchError,
    RecordingAccessDenied,
    RecordingFetchTimeout,
    RecordingNotFound,
    RecordingTooLarge,
)
from transcription.fetch import fetch_recording

AUTH = ("AC0123456789abcdef0123456789abcdef", "secret-token")
RECORDING = b"RIFF" + bytes(range(256)) * 40


class Provider(ThreadingHTTPServer):
    """A tiny stand-in for the provider's recording endpoint, scripted per path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: dict[str, int] = {}
        self.auth_seen: list[str | None] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Provider

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
        pass

    def do_GET(self) -> None:
        hits = self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        self.server.auth_seen.append(self.headers.get("Authorization"))
        expected = "Basic " + base64.b64encode(":".join(AUTH).encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._send(401, b"unauthorised")
        if self.path == "/ok":
            return self._send(200, RECORDING)
        if self.path == "/missing":
            return self._send(404, b"not found")
        if self.path == "/forbidden":
            return self._send(403, b"no")
        if self.path == "/empty":
            return self._send(200, b"")
        if self.path == "/flaky":  # two 503s, then the recording
            return self._send(503, b"busy") if hits <= 2 else self._send(200, RECORDING)
        if self.path == "/always-503":
            return self._send(503, b"busy")
        if self.path == "/throttled":
            if hits == 1:
                return self._send(429, b"slow down", {"Retry-After": "7"})
            return self._send(200, RECORDING)
        if self.path == "/slow":
            time.sleep(1.0)
            return self._send(200, RECORDING)
        if self.path == "/stalls":  # headers at once, then the body never comes
            self.send_response(200)
            self.send_header("Content-Length", str(len(RECORDING)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(1.0)
            return None
        if self.path == "/cut":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(RECORDING)))
            self.end_headers()
            self.wfile.write(RECORDING[:100])
            self.close_connection = True
            return None
        if self.path == "/huge":
            return self._send(200, RECORDING)
        return self._send(500, b"unscripted")

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_fetches_the_recording_with_basic_auth(provider: Provider) -> None:
    assert fetch_recording(f"{provider.base}/ok", AUTH, sleep=Sleeps()) == RECORDING
    assert provider.auth_seen[0] is not None and provider.auth_seen[0].startswith("Basic ")


class SpySession:
    """A session-like object that is not a requests.Session, to prove the seam is generic."""

    def __init__(self) -> None:
        self.inner = requests.Session()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get(self, url: str, **kwargs: Any) -> Any:
        self.calls.append((url, kwargs))
        return self.inner.get(url, **kwargs)


def test_uses_the_injected_session(provider: Provider) -> None:
    session = SpySession()
    assert fetch_recording(f"{provider.base}/ok", AUTH, session=session) == RECORDING
    ((url, kwargs),) = session.calls
    assert url == f"{provider.base}/ok"
    assert kwargs["auth"] == AUTH and kwargs["stream"] is True


def test_wrong_credentials_fail_at_once(provider: Provider) -> None:
    sleeps = Sleeps()
    with pytest.raises(RecordingAccessDenied, match="401"):
        fetch_recording(f"{provider.base}/ok", ("AC0", "wrong"), sleep=sleeps)
    with pytest.raises(RecordingAccessDenied, match="403"):
        fetch_recording(f"{provider.base}/forbidden", AUTH, sleep=sleeps)
    assert sleeps == []
    assert provider.hits == {"/ok": 1, "/forbidden": 1}


def test_not_found_is_not_retried(provider: Provider) -> None:
    sleeps = Sleeps()
    with pytest.raises(RecordingNotFound) as caught:
        fetch_recording(f"{provider.base}/missing", AUTH, sleep=sleeps)
    assert "404" in caught.value.reason
    assert caught.value.code == "recording_not_found"
    assert provider.hits["/missing"] == 1
    assert sleeps == []


def test_an_empty_body_is_its_own_failure(provider: Provider) -> None:
    with pytest.raises(EmptyRecording, match="empty recording"):
        fetch_recording(f"{provider.base}/empty", AUTH, sleep=Sleeps())


def test_server_errors_are_retried_with_growing_backoff(provider: Provider) -> None:
    sleeps = Sleeps()
    body = fetch_recording(f"{provider.base}/flaky", AUTH, attempts=4, backoff=1.0, sleep=sleeps)
    assert body == RECORDING
    assert provider.hits["/flaky"] == 3
    assert len(sleeps) == 2
    # Jittered within [ceiling/2, ceiling] for ceilings 1 s then 2 s.
    assert 0.5 <= sleeps[0] <= 1.0
    assert 1.0 <= sleeps[1] <= 2.0


def test_gives_up_after_the_last_attempt(provider: Provider) -> None:
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="503") as caught:
        fetch_recording(f"{provider.base}/always-503", AUTH, attempts=3, sleep=sleeps)
    assert type(caught.value) is FetchError
    assert provider.hits["/always-503"] == 3
    assert len(sleeps) == 2


def test_retry_after_is_honoured(provider: Provider) -> None:
    sleeps = Sleeps()
    assert fetch_recording(f"{provider.base}/throttled", AUTH, sleep=sleeps) == RECORDING
    assert sleeps == [7.0]


def test_a_provider_that_does_not_answer_times_out(provider: Provider) -> None:
    sleeps = Sleeps()
    with pytest.raises(RecordingFetchTimeout, match="did not answer in time"):
        fetch_recording(f"{provider.base}/slow", AUTH, attempts=2, timeout=0.2, sleep=sleeps)
    assert provider.hits["/slow"] == 2
    assert len(sleeps) == 1


def test_a_body_that_stalls_times_out(provider: Provider) -> None:
    with pytest.raises(RecordingFetchTimeout, match="stalled"):
        fetch_recording(f"{provider.base}/stalls", AUTH, attempts=1, timeout=0.2)


def test_a_body_cut_short_is_retried_then_reported(provider: Provider) -> None:
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="interrupted"):
        fetch_recording(f"{provider.base}/cut", AUTH, attempts=2, sleep=sleeps)
    assert provider.hits["/cut"] == 2


def test_refuses_a_recording_over_the_size_limit(provider: Provider) -> None:
    with pytest.raises(RecordingTooLarge):
        fetch_recording(f"{provider.base}/huge", AUTH, max_bytes=1000, sleep=Sleeps())


def test_a_closed_port_is_a_connection_failure() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    server.server_close()
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="could not connect"):
        fetch_recording(f"http://127.0.0.1:{port}/ok", AUTH, attempts=2, sleep=sleeps)
    assert len(sleeps) == 1
