"""Helpers for the call-back domain tests."""

from __future__ import annotations

from datetime import UTC, datetime

from callbacks.tickets import CallbackRequest
from callbacks.windows import TZ


def bxl(*args: int) -> datetime:
    """A Brussels wall-clock time as aware UTC."""
    return datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


# Tuesday 2 June 2026, 10:00 in Brussels: inside the default opening hours.
OPEN_NOW = bxl(2026, 6, 2, 10, 0)


def make_request(**kw: object) -> CallbackRequest:
    values: dict[str, object] = {
        "phone": "0470 12 34 56",
        "service": "housing",
        "language": "fr",
        "source": "web",
    }
    values.update(kw)
    return CallbackRequest(**values)  # type: ignore[arg-type]
