"""The thin slice, end to end: a signed call asks for a call-back, a ticket is stored, an RQ
job is enqueued, a worker dials through the emulator (over HTTP, with the real twilio
client), and the emulator's status callbacks settle the attempt."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select
from werkzeug.serving import make_server

from callbacks.models import Attempt, Ticket
from irisline.db import Database
from irisline.emulator import Store, create_emulator_app
from irisline.settings import Settings
from ivr import create_app
from workers import runtime

from .conftest import Twilio
from .helpers import OPEN_NOW, action_of, parse_twiml, says

CALLER = {"CallSid": "CA" + "a" * 32, "From": "0470 12 34 56", "To": "+3228001000"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    settings: Settings
    app: Any
    store: Store
    twilio: Twilio
    redis: Redis
    database: Database


@pytest.fixture
def stack(settings: Settings, serve: Callable[[Any], Any], always_open: Any) -> Iterator[Stack]:
    web_port, emulator_port = _free_port(), _free_port()
    settings = settings.replace(
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        IRISLINE_EMULATOR_URL=f"http://127.0.0.1:{emulator_port}",
    )
    app = create_app({**settings.as_environ(), "TESTING": True})
    store = Store()
    emulator = create_emulator_app(settings, store=store)
    # Each server binds the port its URL announces.
    servers = [
        make_server("127.0.0.1", web_port, app, threaded=True),
        make_server("127.0.0.1", emulator_port, emulator, threaded=True),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    rt = runtime.Runtime.from_settings(settings)
    runtime.install(rt)
    yield Stack(
        settings,
        app,
        store,
        Twilio(app.test_client(), settings.auth_token, settings.PUBLIC_BASE_URL),
        rt.redis,
        rt.db,
    )
    runtime.install(None)
    for server in servers:
        server.shutdown()
        server.server_close()
    rt.db.dispose()
    rt.redis.close()
    app.extensions["irisline.db"].dispose()
    app.extensions["irisline.redis"].close()


def _wait(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_call_to_callback_end_to_end(stack: Stack) -> None:
    stack.app.extensions["irisline.clock"] = lambda: OPEN_NOW
    # The incoming call is offered a language, each choice in its own language.
    root = parse_twiml(stack.twilio.post("/voice/incoming", CALLER))
    gather = root.find("Gather")
    assert gather is not None and (gather.get("action") or "").startswith("/voice/menu?")
    assert {"fr-BE", "nl-BE", "en-GB"} <= {lang for _, lang in says(gather)}

    # Dutch (2), then "to be called back, press 7" in the main menu.
    root = parse_twiml(stack.twilio.post(action_of(root), {**CALLER, "Digits": "2"}))
    assert any("teruggebeld" in text for text, _ in says(root))
    root = parse_twiml(stack.twilio.post(action_of(root), {**CALLER, "Digits": "7"}))
    redirect = root.find("Redirect")
    assert redirect is not None and (redirect.text or "").startswith("/voice/callback?")

    # The call-back request stores a ticket with the number in E.164 and enqueues a dial job.
    root = parse_twiml(stack.twilio.post(redirect.text or "", CALLER))
    with stack.database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.phone == "+32470123456"
        assert (ticket.language, ticket.service, ticket.source) == ("nl", "general", "ivr")
        assert ticket.status == "scheduled"
        assert ticket.call_sid == CALLER["CallSid"]
    spoken = " ".join(text for text, _ in says(root))
    assert " ".join(ticket.reference) in spoken
    assert root.find("Hangup") is not None
    dial_queue = Queue("dial", connection=stack.redis)
    assert dial_queue.count == 1

    # A worker dials through the emulator; the attempt records the emulator's call SID.
    SimpleWorker([dial_queue], connection=stack.redis).work(burst=True)
    assert dial_queue.count == 0
    with stack.database.session() as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.call_sid is not None
    assert list(stack.store.calls) == [attempt.call_sid]
    emulated = stack.store.calls[attempt.call_sid]
    assert emulated.to == "+32470123456"
    assert emulated.from_ == stack.settings.TWILIO_PHONE_NUMBER

    # The emulator answers, plays our TwiML and reports completion: the ticket is done.
    def completed() -> bool:
        with stack.database.session() as session:
            return session.scalars(select(Ticket)).one().status == "completed"

    _wait(completed)
    assert any(ticket.reference in text.replace(" ", "") for text in emulated.heard)
    with stack.database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert [e.to_status for e in ticket.events][:3] == ["requested", "scheduled", "dialling"]
        assert ticket.events[-1].to_status == "completed"
        assert ticket.attempts[0].status == "completed"
        assert ticket.open_key is None


def test_ticket_is_kept_when_redis_is_down(settings: Settings) -> None:
    """Redis away: the caller is still registered; the reconciler will enqueue the ticket."""
    app = create_app(
        {**settings.as_environ(), "TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    twilio = Twilio(app.test_client(), settings.auth_token)
    try:
        app.extensions["irisline.clock"] = lambda: OPEN_NOW
        path = "/voice/callback?service=general&lang=fr"
        root = parse_twiml(twilio.post(path, CALLER))
        assert "référence" in " ".join(text for text, _ in says(root))
        with app.extensions["irisline.db"].session() as session:
            assert session.scalars(select(Ticket)).one().status == "scheduled"
    finally:
        app.extensions["irisline.db"].dispose()
