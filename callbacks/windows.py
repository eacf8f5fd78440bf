"""Service policies and callable windows, in Europe/Brussels wall-clock time, DST-safe.

A callable window is a stretch of time in which a call-back may be placed:

    opening hours of the service's calendar (never on a holiday)
    minus the policy's quiet hours
    intersected with the citizen's preferred window, if they gave one.

Opening hours and quiet hours are wall-clock times in Brussels; every computed instant is an
aware UTC datetime. Days are built with zoneinfo one local date at a time, so a window on the
day the clocks change keeps its wall-clock hours (08:30 is 08:30 on both sides of a change).

The routing package will provide per-service opening hours; it only has to implement the
`Calendar` protocol (`opening_hours(day)`), and `ServicePolicy.calendar` takes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Europe/Brussels")
HORIZON = timedelta(days=60)
LocalSpan = tuple[time, time]


@dataclass(frozen=True, order=True)
class Window:
    """[start, end) in aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a window needs aware datetimes")

    def __contains__(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def intersect(self, other: Window) -> Window | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Window(start, end) if start < end else None

    def local(self) -> tuple[datetime, datetime]:
        return self.start.astimezone(TZ), self.end.astimezone(TZ)

    def as_json(self) -> dict[str, str]:
        start, end = self.local()
        return {"start": start.isoformat(), "end": end.isoformat()}


class Calendar(Protocol):
    """Opening hours of a service as wall-clock spans in Brussels, per local date; an empty
    sequence means closed (weekend, holiday, exceptional closure)."""

    def opening_hours(self, day: date) -> Sequence[LocalSpan]: ...


@lru_cache(maxsize=32)
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


# 8 May, the Brussels-Capital Region's holiday (Iris Day), on top of the national ones.
BRUSSELS_HOLIDAYS = ((5, 8),)
OFFICE_HOURS: tuple[LocalSpan, ...] = ((time(8, 30), time(17, 0)),)


@dataclass(frozen=True)
class WeeklyCalendar:
    """Fixed weekly hours (default Monday-Friday 08:30-17:00), closed on Belgian public
    holidays (the `holidays` package, country BE) and on the Brussels regional holiday."""

    weekly: Mapping[int, Sequence[LocalSpan]] = field(
        default_factory=lambda: {day: OFFICE_HOURS for day in range(5)}
    )
    extra_holidays: tuple[tuple[int, int], ...] = BRUSSELS_HOLIDAYS
    closed_dates: frozenset[date] = frozenset()

    def is_holiday(self, day: date) -> bool:
        return (
            day in _belgian_holidays(day.year)
            or (day.month, day.day) in self.extra_holidays
            or day in self.closed_dates
        )

    def opening_hours(self, day: date) -> Sequence[LocalSpan]:
        if self.is_holiday(day):
            return ()
        return tuple(self.weekly.get(day.weekday(), ()))


@dataclass(frozen=True)
class ServicePolicy:
    """How a service's call-backs are planned.

    - `max_attempts`: calls made before a ticket is exhausted;
    - `retry_delays`: wait after the 1st, 2nd, ... failed attempt (the last one repeats);
      the next attempt is then moved into the next callable window;
    - `calendar`: opening hours (the callable-windows provider);
    - `quiet_hours`: wall-clock spans inside opening hours when nobody is called back;
    - `sla`: a ticket still open this long after the original call is escalated;
    - `expire_after`: a ticket still open this long after the original call expires.
    """

    max_attempts: int = 3
    retry_delays: tuple[timedelta, ...] = (
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=3),
    )
    calendar: Calendar = field(default_factory=WeeklyCalendar)
    quiet_hours: tuple[LocalSpan, ...] = ()
    sla: timedelta = timedelta(days=2)
    expire_after: timedelta = timedelta(days=14)

    def retry_delay(self, attempts_made: int) -> timedelta:
        if not self.retry_delays:
            return timedelta(0)
        return self.retry_delays[min(max(attempts_made, 1), len(self.retry_delays)) - 1]


PolicyProvider = Callable[[str], ServicePolicy]
_DEFAULT_POLICY = ServicePolicy()


@dataclass(frozen=True)
class ServiceCalendar:
    """A service's opening hours from the routing directory: weekly hours, dated exceptions,
    Belgian public holidays and the Brussels regional holiday."""

    service_id: str

    def opening_hours(self, day: date) -> Sequence[LocalSpan]:
        from .services import routing_service, spans

        return spans(routing_service(self.service_id).hours_on(day))


def default_policy(service: str) -> ServicePolicy:
    """Office hours (Monday-Friday 08:30-17:00, closed on holidays) for every service: the
    domain's default, for callers that don't pass the service directory's policies."""
    return _DEFAULT_POLICY


def service_policy(service: str) -> ServicePolicy:
    """A service's policy: its opening hours and quiet hours from the routing directory; a
    service the directory doesn't know gets office hours."""
    from .services import routing_service, spans

    try:
        found = routing_service(service)
    except KeyError:
        return _DEFAULT_POLICY
    return ServicePolicy(calendar=ServiceCalendar(service), quiet_hours=spans(found.quiet_hours))


def _at(day: date, wall: time) -> datetime:
    """A Brussels wall-clock time on a local date, as UTC. 24:00 is written time(0) at the end
    of a span and means the next midnight."""
    return datetime.combine(day, wall, tzinfo=TZ).astimezone(UTC)


def _spans(day: date, spans: Iterable[LocalSpan]) -> list[Window]:
    out = []
    for start, end in spans:
        end_day = day + timedelta(days=1) if end <= start else day
        out.append(Window(_at(day, start), _at(end_day, end)))
    return out


def _subtract(windows: list[Window], holes: list[Window]) -> list[Window]:
    for hole in holes:
        kept: list[Window] = []
        for w in windows:
            if hole.end <= w.start or hole.start >= w.end:
                kept.append(w)
                continue
            if w.start < hole.start:
                kept.append(Window(w.start, hole.start))
            if hole.end < w.end:
                kept.append(Window(hole.end, w.end))
        windows = kept
    return windows


def day_windows(policy: ServicePolicy, day: date) -> list[Window]:
    """Callable windows of one local date: opening hours minus quiet hours."""
    opening = _spans(day, policy.calendar.opening_hours(day))
    return sorted(_subtract(opening, _spans(day, policy.quiet_hours)))


def callable_windows(
    policy: ServicePolicy,
    start: datetime,
    end: datetime,
    preferred: Window | None = None,
) -> list[Window]:
    """Every callable window between `start` and `end`, clipped to them and to `preferred`."""
    bound = Window(start, end)
    if preferred is not None:
        clipped = bound.intersect(preferred)
        if clipped is None:
            return []
        bound = clipped
    out = []
    day = bound.start.astimezone(TZ).date() - timedelta(days=1)
    last = bound.end.astimezone(TZ).date()
    while day <= last:
        for window in day_windows(policy, day):
            part = window.intersect(bound)
            if part is not None:
                out.append(part)
        day += timedelta(days=1)
    return out


def next_window(
    policy: ServicePolicy,
    after: datetime,
    preferred: Window | None = None,
    horizon: timedelta = HORIZON,
) -> Window | None:
    """The first callable window at or after `after` (clipped), or None within the horizon."""
    day_start, step = after, timedelta(days=7)
    while day_start < after + horizon:
        found = callable_windows(policy, day_start, day_start + step, preferred)
        if found:
            return found[0]
        day_start += step
    return None


def is_callable(policy: ServicePolicy, at: datetime, preferred: Window | None = None) -> bool:
    window = next_window(policy, at, preferred, horizon=timedelta(days=1))
    return window is not None and at in window


def next_attempt_at(
    policy: ServicePolicy,
    attempts_made: int,
    now: datetime,
    preferred: Window | None = None,
) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None when the ticket is
    exhausted (no attempts left, or no callable time left in the preferred window)."""
    if attempts_made >= policy.max_attempts:
        return None
    window = next_window(policy, now + policy.retry_delay(attempts_made), preferred)
    return window.start if window else None


# --- opening hours alone (for "open now" and "next opening") ----------------------------


def is_open(calendar: Calendar, at: datetime) -> bool:
    local = at.astimezone(TZ).date()
    return any(
        at in w
        for day in (local - timedelta(days=1), local)
        for w in _spans(day, calendar.opening_hours(day))
    )


def next_opening(calendar: Calendar, after: datetime, horizon_days: int = 60) -> datetime | None:
    """The start of the next opening strictly after `after`."""
    day = after.astimezone(TZ).date()
    for offset in range(horizon_days):
        current = day + timedelta(days=offset)
        for w in sorted(_spans(current, calendar.opening_hours(current))):
            if w.start > after:
                return w.start
    return None


def policies_with_sla(sla: timedelta) -> PolicyProvider:
    """Each service's policy with the SLA the operators set (IRISLINE_SLA_HOURS)."""

    def provider(service: str) -> ServicePolicy:
        return replace(service_policy(service), sla=sla)

    return provider


def dial_window(
    ticket: Any, now: datetime, policies: PolicyProvider | None = None
) -> datetime | None:
    """The dialler's window check: None when `ticket` may be dialled at `now`, else the next
    moment it may be (its service's callable windows, within the citizen's preferred window).
    A ticket with no callable time left within the horizon is looked at again in a day."""
    policy = (policies or service_policy)(ticket.service)
    preferred = None
    if ticket.preferred_start is not None and ticket.preferred_end is not None:
        preferred = Window(ticket.preferred_start, ticket.preferred_end)
    window = next_window(policy, now, preferred)
    if window is None:
        return now + timedelta(days=1)
    return None if now in window else window.start
