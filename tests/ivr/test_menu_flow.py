"""The IVR plays the published menu: languages, services open or closed, the queue and its
call-back, voicemail, withheld numbers, call records. TwiML is parsed, never compared."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from callbacks.agents import create_agent
from callbacks.models import Ticket
from irisline.db import Database
from irisline.settings import Settings
from ivr import create_app
from routing import calls, versions
from routing.menu import default_menu_text
from routing.models import CallRecord
from routing.validation import check_menu_text

from ..conftest import PUBLIC_BASE_URL, Twilio
from ..helpers import CLOSED_NOW, OPEN_NOW, action_of, parse_twiml, says

CALLER = "+32470123456"


class Call:
    """One caller's call, following our TwiML like Twilio would."""

    def __init__(self, twilio: Twilio, caller: str = CALLER, sid: str = "CA" + "c" * 32) -> None:
        self.twilio = twilio
        self.params = {"CallSid": sid, "From": caller, "To": "+3228001000"}
        self.root = parse_twiml(twilio.post("/voice/incoming", self.params))

    def press(self, digits: str = "", **extra: str) -> ET.Element:
        params = {**self.params, **extra}
        if digits:
            params["Digits"] = digits
        self.root = parse_twiml(self.twilio.post(action_of(self.root), params))
        return self.root

    def say(self, words: str) -> ET.Element:
        return self.press(SpeechResult=words, Confidence="0.9")

    def follow(self) -> ET.Element:
        """Follow a <Redirect>."""
        redirect = self.root.find("Redirect")
        assert redirect is not None and redirect.text
        self.root = parse_twiml(self.twilio.post(redirect.text, self.params))
        return self.root

    def heard(self) -> str:
        return " ".join(text for text, _ in says(self.root))

    def locales(self) -> set[str | None]:
        return {lang for _, lang in says(self.root)}


@pytest.fixture
def at(app: Any) -> Any:
    def _set(moment: datetime) -> None:
        app.extensions["irisline.clock"] = lambda: moment

    _set(OPEN_NOW)
    return _set


def _record(database: Database, sid: str = "CA" + "c" * 32) -> CallRecord:
    with database.session() as session:
        record = session.get(CallRecord, sid)
        assert record is not None
        session.expunge_all()
        return record


@pytest.mark.parametrize(
    ("digit", "lang", "locale", "word"),
    [
        ("1", "fr", "fr-BE", "taxes régionales"),
        ("2", "nl", "nl-BE", "gewestelijke belastingen"),
        ("3", "en", "en-GB", "regional taxes"),
    ],
)
def test_each_language_reaches_a_closed_service(
    twilio: Twilio, at: Any, database: Database, digit: str, lang: str, locale: str, word: str
) -> None:
    at(CLOSED_NOW)  # Sunday 22:00
    call = Call(twilio)
    gather = call.root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech"
    assert {"fr-BE", "nl-BE", "en-GB"} <= call.locales()
    call.press(digit)
    assert word in call.heard().lower() and call.locales() == {locale}
    call.press("1")  # taxes
    call.follow()
    # Closed: when it opens again, in words, then call-back (1) or voicemail (2).
    reopens = {"fr": "demain à 8 h 30", "nl": "morgen om 8.30 uur", "en": "tomorrow at 8:30"}
    assert reopens[lang] in call.heard()
    call.press("2")
    call.follow()
    assert call.root.find("Record") is not None
    record = _record(database)
    assert (record.language, record.outcome, record.outcome_node) == (lang, "voicemail", "taxes")


def test_remembered_language_skips_the_language_menu(twilio: Twilio, at: Any) -> None:
    first = Call(twilio)
    first.press("2")
    again = Call(twilio, sid="CA" + "d" * 32)
    assert again.locales() == {"nl-BE"}
    assert "druk op 9" in again.heard()  # how to change the language
    again.press("9")
    assert {"fr-BE", "nl-BE", "en-GB"} <= again.locales()
    again.press("3")
    assert again.locales() == {"en-GB"}


def test_speech_in_the_callers_language(twilio: Twilio, at: Any) -> None:
    call = Call(twilio)
    call.press("1")
    gather = call.root.find("Gather")
    assert gather is not None and gather.get("language") == "fr-BE"
    assert "logement" in (gather.get("hints") or "")
    call.say("c'est pour mon logement")
    assert "Pour le logement, tapez 1" in call.heard() or "logement" in call.heard().lower()
    assert "étoile" in call.heard()  # * repeats, 0 goes back, below the main menu


def test_invalid_then_star_repeats_and_zero_goes_back(twilio: Twilio, at: Any) -> None:
    call = Call(twilio)
    call.press("1")
    main = call.heard()
    call.press("2")
    housing = call.heard()
    call.press("*")
    assert call.heard() == housing
    call.press("5")
    assert "pas valable" in call.heard()
    call.press("0")
    assert call.heard() == main


def test_open_service_without_agents_offers_a_callback_that_keeps_the_place(
    twilio: Twilio, at: Any, database: Database
) -> None:
    call = Call(twilio)
    call.press("3")
    call.press("3")  # mobility
    call.follow()
    assert "No agent is available" in call.heard()
    call.press("1")
    call.follow()
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.service, ticket.language, ticket.phone) == ("mobility", "en", CALLER)
    assert " ".join(ticket.reference) in call.heard()
    assert _record(database).outcome == "callback"


def test_queue_announces_the_wait_and_keeps_the_place_on_call_back(
    twilio: Twilio, at: Any, database: Database
) -> None:
    with database.session() as session:
        create_agent(session, "anna", ["mobility"], ["fr", "nl", "en"])
    call = Call(twilio)
    call.press("3")
    call.press("3")  # mobility: one agent, nobody waiting: a short wait
    call.follow()
    enqueue = call.root.find("Enqueue")
    assert enqueue is not None and enqueue.text == "service-mobility"
    assert "estimated waiting time" in call.heard()
    assert _record(database).outcome == "queued"

    # The wait music: position and the call-back offer; 1 leaves the queue.
    wait_url = enqueue.get("waitUrl") or ""
    wait = parse_twiml(twilio.post(wait_url, {**call.params, "QueuePosition": "2"}))
    heard = " ".join(t for t, _ in says(wait))
    assert "number 2 in the queue" in heard and "estimated waiting time" in heard
    left = parse_twiml(twilio.post(action_of(wait), {**call.params, "Digits": "1"}))
    assert left.find("Leave") is not None

    # <Enqueue action> with QueueResult=leave: the call-back keeps the time the caller joined.
    done = parse_twiml(
        twilio.post(
            enqueue.get("action") or "", {**call.params, "QueueResult": "leave", "QueueTime": "95"}
        )
    )
    call.root = done
    call.follow()
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.requested_at == OPEN_NOW
    record = _record(database)
    assert (record.outcome, record.queue_seconds) == ("callback", 95)


def test_hang_up_in_the_queue_gives_a_ticket_after_the_threshold(
    twilio: Twilio, at: Any, database: Database, app: Any
) -> None:
    with database.session() as session:
        create_agent(session, "anna", ["general"], ["fr"])
    call = Call(twilio)
    call.press("1")
    call.press("8")  # general information
    call.follow()
    enqueue = call.root.find("Enqueue")
    assert enqueue is not None
    action = enqueue.get("action") or ""
    minimum = app.extensions["irisline.settings"].integer("IRISLINE_QUEUE_HANGUP_SECONDS")
    short = {**call.params, "QueueResult": "hangup", "QueueTime": str(minimum - 1)}
    twilio.post(action, short)
    with database.session() as session:
        assert session.scalars(select(Ticket)).all() == []
    twilio.post(action, {**short, "QueueTime": str(minimum + 30)})
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.source, ticket.service) == ("queue-hangup", "general")
    assert _record(database).outcome == "hangup"


def test_withheld_number_is_keyed_in_and_read_back(
    twilio: Twilio, at: Any, database: Database
) -> None:
    call = Call(twilio, caller="anonymous")
    call.press("1")
    call.press("7")  # call-back
    call.follow()
    call.follow()  # no number: ask for one
    assert "masqué" in call.heard()
    call.press("0900123456#")  # premium rate: refused
    assert "ne pouvons pas rappeler" in call.heard()
    call.follow()
    call.press("0470 99 88 77".replace(" ", "") + "#")
    assert "0 4 7 0" in call.heard()  # read back digit by digit
    call.press("1")
    call.follow()
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.phone == "+32470998877"


def test_caller_with_an_open_ticket_hears_it_and_can_cancel(
    twilio: Twilio, at: Any, database: Database
) -> None:
    call = Call(twilio)
    call.press("2")
    call.press("7")
    call.follow()
    with database.session() as session:
        reference = session.scalars(select(Ticket)).one().reference
    again = Call(twilio, sid="CA" + "e" * 32)
    assert " ".join(reference) in again.heard() and again.locales() == {"nl-BE"}
    again.press("2")
    assert again.root.find("Hangup") is not None
    with database.session() as session:
        assert session.scalars(select(Ticket)).one().status == "cancelled"
    third = Call(twilio, sid="CA" + "f" * 32)
    assert third.root.find("Gather") is not None and "referentie" not in third.heard()


def test_calls_in_progress_keep_their_menu_version(
    twilio: Twilio, at: Any, database: Database
) -> None:
    with database.session() as session:
        versions.ensure_default(session, check_menu_text)
    call = Call(twilio)
    call.press("3")
    old = call.heard()
    changed = default_menu_text().replace("For regional taxes, press 1.", "Taxes: press 1.")
    with database.session() as session:
        draft = versions.import_draft(session, changed)
        versions.publish(session, draft.number, check_menu_text, actor="test")
    call.press("*")
    assert call.heard() == old  # the call goes on with the version it started on
    fresh = Call(twilio, sid="CA" + "9" * 32, caller="+32470111111")
    fresh.press("3")
    assert "Taxes: press 1." in fresh.heard()
    with database.session() as session:
        records = {r.call_sid: r.menu_version_id for r in session.scalars(select(CallRecord))}
    assert len(set(records.values())) == 2


def test_call_records_keep_the_path_and_where_the_caller_hung_up(
    twilio: Twilio, at: Any, database: Database
) -> None:
    call = Call(twilio)
    call.press("1")
    call.press("2")
    call.press("5")  # not an option there
    twilio.post("/voice/call-status", {**call.params, "CallStatus": "completed"})
    with database.session() as session:
        record = session.get(CallRecord, call.params["CallSid"])
        assert record is not None
        assert (record.outcome, record.outcome_node) == ("hangup", "housing_urbanism")
        assert [(s.node, s.input) for s in record.steps] == [
            ("language", None),
            ("main", "1"),
            ("housing_urbanism", "2"),
            ("housing_urbanism", "5"),
        ]
        assert record.ended_at is not None


def test_service_closed_on_a_holiday(twilio: Twilio, at: Any) -> None:
    at(datetime(2026, 5, 8, 10, 0, tzinfo=OPEN_NOW.tzinfo))  # Iris Day, a Friday
    call = Call(twilio)
    call.press("3")
    call.press("8")
    call.follow()
    assert "closed" in call.heard() and "tomorrow at 9 am" in call.heard()


def test_stale_or_forged_menu_state_restarts_politely(twilio: Twilio, at: Any) -> None:
    call = Call(twilio)
    params = {**call.params, "Digits": "1"}
    root = parse_twiml(twilio.post("/voice/menu?node=nowhere&turns=3", params))
    assert root.find("Gather") is not None
    root = parse_twiml(twilio.post("/voice/menu?node=main&lang=xx&turns=abc", params))
    assert root.find("Gather") is not None


@pytest.fixture
def sqlite_twilio(sqlite_template: Any, redis_url: str, tmp_path: Any) -> Iterator[Twilio]:
    """An app on SQLite only: the random-caller test is about the flow, not the backend."""
    path = tmp_path / "random.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings.load(
        environ={},
        overrides={
            "SECRET_KEY": "test-secret-key-0123456789",
            "DATABASE_URL": f"sqlite:///{path}",
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "IRISLINE_INSTANCE_DIR": str(tmp_path / "instance"),
        },
    )
    app = create_app({**settings.as_environ(), "TESTING": True})
    yield Twilio(app.test_client(), settings.auth_token)
    app.extensions["irisline.db"].dispose()
    app.extensions["irisline.redis"].close()


CALLS = 2000


def test_random_callers_always_get_twiml_and_end(sqlite_twilio: Twilio) -> None:
    """Thousands of callers pressing random keys, saying random words or staying silent: never
    a 5xx, always well-formed TwiML, and every call ends within a bounded number of steps."""
    import random

    twilio = sqlite_twilio
    app = twilio.client.application

    def at(moment: datetime) -> None:
        app.extensions["irisline.clock"] = lambda: moment

    rng = random.Random(20261127)
    words = ["logement", "taxes", "rappel", "bonjour", "huisvesting", "parking", "???", "été"]
    keys = list("0123456789*#") + ["", "12", "##"]
    endings = ("Hangup", "Enqueue", "Record", "Dial", "Leave")
    longest = 0
    for n in range(CALLS):
        at(OPEN_NOW if n % 2 else CLOSED_NOW + timedelta(hours=n % 5))
        call = Call(twilio, caller=f"+3247{n:07d}", sid=f"CA{n:032x}")
        for step in range(60):
            if any(call.root.find(v) is not None for v in endings):
                longest = max(longest, step)
                break
            if call.root.find("Gather") is None:
                call.follow()
                continue
            roll = rng.random()
            if roll < 0.2:
                call.press()
            elif roll < 0.35:
                call.say(rng.choice(words))
            else:
                call.press(rng.choice(keys))
        else:
            raise AssertionError(f"call {n} did not end: {call.heard()}")
    assert longest < 60


def test_a_failing_queue_offers_call_back_or_voicemail_and_never_requeues(
    twilio: Twilio, at: Any, database: Database
) -> None:
    with database.session() as session:
        create_agent(session, "anna", ["mobility"], ["en"])
    call = Call(twilio)
    call.press("3")
    call.press("3")
    call.follow()
    enqueue = call.root.find("Enqueue")
    assert enqueue is not None
    call.root = parse_twiml(
        twilio.post(enqueue.get("action") or "", {**call.params, "QueueResult": "queue-full"})
    )
    assert "To leave a message, press 2" in call.heard()
    call.press()  # silence: the last try, so on to voicemail rather than the full queue again
    call.follow()
    assert call.root.find("Record") is not None


def test_callers_in_the_queue_count_in_the_wait_estimate(
    twilio: Twilio, at: Any, database: Database
) -> None:
    with database.session() as session:
        create_agent(session, "anna", ["mobility"], ["en"])
    first = Call(twilio, sid="CA" + "1" * 32)
    first.press("3")
    first.press("3")
    first.follow()
    with database.session() as session:
        assert calls.waiting(session, "mobility") == 1
    enqueue = first.root.find("Enqueue")
    assert enqueue is not None
    twilio.post(
        enqueue.get("action") or "", {**first.params, "QueueResult": "bridged", "QueueTime": "30"}
    )
    with database.session() as session:
        assert calls.waiting(session, "mobility") == 0
