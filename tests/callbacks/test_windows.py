"""Callable windows: opening hours minus quiet hours, never on holidays, inside the preferred
window, in Brussels wall-clock time across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from callbacks.windows import (
    TZ,
    ServicePolicy,
    WeeklyCalendar,
    Window,
    callable_windows,
    is_callable,
    is_open,
    next_attempt_at,
    next_opening,
    next_window,
)


def bxl(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


POLICY = ServicePolicy()


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        (date(2026, 3, 27), 1),  # Friday before the spring change: UTC+1
        (date(2026, 3, 30), 2),  # Monday after: UTC+2
        (date(2026, 10, 23), 2),  # Friday before the autumn change
        (date(2026, 10, 26), 1),  # Monday after
    ],
)
def test_windows_keep_wall_clock_hours_across_dst(day: date, offset: int) -> None:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    (window,) = callable_windows(POLICY, start, start + timedelta(days=1))
    assert window.start == datetime.combine(day, time(8 - offset, 30), tzinfo=UTC)
    assert window.end == datetime.combine(day, time(17 - offset), tzinfo=UTC)
    local_start, local_end = window.local()
    assert (local_start.time(), local_end.time()) == (time(8, 30), time(17, 0))


def test_night_call_is_planned_for_next_morning_over_the_dst_weekend() -> None:
    # Friday 27 March 2026 at 20:00: the next window is Monday 08:30 summer time.
    window = next_window(POLICY, bxl(2026, 3, 27, 20, 0))
    assert window is not None
    assert window.start == bxl(2026, 3, 30, 8, 30) == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 8),  # Brussels-Capital Region holiday (Iris Day), a Friday
        date(2026, 5, 14),  # Ascension
        date(2026, 7, 21),  # National Day
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),
    ],
)
def test_never_on_holidays(holiday: date) -> None:
    start = datetime.combine(holiday, time(0), tzinfo=TZ)
    assert callable_windows(POLICY, start, start + timedelta(days=1)) == []
    assert not is_callable(POLICY, bxl(holiday.year, holiday.month, holiday.day, 10))
    assert WeeklyCalendar().is_holiday(holiday)


def test_weekends_are_closed_and_the_next_window_skips_holidays() -> None:
    # Thursday 7 May 2026 after closing: Friday 8 May is the regional holiday -> Monday 11.
    window = next_window(POLICY, bxl(2026, 5, 7, 17, 30))
    assert window is not None and window.start == bxl(2026, 5, 11, 8, 30)


def test_quiet_hours_are_cut_out() -> None:
    policy = ServicePolicy(quiet_hours=((time(12, 0), time(13, 30)),))
    windows = callable_windows(policy, bxl(2026, 6, 2, 0, 0), bxl(2026, 6, 3, 0, 0))
    assert windows == [
        Window(bxl(2026, 6, 2, 8, 30), bxl(2026, 6, 2, 12, 0)),
        Window(bxl(2026, 6, 2, 13, 30), bxl(2026, 6, 2, 17, 0)),
    ]
    assert not is_callable(policy, bxl(2026, 6, 2, 12, 45))
    assert is_callable(policy, bxl(2026, 6, 2, 13, 30))
    window = next_window(policy, bxl(2026, 6, 2, 12, 10))
    assert window is not None and window.start == bxl(2026, 6, 2, 13, 30)


def test_preferred_window_clips_and_defers() -> None:
    preferred = Window(bxl(2026, 6, 3, 16, 0), bxl(2026, 6, 4, 10, 0))
    windows = callable_windows(POLICY, bxl(2026, 6, 1, 0, 0), bxl(2026, 6, 10, 0, 0), preferred)
    assert windows == [
        Window(bxl(2026, 6, 3, 16, 0), bxl(2026, 6, 3, 17, 0)),
        Window(bxl(2026, 6, 4, 8, 30), bxl(2026, 6, 4, 10, 0)),
    ]
    assert next_window(POLICY, bxl(2026, 6, 1, 9, 0), preferred) == windows[0]
    # A preferred window with no opening hours in it gives nothing.
    evening = Window(bxl(2026, 6, 3, 18, 0), bxl(2026, 6, 3, 22, 0))
    assert next_window(POLICY, bxl(2026, 6, 1, 9, 0), evening) is None


def test_retries_follow_delays_windows_and_max_attempts() -> None:
    policy = ServicePolicy(max_attempts=3, retry_delays=(timedelta(minutes=30), timedelta(hours=2)))
    assert next_attempt_at(policy, 1, bxl(2026, 6, 2, 10, 0)) == bxl(2026, 6, 2, 10, 30)
    # 16:00 + 2 h is after closing: the next morning.
    assert next_attempt_at(policy, 2, bxl(2026, 6, 2, 16, 0)) == bxl(2026, 6, 3, 8, 30)
    assert next_attempt_at(policy, 3, bxl(2026, 6, 2, 10, 0)) is None


def test_open_now_and_next_opening() -> None:
    calendar = WeeklyCalendar()
    assert is_open(calendar, bxl(2026, 6, 2, 9, 0))
    assert not is_open(calendar, bxl(2026, 6, 2, 17, 0))
    assert next_opening(calendar, bxl(2026, 6, 2, 9, 0)) == bxl(2026, 6, 3, 8, 30)
    assert next_opening(calendar, bxl(2026, 12, 24, 18, 0)) == bxl(2026, 12, 28, 8, 30)


def test_autumn_change_night_is_not_callable_even_with_night_hours() -> None:
    # A service open around the clock on Sundays, with quiet hours 21:00-08:00: the repeated
    # hour of 25 October 2026 (02:00-03:00 happens twice) stays quiet.
    calendar = WeeklyCalendar(weekly={6: ((time(0), time(0)),)})
    policy = ServicePolicy(calendar=calendar, quiet_hours=((time(0), time(8)),))
    windows = callable_windows(policy, bxl(2026, 10, 25, 0, 0), bxl(2026, 10, 26, 0, 0))
    assert windows == [Window(bxl(2026, 10, 25, 8, 0), bxl(2026, 10, 26, 0, 0))]
    assert windows[0].end - windows[0].start == timedelta(hours=16)
