"""Dates, times and waits said in natural words, in the caller's language, for `<Say>`.

Day and month names come from Babel (CLDR), so another language needs only its sentence
shapes below; the time of day is written the way each language's text-to-speech reads it
naturally ("8 h 30" in French, "8.30 uur" in Dutch, "8:30 am" in English).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel.dates import format_date

from .services import BRUSSELS

LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB", "de": "de_DE"}
SUPPORTED = tuple(LOCALES)


def _fr_time(t: dt.time) -> str:
    if t.minute == 0:
        return f"{t.hour} heure" + ("s" if t.hour > 1 else "")
    return f"{t.hour} h {t.minute:02d}"


def _nl_time(t: dt.time) -> str:
    return f"{t.hour} uur" if t.minute == 0 else f"{t.hour}.{t.minute:02d} uur"


def _en_time(t: dt.time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"


def _de_time(t: dt.time) -> str:
    return f"{t.hour} Uhr" if t.minute == 0 else f"{t.hour}:{t.minute:02d} Uhr"


# Per language: today, tomorrow, how a date is written (Babel pattern, with year when not this
# year), "<day> <at> <time>" glue for today/tomorrow and for a date, and the time of day.
_Shape = tuple[str, str, str, str, str, str, Callable[[dt.time], str]]
_SHAPES: dict[str, _Shape] = {
    "fr": ("aujourd'hui", "demain", "EEEE d MMMM", "EEEE d MMMM y", "{day} à {time}",
           "{day} à {time}", _fr_time),
    "nl": ("vandaag", "morgen", "EEEE d MMMM", "EEEE d MMMM y", "{day} om {time}",
           "{day} om {time}", _nl_time),
    "en": ("today", "tomorrow", "EEEE d MMMM", "EEEE d MMMM y", "{day} at {time}",
           "on {day} at {time}", _en_time),
    "de": ("heute", "morgen", "EEEE, d. MMMM", "EEEE, d. MMMM y", "{day} um {time}",
           "am {day}, um {time}", _de_time),
}  # fmt: skip

_REOPENS = {
    "fr": "Le service rouvre {when}.",
    "nl": "De dienst gaat {when} weer open.",
    "en": "The service reopens {when}.",
    "de": "Der Dienst ist {when} wieder geöffnet.",
}


def when_phrase(at: dt.datetime, now: dt.datetime, lang: str, tz: dt.tzinfo = BRUSSELS) -> str:
    """`at` as a caller hears it relative to `now`: "demain à 8 h 30", "maandag 3 november om
    9 uur", "on Monday 3 November at 9 am". Falls back to English for an unknown language."""
    today, tomorrow, pattern, pattern_year, glue_near, glue_far, time_words = _SHAPES.get(
        lang, _SHAPES["en"]
    )
    local, ref = at.astimezone(tz), now.astimezone(tz)
    time = time_words(local.time())
    days = (local.date() - ref.date()).days
    if days == 0:
        return glue_near.format(day=today, time=time)
    if days == 1:
        return glue_near.format(day=tomorrow, time=time)
    shape = pattern if local.year == ref.year else pattern_year
    day = format_date(local.date(), shape, locale=LOCALES.get(lang, "en_GB"))
    return glue_far.format(day=day, time=time)


def reopening_sentence(
    at: dt.datetime, now: dt.datetime, lang: str, tz: dt.tzinfo = BRUSSELS
) -> str:
    """A whole sentence: "Le service rouvre demain à 8 h 30.", "The service reopens on Monday
    3 November at 9 am." (the menu's `closed` prompt uses `when_phrase` within its own text)."""
    return _REOPENS.get(lang, _REOPENS["en"]).format(when=when_phrase(at, now, lang, tz))


_MINUTES = {
    "fr": ("moins d'une minute", "environ une minute", "environ {n} minutes"),
    "nl": ("minder dan een minuut", "ongeveer een minuut", "ongeveer {n} minuten"),
    "en": ("less than a minute", "about one minute", "about {n} minutes"),
    "de": ("weniger als eine Minute", "etwa eine Minute", "etwa {n} Minuten"),
}


def wait_phrase(seconds: float, lang: str) -> str:
    """An estimated wait in words, rounded up to the minute so callers aren't disappointed:
    "environ 4 minutes", "less than a minute"."""
    under, one, many = _MINUTES.get(lang, _MINUTES["en"])
    if seconds < 45:
        return under
    minutes = max(1, -(-int(seconds) // 60))
    return one if minutes == 1 else many.format(n=minutes)
