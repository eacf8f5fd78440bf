"""SMS: delivery through the provider (the emulator, over HTTP, from the notify job), inbound
keywords in French, Dutch and English on the signed webhook; the satisfaction survey."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from callbacks import agents, intake, notifications, survey, texts
from callbacks.models import Agent, Notification, SurveyResponse, Ticket
from irisline.db import Database
from irisline.emulator import Store, create_emulator_app
from irisline.settings import Settings
from irisline.telephony import TwilioProvider
from workers import runtime

from ..conftest import Twilio
from ..helpers import parse_twiml, says
from .conftest import OPEN_NOW, make_request

PHONE = "+32470123456"


def test_every_text_exists_in_every_language() -> None:
    for table in (texts.SMS, texts.SPOKEN):
        keys = {lang: set(entries) for lang, entries in table.items()}
        assert set(keys) == {"fr", "nl", "en"}
        assert keys["fr"] == keys["nl"] == keys["en"]


def test_confirmation_sms_goes_through_the_emulator_once(
    settings: Settings, database: Database, redis_conn: Any, serve: Callable[[Any], Any]
) -> None:
    store = Store()
    served = serve(create_emulator_app(settings, store=store))
    settings = settings.replace(IRISLINE_EMULATOR_URL=served.url)
    with database.session() as session:
        sub = intake.submit(session, make_request(language="en"), now=OPEN_NOW)
    from workers.queues import enqueue_notifications

    assert enqueue_notifications(redis_conn, sub.notification_ids)
    rt = runtime.Runtime(settings, database, redis_conn, TwilioProvider(settings))
    runtime.install(rt)
    try:
        SimpleWorker([Queue("notify", connection=redis_conn)], connection=redis_conn).work(
            burst=True
        )
    finally:
        runtime.install(None)
    (message,) = store.messages.values()
    assert message.to == PHONE and message.from_ == settings.TWILIO_PHONE_NUMBER
    assert sub.ticket.reference in message.body and "Housing" in message.body
    # Delivering again sends nothing more.
    assert (
        notifications.deliver(database, TwilioProvider(settings), sub.notification_ids[0]) is None
    )
    assert len(store.messages) == 1
    with database.session() as session:
        row = session.scalars(select(Notification)).one()
        assert row.status == "sent" and row.provider_sid == message.sid


def _sms(twilio: Twilio, body: str, sender: str = PHONE) -> tuple[str, ET.Element]:
    root = parse_twiml(
        twilio.post(
            "/sms/incoming",
            {"From": sender, "To": "+3228001000", "Body": body, "MessageSid": "SM" + "1" * 32},
        )
    )
    message = root.find("Message")
    assert message is not None
    return (message.text or ""), root


@pytest.mark.parametrize(
    ("body", "language", "service", "expected"),
    [
        ("RAPPEL", "fr", "general", "enregistrée"),
        ("rappel logement", "fr", "housing", "Logement"),
        ("Terugbellen huisvesting", "nl", "housing", "geregistreerd"),
        ("CALL BACK taxes", "en", "taxes", "registered"),
        ("callback état civil", "en", "civil_status", "Civil status"),
    ],
)
def test_sms_request_keywords(
    app: Any, twilio: Twilio, body: str, language: str, service: str, expected: str
) -> None:
    app.extensions["irisline.clock"] = lambda: OPEN_NOW
    text, _ = _sms(twilio, body)
    assert expected in text
    with app.extensions["irisline.db"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.language, ticket.service, ticket.source) == (language, service, "sms")
        assert ticket.reference in text


@pytest.mark.parametrize(
    ("word", "language"),
    [("STOP", "nl"), ("annuler", "fr"), ("ANNULEREN", "nl"), ("Cancel", "en")],
)
def test_sms_cancel_keywords(app: Any, twilio: Twilio, word: str, language: str) -> None:
    app.extensions["irisline.clock"] = lambda: OPEN_NOW
    with app.extensions["irisline.db"].session() as session:
        ref = intake.submit(session, make_request(language="nl"), now=OPEN_NOW).ticket.reference
    text, _ = _sms(twilio, word)
    assert ref in text and texts.sms(language, "cancelled", ref=ref) == text
    with app.extensions["irisline.db"].session() as session:
        assert session.scalars(select(Ticket)).one().status == "cancelled"
    text, _ = _sms(twilio, word)
    assert text == texts.sms(language, "none_open")


def test_sms_help_refusal_and_signature(app: Any, twilio: Twilio, client: Any) -> None:
    text, _ = _sms(twilio, "bonjour")
    assert text == texts.sms("fr", "help")
    text, _ = _sms(twilio, "CALLBACK", sender="+19095550143")
    assert text == texts.sms("en", "refused")
    forged = client.post("/sms/incoming", data={"From": PHONE, "Body": "STOP"})
    assert forged.status_code == 403


def _completed_ticket(database: Database, *, survey_by_sms: bool) -> Ticket:
    with database.session() as session:
        agent, _ = agents.create_agent(session, "ana", ["housing"], ["fr"])
        intake.submit(session, make_request(), now=OPEN_NOW)
        agents.claim_next(session, agent, OPEN_NOW)
        ticket = session.scalars(select(Ticket)).one()
        return agents.record_outcome(
            session, agent, ticket.reference, "completed", now=OPEN_NOW, survey_by_sms=survey_by_sms
        )


def test_survey_by_sms_reply(app: Any, twilio: Twilio) -> None:
    database = app.extensions["irisline.db"]
    ticket = _completed_ticket(database, survey_by_sms=True)
    text, _ = _sms(twilio, "4")
    assert text == texts.sms("fr", "survey_thanks")
    with database.session() as session:
        (response,) = session.scalars(select(SurveyResponse)).all()
        assert (response.service, response.language, response.score) == ("housing", "fr", 4)
        assert response.ticket_id == ticket.id and response.channel == "sms"
        assert survey.summary(session) == [
            {"service": "housing", "language": "fr", "count": 1, "average": 4.0}
        ]
    # A second digit is not a second answer.
    text, _ = _sms(twilio, "5")
    assert text == texts.sms("fr", "help")


def test_survey_by_dtmf(app: Any, twilio: Twilio) -> None:
    database = app.extensions["irisline.db"]
    ticket = _completed_ticket(database, survey_by_sms=False)
    root = parse_twiml(twilio.post(f"/voice/survey?ticket={ticket.reference}", {}))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == f"/voice/survey/answer?ticket={ticket.reference}&tries=1"
    assert says(gather)[0] == (texts.spoken("fr", "survey"), "fr-BE")
    root = parse_twiml(
        twilio.post(f"/voice/survey/answer?ticket={ticket.reference}", {"Digits": "9"})
    )
    assert root.find("Redirect") is not None
    root = parse_twiml(
        twilio.post(f"/voice/survey/answer?ticket={ticket.reference}", {"Digits": "2"})
    )
    assert says(root)[0][0] == texts.spoken("fr", "survey_thanks")
    with database.session() as session:
        (response,) = session.scalars(select(SurveyResponse)).all()
        assert (response.score, response.channel) == (2, "dtmf")
    # An unknown reference: an apology, never a 5xx.
    root = parse_twiml(twilio.post("/voice/survey?ticket=123", {}))
    assert root.find("Record") is not None


def test_missed_call_sms_uses_the_next_window(database: Database) -> None:
    with database.session() as session:
        agent, _ = agents.create_agent(session, "ana", ["housing"], ["nl"])
        intake.submit(session, make_request(language="nl"), now=OPEN_NOW)
        agents.claim_next(session, agent, OPEN_NOW)
        ticket = session.scalars(select(Ticket)).one()
        later = OPEN_NOW + timedelta(hours=6, minutes=50)  # 16:50: retry tomorrow
        agents.record_outcome(session, agent, ticket.reference, "no-answer", now=later)
        missed = session.scalars(select(Notification).where(Notification.kind == "missed")).one()
        assert "op 03/06 tussen 08:30 en 17:00" in missed.body
        assert session.get(Agent, agent.id) is not None
