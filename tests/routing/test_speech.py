"""Reopening times and waits in the caller's words."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routing.hours import next_opening
from routing.services import default_services
from routing.speech import reopening_sentence, wait_phrase, when_phrase

BXL = ZoneInfo("Europe/Brussels")
FRIDAY_EVENING = dt.datetime(2025, 10, 31, 19, 0, tzinfo=BXL)
THURSDAY_EVENING = dt.datetime(2025, 10, 30, 19, 0, tzinfo=BXL)


@pytest.mark.parametrize(
    ("lang", "tomorrow", "later"),
    [
        ("fr", "demain à 8 h 30", "lundi 3 novembre à 9 heures"),
        ("nl", "morgen om 8.30 uur", "maandag 3 november om 9 uur"),
        ("en", "tomorrow at 8:30 am", "on Monday 3 November at 9 am"),
        ("de", "morgen um 8:30 Uhr", "am Montag, 3. November, um 9 Uhr"),
    ],
)
def test_when_phrase(lang: str, tomorrow: str, later: str) -> None:
    assert when_phrase(dt.datetime(2025, 10, 31, 8, 30, tzinfo=BXL), THURSDAY_EVENING, lang) == (
        tomorrow
    )
    assert when_phrase(dt.datetime(2025, 11, 3, 9, 0, tzinfo=BXL), FRIDAY_EVENING, lang) == later


def test_reopening_sentences() -> None:
    at = dt.datetime(2025, 10, 31, 8, 30, tzinfo=BXL)
    assert [reopening_sentence(at, THURSDAY_EVENING, lang) for lang in ("fr", "nl", "en")] == [
        "Le service rouvre demain à 8 h 30.",
        "De dienst gaat morgen om 8.30 uur weer open.",
        "The service reopens tomorrow at 8:30 am.",
    ]
    monday = dt.datetime(2025, 11, 3, 9, 0, tzinfo=BXL)
    assert reopening_sentence(monday, FRIDAY_EVENING, "fr") == (
        "Le service rouvre lundi 3 novembre à 9 heures."
    )


def test_today_afternoon_and_times_of_day() -> None:
    now = dt.datetime(2025, 3, 12, 12, 45, tzinfo=BXL)
    at = dt.datetime(2025, 3, 12, 13, 30, tzinfo=BXL)
    assert when_phrase(at, now, "fr") == "aujourd'hui à 13 h 30"
    assert when_phrase(at, now, "en") == "today at 1:30 pm"
    assert when_phrase(at.replace(hour=12, minute=0), now, "en") == "today at 12 pm"
    assert when_phrase(at.replace(hour=1, minute=0), now, "fr") == "aujourd'hui à 1 heure"
    assert when_phrase(at.replace(hour=13, minute=5), now, "nl") == "vandaag om 13.05 uur"


def test_days_are_counted_in_brussels_whatever_the_zone_given() -> None:
    # 23:30 UTC on Thursday is already Friday 00:30 in Brussels.
    now = dt.datetime(2025, 10, 30, 23, 30, tzinfo=dt.UTC)
    at = dt.datetime(2025, 10, 31, 7, 30, tzinfo=dt.UTC)
    assert when_phrase(at, now, "fr") == "aujourd'hui à 8 h 30"


def test_a_date_next_year_says_the_year() -> None:
    now = dt.datetime(2025, 12, 24, 13, 0, tzinfo=BXL)
    at = dt.datetime(2026, 1, 2, 8, 30, tzinfo=BXL)
    assert when_phrase(at, now, "fr") == "vendredi 2 janvier 2026 à 8 h 30"
    assert when_phrase(at, now, "nl") == "vrijdag 2 januari 2026 om 8.30 uur"


def test_an_unknown_language_falls_back_to_english() -> None:
    at = dt.datetime(2025, 10, 31, 8, 30, tzinfo=BXL)
    assert when_phrase(at, THURSDAY_EVENING, "xx") == "tomorrow at 8:30 am"


def test_reopening_of_a_real_service_after_a_holiday_weekend() -> None:
    taxes = default_services()["taxes"]
    # Friday 31 October after closing; Saturday, Sunday, and 1 November (All Saints) closed.
    reopens = next_opening(taxes, FRIDAY_EVENING)
    assert reopens == dt.datetime(2025, 11, 3, 8, 30, tzinfo=BXL)
    assert reopening_sentence(reopens, FRIDAY_EVENING, "fr") == (
        "Le service rouvre lundi 3 novembre à 8 h 30."
    )


@pytest.mark.parametrize(
    ("seconds", "lang", "words"),
    [
        (20, "fr", "moins d'une minute"),
        (50, "en", "about one minute"),
        (61, "nl", "ongeveer 2 minuten"),
        (240, "fr", "environ 4 minutes"),
        (241, "de", "etwa 5 Minuten"),
    ],
)
def test_wait_phrase(seconds: float, lang: str, words: str) -> None:
    assert wait_phrase(seconds, lang) == words


def test_the_closed_announcement_from_the_default_menu() -> None:
    from routing.menu import default_menu

    menu, taxes = default_menu(), default_services()["taxes"]
    reopens = next_opening(taxes, FRIDAY_EVENING)
    assert reopens is not None
    said = menu.system(
        "closed", "fr", service=taxes.name("fr"), when=when_phrase(reopens, FRIDAY_EVENING, "fr")
    )
    assert said is not None
    assert said.text == (
        "Le service Fiscalité régionale est actuellement fermé. "
        "Il rouvre lundi 3 novembre à 8 h 30."
    )
    assert (said.locale, said.voice) == ("fr-BE", "Polly.Isabelle-Neural")
    waiting = menu.system("wait", "nl", wait=wait_phrase(240, "nl"))
    assert waiting is not None
    assert waiting.text == "De geschatte wachttijd is ongeveer 4 minuten. Even geduld, alstublieft."


def test_placeholders_fill_only_known_names_and_leave_stray_braces() -> None:
    from routing.menu import fill

    assert fill("{service} {x} {0} {", {"service": "Logement"}) == "Logement {x} {0} {"
