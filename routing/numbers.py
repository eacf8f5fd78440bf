"""Phone-number policy: every number the service stores or dials is E.164, parsed with
phonenumbers against a default region (Belgium)."""

from __future__ import annotations

import phonenumbers

from irisline.errors import InvalidInput

# Twilio's placeholders for a withheld or unknown caller ID.
ANONYMOUS_CALLERS = frozenset({"", "anonymous", "restricted", "unknown", "private", "266696687"})


class InvalidNumber(InvalidInput):
    error_id = "invalid-number"


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
