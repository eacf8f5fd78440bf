"""Opening hours in Europe/Brussels: holidays, exceptions, daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routing.hours import (
    Window,
    callable_windows,
    is_open,
    local_time,
    next_opening,
    next_window,
    subtract,
    windows,
)
from routing.services import (
    HolidayCalendar,
    Service,
    TimeRange,
    default_services,
    parse_services,
    read_services,
)

BXL = ZoneInfo("Europe/Brussels")
UTC = dt.UTC


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=BXL)


def weekdays(*ranges: str) -> str:
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    return "\n".join(f"      {day}: [{', '.join(repr(r) for r in ranges)}]" for day in days)


def service(
    extra: str = "", every_day: tuple[str, ...] = ("08:30-12:30", "13:30-16:00")
) -> Service:
    text = f"""
services:
  s:
    name: {{fr: S}}
    hours:
{weekdays(*every_day)}
{extra}
"""
    return parse_services(text, "services.yaml")["s"]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2025, 1, 1), "New Year's Day"),
        (dt.date(2025, 4, 21), "Easter Monday"),
        (dt.date(2025, 5, 1), "Labor Day"),
        (dt.date(2025, 5, 8), "Iris Day (Brussels-Capital Region)"),
        (dt.date(2025, 5, 29), "Ascension Day"),
        (dt.date(2025, 6, 9), "Pentecost Monday"),
        (dt.date(2025, 7, 21), "National Day"),
        (dt.date(2025, 8, 15), "Assumption Day"),
        (dt.date(2025, 11, 1), "All Saints' Day"),
        (dt.date(2025, 11, 11), "Armistice Day"),
        (dt.date(2025, 12, 25), "Christmas Day"),
        (dt.date(2026, 4, 6), "Easter Monday"),
    ],
)
def test_services_are_closed_on_belgian_and_brussels_holidays(day: dt.date, name: str) -> None:
    s = service()
    assert s.calendar.holiday(day) == name
    assert windows(s, day) == []
    assert not is_open(s, dt.datetime.combine(day, dt.time(10), tzinfo=BXL))


def test_an_ordinary_day_is_not_a_holiday() -> None:
    s = service()
    assert s.calendar.holiday(dt.date(2025, 5, 7)) is None
    assert is_open(s, at(2025, 5, 7, 10))


def test_a_service_may_stay_open_on_holidays() -> None:
    assert is_open(service("    open_on_holidays: true"), at(2025, 7, 21, 10))


def test_weekly_hours_and_their_edges() -> None:
    s = service()
    assert [(w.start, w.end) for w in windows(s, dt.date(2025, 3, 12))] == [
        (at(2025, 3, 12, 8, 30), at(2025, 3, 12, 12, 30)),
        (at(2025, 3, 12, 13, 30), at(2025, 3, 12, 16)),
    ]
    assert not is_open(s, at(2025, 3, 12, 8, 29))
    assert is_open(s, at(2025, 3, 12, 8, 30))
    assert not is_open(s, at(2025, 3, 12, 12, 30))  # windows are half-open
    assert is_open(s, at(2025, 3, 12, 15, 59))
    # Any zone works: 07:30 UTC is 08:30 in Brussels in March (winter time).
    assert is_open(s, dt.datetime(2025, 3, 12, 7, 30, tzinfo=UTC))
    assert not is_open(s, dt.datetime(2025, 3, 12, 7, 29, tzinfo=UTC))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        is_open(service(), dt.datetime(2025, 3, 12, 10))


def test_dated_exceptions_win_over_weekly_hours_and_holidays() -> None:
    s = service(
        """    exceptions:
      - {date: 2025-12-24, hours: ["08:30-12:00"]}
      - {from: 2025-12-29, to: 2025-12-31, closed: true, note: year end}
      - {date: 2025-12-25, hours: ["10:00-12:00"], note: special opening}"""
    )
    assert [(w.start, w.end) for w in windows(s, dt.date(2025, 12, 24))] == [
        (at(2025, 12, 24, 8, 30), at(2025, 12, 24, 12))
    ]
    for day in (29, 30, 31):
        assert windows(s, dt.date(2025, 12, day)) == []
    assert is_open(s, at(2025, 12, 25, 11))  # opened on Christmas by exception
    assert next_opening(s, at(2025, 12, 29, 9)) == at(2026, 1, 2, 8, 30)  # 1 Jan is a holiday


def test_next_opening() -> None:
    s = service()
    assert next_opening(s, at(2025, 3, 12, 10)) == at(2025, 3, 12, 10)  # open: now
    assert next_opening(s, at(2025, 3, 12, 12, 45)) == at(2025, 3, 12, 13, 30)
    assert next_opening(s, at(2025, 3, 12, 17)) == at(2025, 3, 13, 8, 30)
    # Before 11 November (a Tuesday), the next opening skips the holiday.
    assert next_opening(s, at(2025, 11, 10, 18)) == at(2025, 11, 12, 8, 30)
    window = next_window(s, at(2025, 3, 12, 12, 45))
    assert window == Window(at(2025, 3, 12, 13, 30), at(2025, 3, 12, 16))


def test_a_service_without_hours_never_opens() -> None:
    s = parse_services("services:\n  s: {name: {fr: S}, hours: {}}\n")["s"]
    assert next_opening(s, at(2025, 3, 12), horizon_days=30) is None
    assert not is_open(s, at(2025, 3, 12, 10))


# ---- daylight saving: last Sunday of March and of October ----


def test_windows_have_the_right_offset_on_each_side_of_the_switches() -> None:
    s = service()
    for day, offset in [
        (dt.date(2025, 3, 29), 1),
        (dt.date(2025, 3, 30), 2),  # spring forward at 02:00
        (dt.date(2025, 10, 25), 2),
        (dt.date(2025, 10, 26), 1),  # fall back at 03:00
    ]:
        for w in windows(s, day):
            assert w.start.utcoffset() == dt.timedelta(hours=offset)
            assert w.end.utcoffset() == dt.timedelta(hours=offset)
    # 08:30 local is 06:30 UTC in summer time and 07:30 UTC in winter time.
    assert windows(s, dt.date(2025, 3, 30))[0].start.astimezone(UTC).hour == 6
    assert windows(s, dt.date(2025, 10, 26))[0].start.astimezone(UTC).hour == 7


def test_an_opening_in_the_spring_gap_does_not_crash_and_starts_when_the_clocks_jump() -> None:
    s = service(every_day=("02:30-04:00",))
    [w] = windows(s, dt.date(2025, 3, 30))
    assert w.start == dt.datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert (w.start.hour, w.start.minute, w.start.utcoffset()) == (3, 0, dt.timedelta(hours=2))
    assert w.duration == dt.timedelta(hours=1)
    assert not is_open(s, dt.datetime(2025, 3, 30, 0, 59, tzinfo=UTC))  # 01:59 winter time
    assert next_opening(s, at(2025, 3, 30, 0)) == w.start
    # A window wholly inside the gap disappears instead of going backwards.
    assert windows(service(every_day=("02:00-02:45",)), dt.date(2025, 3, 30)) == []


def test_a_window_over_the_repeated_autumn_hour_covers_both() -> None:
    s = service(every_day=("02:00-04:00",))
    [w] = windows(s, dt.date(2025, 10, 26))
    assert w.duration == dt.timedelta(hours=3)
    assert w.start.utcoffset() == dt.timedelta(hours=2)
    assert w.end.utcoffset() == dt.timedelta(hours=1)
    # 02:30 happens twice; both are inside the window.
    first = dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    second = dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    assert first.astimezone(BXL).hour == second.astimezone(BXL).hour == 2
    assert is_open(s, first) and is_open(s, second)
    assert not is_open(s, dt.datetime(2025, 10, 26, 3, 0, tzinfo=UTC))


def test_a_full_day_on_switch_days_lasts_23_and_25_hours() -> None:
    s = service(every_day=("00:00-24:00",))
    assert windows(s, dt.date(2025, 3, 30))[0].duration == dt.timedelta(hours=23)
    assert windows(s, dt.date(2025, 10, 26))[0].duration == dt.timedelta(hours=25)
    assert windows(s, dt.date(2025, 10, 26))[0].end == at(2025, 10, 27)


def test_local_time_across_the_switches() -> None:
    assert local_time(dt.date(2025, 3, 30), 2 * 60 + 30, BXL).isoformat() == (
        "2025-03-30T03:00:00+02:00"
    )
    assert local_time(dt.date(2025, 3, 30), 2 * 60, BXL).isoformat() == (
        "2025-03-30T03:00:00+02:00"
    )
    assert local_time(dt.date(2025, 3, 30), 3 * 60, BXL).isoformat() == (
        "2025-03-30T03:00:00+02:00"
    )
    assert local_time(dt.date(2025, 10, 26), 2 * 60 + 30, BXL).isoformat() == (
        "2025-10-26T02:30:00+02:00"
    )
    assert local_time(dt.date(2025, 10, 26), 24 * 60, BXL).isoformat() == (
        "2025-10-27T00:00:00+01:00"
    )


# ---- call-back windows: opening hours minus quiet hours ----


def test_callable_windows_are_opening_hours_minus_quiet_hours() -> None:
    s = service('    quiet_hours: "12:00-09:00"', every_day=("08:00-18:00",))
    assert [(w.start, w.end) for w in callable_windows(s, dt.date(2025, 3, 12))] == [
        (at(2025, 3, 12, 9), at(2025, 3, 12, 12))
    ]
    s = service('    quiet_hours: ["12:00-13:00", "17:00-24:00"]', every_day=("08:00-18:00",))
    assert [(w.start, w.end) for w in callable_windows(s, dt.date(2025, 3, 12))] == [
        (at(2025, 3, 12, 8), at(2025, 3, 12, 12)),
        (at(2025, 3, 12, 13), at(2025, 3, 12, 17)),
    ]
    assert callable_windows(s, dt.date(2025, 12, 25)) == []


def test_callable_windows_keep_offsets_on_dst_days() -> None:
    s = service('    quiet_hours: "20:00-09:00"', every_day=("08:00-18:00",))
    [w] = callable_windows(s, dt.date(2025, 10, 26))
    assert (w.start, w.end) == (at(2025, 10, 26, 9), at(2025, 10, 26, 18))
    assert w.start.utcoffset() == dt.timedelta(hours=1)


def test_subtract_cuts_the_middle_out() -> None:
    base = [Window(at(2025, 3, 12, 8), at(2025, 3, 12, 18))]
    hole = [Window(at(2025, 3, 12, 10), at(2025, 3, 12, 11))]
    assert subtract(base, hole) == [
        Window(at(2025, 3, 12, 8), at(2025, 3, 12, 10)),
        Window(at(2025, 3, 12, 11), at(2025, 3, 12, 18)),
    ]
    assert subtract(base, base) == []


# ---- the service directory file ----


def test_the_bundled_directory_has_the_regions_services() -> None:
    d = default_services()
    assert list(d.services) == [
        "taxes",
        "housing",
        "mobility",
        "employment",
        "social",
        "urbanism",
        "civil_status",
        "general",
    ]
    assert d["taxes"].name("nl") == "Gewestelijke fiscaliteit"
    assert d["social"].max_wait_seconds == 120
    assert d["taxes"].voicemail_max_seconds == 120  # from the defaults
    assert d["general"].quiet_hours == (TimeRange(0, 8 * 60 + 30), TimeRange(19 * 60, 24 * 60))
    assert d.calendar == HolidayCalendar("BE", ((5, 8, "Iris Day (Brussels-Capital Region)"),))
    # Monday 3 November 2025, mid-morning: every service is open but urbanism.
    monday = at(2025, 11, 3, 10)
    assert [sid for sid, s in d.services.items() if not is_open(s, monday)] == ["urbanism"]


def test_service_file_problems_are_precise() -> None:
    text = """
defaults: {max_wait_seconds: -5}
holidays: {regional: [{date: "13-45", name: Nope}]}
services:
  s:
    name: {fr: S}
    hours:
      monday: ["12:00-08:00", "8:30-9:00"]
      tuesday: ["08:00-12:00", "11:00-13:00"]
      funday: ["08:00-09:00"]
      wednesday: "9h-17h"
    exceptions:
      - {date: 2025-02-30, closed: true}
      - {from: 2025-03-10, to: 2025-03-01, closed: true}
      - {date: 2025-04-01}
      - {from: 2025-05-01, to: 2025-05-10, closed: true}
      - {date: 2025-05-05, hours: ["10:00-11:00"]}
"""
    directory, problems = read_services(text, "services.yaml")
    assert directory is None
    assert [str(p) for p in problems] == [
        "services.yaml: holidays.regional[0].date: expected 'MM-DD', got '13-45'",
        "services.yaml: service 's': hours.funday: unknown field (expected one of monday, "
        "tuesday, wednesday, thursday, friday, saturday, sunday)",
        "services.yaml: service 's': hours.monday[0]: ends before it starts in '12:00-08:00' "
        "(a range can't span midnight)",
        "services.yaml: service 's': hours.tuesday[1]: 11:00-13:00 overlaps 08:00-12:00",
        "services.yaml: service 's': hours.wednesday: expected a time range like '08:30-12:30', "
        "got '9h-17h'",
        "services.yaml: service 's': exceptions[0].date: expected a date like 2025-12-24, "
        "got '2025-02-30'",
        "services.yaml: service 's': exceptions[1].to: 2025-03-01 is before 2025-03-10",
        "services.yaml: service 's': exceptions[2]: give either 'hours' or 'closed: true'",
        "services.yaml: service 's': exceptions[4]: overlaps exceptions[3] "
        "(2025-05-01 to 2025-05-10)",
        "services.yaml: service 's': max_wait_seconds: must be at least 1, got -5",
    ]
