"""Call-back call webhooks: status callbacks settle attempts idempotently (duplicates, out of
order, SID recorded when the worker died), answering machines, agent-first TwiML."""

from __future__ import annotations

import contextlib
from typing import Any

from redis import Redis
from rq import Queue
from sqlalchemy import select

from callbacks import dialling
from callbacks.models import Attempt, SurveyResponse, Ticket
from callbacks.tickets import CallbackRequest, request_callback
from irisline.db import Database

from ..conftest import Twilio
from ..helpers import parse_twiml, says

SID = "CA" + "1" * 32


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def place_callback_call(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return SID


def _dialled(app: Any, mode: str = "customer-first", language: str = "nl") -> tuple[int, str]:
    database: Database = app.extensions["irisline.db"]
    with database.session() as session:
        ticket, _ = request_callback(
            session, CallbackRequest("+32470123456", "general", language, "web")
        )
        ticket_id = ticket.id
    outcome = dialling.dial(database, ticket_id, Recorder(), mode_for=lambda s: mode)
    assert outcome.attempt_key is not None
    return ticket_id, outcome.attempt_key


def _state(app: Any) -> tuple[str, list[tuple[str, str | None]]]:
    with app.extensions["irisline.db"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        return ticket.status, [(a.status, a.answered_by) for a in ticket.attempts]


def test_duplicate_and_out_of_order_callbacks_settle_once(
    app: Any, twilio: Twilio, redis_conn: Redis
) -> None:
    _, key = _dialled(app)
    for status in ["completed", "ringing", "completed", "initiated", "no-answer"]:
        response = twilio.post(
            f"/voice/status?attempt={key}", {"CallSid": SID, "CallStatus": status}
        )
        assert response.status_code == 204
    assert _state(app) == ("completed", [("completed", None)])


def test_status_callback_records_the_sid_a_dead_worker_never_stored(
    app: Any, twilio: Twilio
) -> None:
    database: Database = app.extensions["irisline.db"]
    with database.session() as session:
        ticket, _ = request_callback(
            session, CallbackRequest("+32470123456", "general", "fr", "web")
        )
        ticket_id = ticket.id

    class DiesAfterTheCall(Recorder):
        def place_callback_call(self, **kwargs: Any) -> str:
            raise SystemExit("killed")  # stands for a SIGKILL before the SID's commit

    with contextlib.suppress(SystemExit):
        dialling.dial(database, ticket_id, DiesAfterTheCall())
    twilio.post(f"/voice/status?attempt={ticket_id}-1", {"CallSid": SID, "CallStatus": "ringing"})
    with database.session() as session:
        attempt = session.scalars(select(Attempt)).one()
        assert (attempt.call_sid, attempt.status, attempt.settled_at) == (SID, "placed", None)


def test_no_answer_schedules_the_retry_with_rqs_scheduler(
    app: Any, twilio: Twilio, redis_conn: Redis
) -> None:
    _, key = _dialled(app)
    twilio.post(f"/voice/status?attempt={key}", {"CallSid": SID, "CallStatus": "no-answer"})
    assert _state(app)[0] == "retry"
    assert len(Queue("dial", connection=redis_conn).scheduled_job_registry.get_job_ids()) == 1


def test_answering_machine_hears_a_short_message_and_the_retry_is_scheduled(
    app: Any, twilio: Twilio
) -> None:
    _, key = _dialled(app, language="nl")
    root = parse_twiml(
        twilio.post(
            f"/voice/callback/answer?attempt={key}",
            {"CallSid": SID, "AnsweredBy": "machine_start"},
        )
    )
    (text, lang), *_ = says(root)
    assert lang == "nl-BE" and "later opnieuw" in text
    assert root.find("Hangup") is not None and root.find("Enqueue") is None
    twilio.post(f"/voice/status?attempt={key}", {"CallSid": SID, "CallStatus": "completed"})
    assert _state(app) == ("retry", [("machine", "machine_start")])


def test_human_is_queued_for_an_agent(app: Any, twilio: Twilio) -> None:
    _, key = _dialled(app, language="fr")
    root = parse_twiml(
        twilio.post(f"/voice/callback/answer?attempt={key}", {"AnsweredBy": "human"})
    )
    assert says(root)[0][1] == "fr-BE"
    enqueue = root.find("Enqueue")
    assert enqueue is not None and enqueue.text == "callback-general"
    # After the agent hangs up, the satisfaction question (only after a real conversation).
    action = enqueue.get("action") or ""
    assert action.startswith("/voice/survey?ticket=")
    survey = parse_twiml(twilio.post(action, {"QueueResult": "bridged"}))
    gather = survey.find("Gather")
    assert gather is not None and "1" in (says(gather)[0][0])
    # The score is kept although the provider hasn't reported the call completed yet.
    parse_twiml(twilio.post(gather.get("action") or "", {"Digits": "4"}))
    with app.extensions["irisline.db"].session() as session:
        scores = [(r.score, r.channel) for r in session.scalars(select(SurveyResponse))]
    assert scores == [(4, "dtmf")]
    nothing = parse_twiml(twilio.post(action, {"QueueResult": "hangup"}))
    assert nothing.find("Gather") is None


def test_agent_first_whispers_then_bridges_with_the_regional_caller_id(
    app: Any, twilio: Twilio
) -> None:
    ticket_id, key = _dialled(app, mode="agent-first", language="nl")
    root = parse_twiml(twilio.post(f"/voice/callback/agent?attempt={key}", {"CallSid": SID}))
    whisper, lang = says(root)[0]
    assert lang == "fr-BE" and "néerlandais" in whisper  # the agent's language (default fr)
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == "+3228001000"
    number = dial.find("Number")
    assert number is not None and number.text == "+32470123456"
    assert number.get("statusCallback") == f"/voice/status?attempt={key}&leg=citizen"
    # The agent leg ends after the bridge: only the citizen leg settles the attempt.
    twilio.post(
        f"/voice/status?attempt={key}&leg=agent", {"CallSid": SID, "CallStatus": "completed"}
    )
    assert _state(app)[0] == "dialling"
    root = parse_twiml(
        twilio.post(f"/voice/callback/bridged?attempt={key}", {"DialCallStatus": "no-answer"})
    )
    assert root.find("Hangup") is not None
    assert _state(app) == ("retry", [("no-answer", None)])


def test_agent_who_does_not_answer_does_not_use_up_an_attempt(app: Any, twilio: Twilio) -> None:
    _, key = _dialled(app, mode="agent-first")
    twilio.post(f"/voice/status?attempt={key}&leg=agent", {"CallSid": SID, "CallStatus": "busy"})
    with app.extensions["irisline.db"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "retry"
        assert [a.status for a in ticket.attempts] == ["agent-busy"]
        assert dialling._counted(ticket) == 0
