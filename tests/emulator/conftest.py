"""A scripted stand-in for the app: it serves the TwiML a test gives it and records every
request the emulator makes, so that conformance tests see exactly what Twilio would send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, Response, request

from irisline.emulator import Store
from irisline.emulator.callers import Caller, ScriptedCaller, parse_script
from irisline.emulator.fates import Fates
from irisline.emulator.interpreter import CallSession, Outcome
from irisline.emulator.transport import FlaskTransport

BASE = "http://app.test"
TOKEN = "conformance-token-0123456789abcd"
ACCOUNT = "AC" + "e" * 32
CALLER = "+32470123456"
LINE = "+3228001000"


@dataclass
class Seen:
    method: str
    path: str
    url: str
    params: dict[str, str]
    signature: str


@dataclass
class FakeApp:
    """Routes: path -> TwiML text, or a function of the request's params returning it."""

    routes: dict[str, Any] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    content_type: str = "text/xml"
    store: Store = field(default_factory=Store)

    def __post_init__(self) -> None:
        app = Flask("fake")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def any_route(path: str) -> Response:
            params = dict(request.form if request.method == "POST" else request.args)
            self.seen.append(
                Seen(
                    request.method,
                    "/" + path,
                    request.url,
                    params,
                    request.headers.get("X-Twilio-Signature", ""),
                )
            )
            body = self.routes.get("/" + path)
            if body is None:
                return Response("", status=204)
            if callable(body):
                body = body(params)
            if isinstance(body, Response):
                return body
            return Response(body, mimetype=self.content_type)

        self.app = app

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def call(
        self,
        script: str | None = None,
        *,
        caller: Caller | None = None,
        start: str = "/start",
        fates: Fates | None = None,
        **kwargs: Any,
    ) -> tuple[Outcome, CallSession]:
        session = CallSession(
            FlaskTransport(self.app),
            TOKEN,
            caller or ScriptedCaller(parse_script(script), **kwargs),
            store=self.store,
            account_sid=ACCOUNT,
            from_=CALLER,
            to=LINE,
            media_base="http://emulator.test",
            fates=fates,
        )
        return session.run(BASE + start), session


def doc(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


@pytest.fixture
def fake() -> FakeApp:
    return FakeApp()


@pytest.fixture
def make_fake() -> Callable[[], FakeApp]:
    return FakeApp
