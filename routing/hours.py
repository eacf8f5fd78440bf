"""Opening hours in real time: a service's windows on a day, whether it is open, when it opens
next, and the windows a call-back may be placed in.

Everything is computed from local wall-clock ranges in the service's zone (Europe/Brussels),
and compared in UTC: Python compares two datetimes of the same zone by wall clock, ignoring
the offset, which is wrong for the hour that repeats when summer time ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .services import DAY_MINUTES, Service, TimeRange

UTC = dt.UTC


@dataclass(frozen=True)
class Window:
    """[start, end) as aware datetimes in the service's zone."""

    start: dt.datetime
    end: dt.datetime

    def contains(self, at: dt.datetime) -> bool:
        return _utc(self.start) <= _utc(at) < _utc(self.end)

    @property
    def duration(self) -> dt.timedelta:
        return _utc(self.end) - _utc(self.start)


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; give an aware datetime")
    return at.astimezone(UTC)


def local_time(day: dt.date, minutes: int, tz: ZoneInfo) -> dt.datetime:
    """Wall-clock `minutes` after midnight on `day` (1440 = the next midnight) in `tz`.

    A time in the spring-forward gap (02:30 on the last Sunday of March) doesn't exist: it
    becomes the instant the clocks jump (03:00 summer time), when the wall clock has passed it,
    so a service due to open at 02:30 is open from 03:00. A time in the autumn's repeated hour
    takes its first (summer-time) occurrence, so a window over that hour covers both.
    """
    if minutes >= DAY_MINUTES:
        day, minutes = day + dt.timedelta(days=1), minutes - DAY_MINUTES
    wall = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)
    moment = wall.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return moment.astimezone(tz)
    # In the gap: the jump lies between the two readings of the wall time; find it.
    lo, hi = sorted((wall.replace(fold=1).astimezone(UTC), moment))
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(second=0, microsecond=0).astimezone(tz)


def _windows(ranges: tuple[TimeRange, ...], day: dt.date, tz: ZoneInfo) -> list[Window]:
    out: list[Window] = []
    for rng in sorted(ranges):
        start, end = local_time(day, rng.start, tz), local_time(day, rng.end, tz)
        if _utc(end) <= _utc(start):
            continue  # wholly inside the spring-forward gap
        if out and _utc(out[-1].end) >= _utc(start):
            out[-1] = Window(out[-1].start, max(out[-1].end, end, key=_utc))
        else:
            out.append(Window(start, end))
    return out


def windows(service: Service, day: dt.date) -> list[Window]:
    """The service's opening windows on local date `day` (holidays and exceptions applied)."""
    return _windows(service.hours_on(day), day, service.timezone)


def is_open(service: Service, at: dt.datetime) -> bool:
    local = _utc(at).astimezone(service.timezone)
    return any(w.contains(at) for w in windows(service, local.date()))


def next_window(service: Service, after: dt.datetime, horizon_days: int = 400) -> Window | None:
    """The window the service is open in at `after`, or the next one; None if it doesn't open
    within `horizon_days` (e.g. a service closed until further notice)."""
    start = _utc(after).astimezone(service.timezone).date()
    for offset in range(horizon_days + 1):
        for window in windows(service, start + dt.timedelta(days=offset)):
            if _utc(window.end) > _utc(after):
                return window
    return None


def next_opening(
    service: Service, after: dt.datetime, horizon_days: int = 400
) -> dt.datetime | None:
    """The first moment at or after `after` when the service is open (`after` itself, in the
    service's zone, when it is open then); None if not within `horizon_days`."""
    window = next_window(service, after, horizon_days)
    if window is None:
        return None
    if _utc(window.start) >= _utc(after):
        return window.start
    return _utc(after).astimezone(service.timezone)


def subtract(windows_: list[Window], holes: list[Window]) -> list[Window]:
    """`windows_` minus `holes`, in the zone of `windows_`."""
    out: list[Window] = []
    for window in windows_:
        tz = window.start.tzinfo
        pieces = [(_utc(window.start), _utc(window.end))]
        for hole in holes:
            h_start, h_end = _utc(hole.start), _utc(hole.end)
            cut: list[tuple[dt.datetime, dt.datetime]] = []
            for start, end in pieces:
                if h_end <= start or end <= h_start:
                    cut.append((start, end))
                    continue
                if start < h_start:
                    cut.append((start, h_start))
                if h_end < end:
                    cut.append((h_end, end))
            pieces = cut
        out += [Window(s.astimezone(tz), e.astimezone(tz)) for s, e in pieces]
    return out


def quiet_windows(service: Service, day: dt.date) -> list[Window]:
    return _windows(service.quiet_hours, day, service.timezone)


def callable_windows(service: Service, day: dt.date) -> list[Window]:
    """When a call-back for this service may be placed on `day`: opening hours (so never on a
    holiday the service observes) minus quiet hours."""
    return subtract(windows(service, day), quiet_windows(service, day))
