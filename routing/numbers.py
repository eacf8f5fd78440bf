"""Phone-number policy: every number the service stores or dials is E.164, parsed with
phonenumbers against a default region (Belgium).

Two levels:

- `normalise` says whether a string is a real phone number at all (used to recognise a caller,
  e.g. to remember their language);
- `callable_number` adds the call-back policy: no premium-rate (Belgian 090x/070 and foreign),
  no shared-cost, no short or emergency numbers, and only countries in an allowed list
  (default: Belgium and its neighbours). Every ticket's number goes through it.

For a caller with a withheld number, the IVR asks them to key a number in (`keyed_number`) and
reads it back digit by digit (`read_back`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType, shortnumberinfo

from irisline.errors import InvalidInput

# Twilio's placeholders for a withheld or unknown caller ID.
ANONYMOUS_CALLERS = frozenset({"", "anonymous", "restricted", "unknown", "private", "266696687"})

# Belgium and its neighbours.
DEFAULT_ALLOWED_COUNTRIES = frozenset({"BE", "NL", "FR", "DE", "LU"})
REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
}


class InvalidNumber(InvalidInput):
    error_id = "invalid-number"


@dataclass(frozen=True)
class NumberPolicy:
    """Which numbers we agree to call back."""

    region: str = "BE"
    allowed_countries: frozenset[str] = DEFAULT_ALLOWED_COUNTRIES

    @classmethod
    def from_setting(cls, region: str = "BE", countries: str | Iterable[str] = "") -> NumberPolicy:
        """`countries` is a comma-separated list of ISO codes ("BE,NL,FR,DE,LU"); empty means
        the default; "*" allows every country."""
        if isinstance(countries, str):
            countries = countries.split(",")
        codes = frozenset(c.strip().upper() for c in countries if c.strip())
        return cls(region=region.upper(), allowed_countries=codes or DEFAULT_ALLOWED_COUNTRIES)


def is_anonymous(raw: str | None) -> bool:
    return raw is None or raw.strip().lstrip("+").lower() in ANONYMOUS_CALLERS


def normalise(raw: str | None, region: str = "BE") -> str:
    """Return `raw` as E.164, or raise InvalidNumber saying why."""
    if is_anonymous(raw):
        raise InvalidNumber("the caller's number is withheld", reason="anonymous")
    assert raw is not None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"not a phone number: {raw!r}", reason="unparseable") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"not a valid phone number: {raw!r}", reason="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def callable_number(raw: str | None, policy: NumberPolicy | None = None) -> str:
    """Return `raw` as E.164 if we may call it back, or raise InvalidNumber with a `reason`:
    anonymous, emergency, short, unparseable, invalid, premium-rate, shared-cost, country."""
    policy = policy or NumberPolicy()
    if is_anonymous(raw):
        raise InvalidNumber("the caller's number is withheld", reason="anonymous")
    assert raw is not None
    compact = re.sub(r"[\s./()-]", "", raw)
    if compact.isdigit() and len(compact) <= 6:
        if shortnumberinfo.is_emergency_number(compact, policy.region):
            raise InvalidNumber("emergency numbers are never called back", reason="emergency")
        raise InvalidNumber("short numbers are not called back", reason="short")
    e164 = normalise(raw, policy.region)
    parsed = phonenumbers.parse(e164)
    kind = phonenumbers.number_type(parsed)
    if kind in REFUSED_TYPES:
        reason = REFUSED_TYPES[kind]
        raise InvalidNumber(f"{reason} numbers are not called back", reason=reason)
    country = phonenumbers.region_code_for_number(parsed)
    if "*" not in policy.allowed_countries and country not in policy.allowed_countries:
        raise InvalidNumber(
            f"numbers from {country or 'this country'} are not called back",
            reason="country",
            country=country,
        )
    return e164


def keyed_number(digits: str, policy: NumberPolicy | None = None) -> str:
    """A number keyed in on the phone's keypad ("0470123456", "0032470123456" or "*32..."; a
    trailing "#" is ignored), checked by `callable_number`."""
    keyed = digits.strip().rstrip("#")
    if keyed.startswith("*"):
        keyed = "+" + keyed[1:]
    if not keyed.lstrip("+").isdigit():
        raise InvalidNumber("only digits can be keyed in", reason="unparseable")
    return callable_number(keyed, policy)


SPOKEN_PLUS = {"fr": "plus", "nl": "plus", "en": "plus"}


def read_back(e164: str, language: str = "fr", region: str = "BE") -> str:
    """The number as it is read back to the caller for confirmation: digit by digit, grouped
    the way it is written (national format at home, international otherwise), with commas so
    that text-to-speech pauses between groups. E.g. "0 4 7 0, 1 2, 3 4, 5 6"."""
    parsed = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(parsed) == region:
        written = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        prefix = ""
    else:
        written = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        prefix = SPOKEN_PLUS.get(language, "plus") + ", "
    groups = [g for g in re.split(r"[^\d]+", written) if g]
    return prefix + ", ".join(" ".join(group) for group in groups)
