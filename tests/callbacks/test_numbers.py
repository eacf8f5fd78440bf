"""Number policy: E.164, Belgium by default, no premium/shared-cost/short/emergency numbers,
only allowed countries; keyed-in numbers and their read-back."""

from __future__ import annotations

import pytest

from routing.numbers import (
    InvalidNumber,
    NumberPolicy,
    callable_number,
    keyed_number,
    read_back,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0470 12 34 56", "+32470123456"),
        ("+32 2 279 22 11", "+3222792211"),
        ("0032 470 12 34 56", "+32470123456"),
        ("+31 20 123 4567", "+31201234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+49 30 123456", "+4930123456"),
        ("+352 621 123 456", "+352621123456"),
        ("078 15 15 15", "+3278151515"),
    ],
)
def test_callable_numbers_are_e164(raw: str, e164: str) -> None:
    assert callable_number(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0900 12 345", "premium-rate"),
        ("0903 12 345", "premium-rate"),
        ("070 22 33 44", "premium-rate"),
        ("+33 8 99 12 34 56", "premium-rate"),
        ("+44 9090 123456", "premium-rate"),
        ("+33 8 10 12 34 56", "shared-cost"),
        ("112", "emergency"),
        ("101", "emergency"),
        ("100", "emergency"),
        ("1207", "short"),
        ("+1 202 555 0143", "country"),
        ("+44 20 7946 0958", "country"),
        ("02 123 45", "invalid"),
        ("hello", "unparseable"),
        ("anonymous", "anonymous"),
        ("", "anonymous"),
    ],
)
def test_refused_numbers_say_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        callable_number(raw)
    assert info.value.details["reason"] == reason
    assert info.value.status == 422


def test_allowed_countries_are_configurable() -> None:
    policy = NumberPolicy.from_setting("BE", "BE,GB")
    assert callable_number("+44 20 7946 0958", policy) == "+442079460958"
    with pytest.raises(InvalidNumber):
        callable_number("+33 6 12 34 56 78", policy)
    assert callable_number("+1 202 555 0143", NumberPolicy.from_setting("BE", "*"))
    assert NumberPolicy.from_setting("BE", "").allowed_countries == {"BE", "NL", "FR", "DE", "LU"}


def test_keyed_in_numbers() -> None:
    assert keyed_number("0470123456#") == "+32470123456"
    assert keyed_number("0033612345678") == "+33612345678"
    assert keyed_number("*33612345678") == "+33612345678"
    with pytest.raises(InvalidNumber):
        keyed_number("0900123")
    with pytest.raises(InvalidNumber):
        keyed_number("04701*3456")


def test_read_back_digit_by_digit() -> None:
    assert read_back("+32470123456", "fr") == "0 4 7 0, 1 2, 3 4, 5 6"
    assert read_back("+3222792211", "nl") == "0 2, 2 7 9, 2 2, 1 1"
    assert read_back("+33612345678", "en") == "plus, 3 3, 6, 1 2, 3 4, 5 6, 7 8"
