"""The service directory: each service's names, weekly opening hours, dated exceptions,
call-back threshold, voicemail length and quiet hours, read from `routing/services.yaml`.

It lives apart from the menu on purpose: hours and closures change on their own rhythm (a
holiday closure is not a menu change, and rolling back a menu must not reopen a closed
service), and the call-back scheduler needs them without any menu.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from .problems import MenuError, Problem
from .yamldoc import Report, join, parse_yaml, read_text_file, type_name

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MINUTES = 24 * 60
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
SERVICE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, order=True)
class TimeRange:
    """Local wall-clock minutes since midnight, [start, end); end may be 1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class DatedHours:
    """An exception to the weekly hours from `first` to `last` (inclusive); no hours = closed."""

    first: dt.date
    last: dt.date
    hours: tuple[TimeRange, ...]
    note: str | None = None

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@lru_cache(maxsize=64)
def _national_holidays(country: str, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays(country, years=year).items())


@dataclass(frozen=True)
class HolidayCalendar:
    """National holidays from the `holidays` package plus fixed regional ones (Brussels: 8 May,
    Iris Day, which the package doesn't know since Belgium has no Brussels subdivision there)."""

    country: str = "BE"
    regional: tuple[tuple[int, int, str], ...] = ((5, 8, "Iris Day (Brussels-Capital Region)"),)

    def holiday(self, day: dt.date) -> str | None:
        for month, dom, name in self.regional:
            if (day.month, day.day) == (month, dom):
                return name
        return _national_holidays(self.country, day.year).get(day)


BRUSSELS = ZoneInfo("Europe/Brussels")
DEFAULT_MAX_WAIT = 300
DEFAULT_VOICEMAIL_MAX = 120
DEFAULT_QUIET_HOURS = (TimeRange(0, 8 * 60), TimeRange(20 * 60, DAY_MINUTES))


@dataclass(frozen=True)
class Service:
    id: str
    names: dict[str, str]
    weekly: tuple[tuple[TimeRange, ...], ...]  # Monday first, 7 entries
    exceptions: tuple[DatedHours, ...] = ()
    max_wait_seconds: int = DEFAULT_MAX_WAIT  # above this estimate, offer a call-back first
    voicemail_max_seconds: int = DEFAULT_VOICEMAIL_MAX
    quiet_hours: tuple[TimeRange, ...] = DEFAULT_QUIET_HOURS  # no call-back dialled then
    open_on_holidays: bool = False
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    timezone: ZoneInfo = BRUSSELS

    def name(self, lang: str) -> str:
        return self.names.get(lang) or next(iter(self.names.values()), self.id)

    def hours_on(self, day: dt.date) -> tuple[TimeRange, ...]:
        """Local opening ranges on `day`: a dated exception wins (it may even open a holiday),
        then a public holiday closes, then the weekly hours apply."""
        for exception in self.exceptions:
            if exception.covers(day):
                return exception.hours
        if not self.open_on_holidays and self.calendar.holiday(day):
            return ()
        return self.weekly[day.weekday()]


@dataclass(frozen=True)
class ServiceDirectory:
    source: str
    services: dict[str, Service]
    timezone: ZoneInfo = BRUSSELS
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)

    def __getitem__(self, service_id: str) -> Service:
        return self.services[service_id]

    def __contains__(self, service_id: object) -> bool:
        return service_id in self.services

    def get(self, service_id: str) -> Service | None:
        return self.services.get(service_id)


# ---- reading -------------------------------------------------------------------------------


def parse_services(text: str, source: str = "services.yaml") -> ServiceDirectory:
    directory, problems = read_services(text, source)
    if directory is None or problems:
        raise MenuError(problems)
    return directory


def read_services(
    text: str, source: str = "services.yaml"
) -> tuple[ServiceDirectory | None, list[Problem]]:
    report = Report(source, kind="service")
    data = parse_yaml(text, report)
    if report.problems:
        return None, report.problems
    directory = _DirectoryReader(report).directory(data)
    if report.problems:
        return None, report.problems
    return directory, []


def read_services_file(path: str | Path) -> tuple[ServiceDirectory | None, list[Problem]]:
    text, problems = read_text_file(path)
    return (None, problems) if text is None else read_services(text, str(path))


def default_services_text() -> str:
    return resources.files("routing").joinpath("services.yaml").read_text(encoding="utf-8")


SERVICES_FILE_VARIABLE = "IRISLINE_SERVICES_FILE"


def default_services() -> ServiceDirectory:
    """The directory in use: the file named by IRISLINE_SERVICES_FILE, else the bundled one.
    Read once per process; raises MenuError listing the file's problems."""
    return _directory(os.environ.get(SERVICES_FILE_VARIABLE) or None)


@lru_cache(maxsize=4)
def _directory(path: str | None) -> ServiceDirectory:
    if path is None:
        return parse_services(default_services_text(), "services.yaml")
    found, problems = read_services_file(path)
    if found is None or problems:
        raise MenuError(problems)
    return found


class _DirectoryReader:
    def __init__(self, report: Report) -> None:
        self.r = report

    def directory(self, data: object) -> ServiceDirectory | None:
        top = self.r.fields(
            None,
            None,
            data,
            ("timezone", "holidays", "defaults", "services", "note"),
            ("services",),
        )
        if top is None:
            return None
        tz = BRUSSELS
        if "timezone" in top:
            name = self.r.text(None, "timezone", top["timezone"])
            try:
                tz = ZoneInfo(name) if name else tz
            except (ZoneInfoNotFoundError, ValueError):
                self.r.add(None, "timezone", f"unknown time zone {name!r}")
        calendar = self.calendar(top["holidays"]) if "holidays" in top else HolidayCalendar()
        defaults = self.r.fields(
            None,
            "defaults",
            top.get("defaults", {}),
            ("max_wait_seconds", "voicemail_max_seconds", "quiet_hours", "open_on_holidays"),
        )
        services: dict[str, Service] = {}
        raw = self.r.mapping(None, "services", top.get("services")) or {}
        for service_id, spec in raw.items():
            if not SERVICE_ID.match(service_id):
                self.r.add(service_id, None, "a service id is lowercase letters, digits and '_'")
                continue
            service = self.service(service_id, spec, defaults or {}, calendar, tz)
            if service is not None:
                services[service_id] = service
        return ServiceDirectory(self.r.file, services, tz, calendar)

    def calendar(self, value: object) -> HolidayCalendar:
        m = self.r.fields(None, "holidays", value, ("country", "regional")) or {}
        country = "BE"
        if "country" in m:
            country = self.r.text(None, "holidays.country", m["country"]) or country
            try:
                holidays.country_holidays(country)
            except NotImplementedError:
                self.r.add(None, "holidays.country", f"no holiday calendar for {country!r}")
                country = "BE"
        regional = []
        for i, item in enumerate(
            self.r.sequence(None, "holidays.regional", m.get("regional", [])) or []
        ):
            path = f"holidays.regional[{i}]"
            entry = self.r.fields(None, path, item, ("date", "name"), ("date", "name"))
            if entry is None or "date" not in entry or "name" not in entry:
                continue
            when = entry["date"]
            found = _MONTH_DAY.match(when) if isinstance(when, str) else None
            name = self.r.text(None, join(path, "name"), entry["name"])
            try:
                month, day = (int(found[1]), int(found[2])) if found else (0, 0)
                dt.date(2000, month, day)  # a leap year, so 02-29 is allowed
            except ValueError:
                found = None
            if not found:
                self.r.add(None, join(path, "date"), f"expected 'MM-DD', got {when!r}")
            elif name:
                regional.append((month, day, name))
        return HolidayCalendar(country, tuple(regional))

    def service(
        self,
        sid: str,
        value: object,
        defaults: dict[str, object],
        calendar: HolidayCalendar,
        tz: ZoneInfo,
    ) -> Service | None:
        m = self.r.fields(
            sid,
            None,
            value,
            (
                "name",
                "note",
                "hours",
                "exceptions",
                "max_wait_seconds",
                "voicemail_max_seconds",
                "quiet_hours",
                "open_on_holidays",
            ),
            ("name", "hours"),
        )
        if m is None:
            return None
        merged = {**defaults, **m}
        names: dict[str, str] = {}
        for lang, text in (self.r.mapping(sid, "name", m.get("name", {})) or {}).items():
            name = self.r.text(sid, join("name", lang), text)
            if name:
                names[lang] = name
        weekly = self.weekly(sid, m.get("hours", {}))
        exceptions = self.exceptions(sid, m.get("exceptions", []))
        max_wait = self.seconds(sid, "max_wait_seconds", merged, DEFAULT_MAX_WAIT)
        voicemail = self.seconds(sid, "voicemail_max_seconds", merged, DEFAULT_VOICEMAIL_MAX)
        quiet: tuple[TimeRange, ...] = DEFAULT_QUIET_HOURS
        if "quiet_hours" in merged:
            quiet = self.quiet(sid, merged["quiet_hours"])
        open_on_holidays = merged.get("open_on_holidays", False)
        if not isinstance(open_on_holidays, bool):
            self.r.add(sid, "open_on_holidays", f"expected true or false, got {open_on_holidays!r}")
            open_on_holidays = False
        return Service(
            id=sid,
            names=names,
            weekly=weekly,
            exceptions=exceptions,
            max_wait_seconds=max_wait,
            voicemail_max_seconds=voicemail,
            quiet_hours=quiet,
            open_on_holidays=open_on_holidays,
            calendar=calendar,
            timezone=tz,
        )

    def seconds(self, sid: str, key: str, merged: dict[str, object], default: int) -> int:
        if key not in merged:
            return default
        n = self.r.integer(sid, key, merged[key], minimum=1)
        return default if n is None else n

    def weekly(self, sid: str, value: object) -> tuple[tuple[TimeRange, ...], ...]:
        m = self.r.fields(sid, "hours", value, WEEKDAYS) or {}
        return tuple(
            self.day_ranges(sid, join("hours", day), m[day]) if day in m else () for day in WEEKDAYS
        )

    def day_ranges(self, sid: str, path: str, value: object) -> tuple[TimeRange, ...]:
        if value == "closed" or value is None:
            return ()
        items = [value] if isinstance(value, str) else self.r.sequence(sid, path, value) or []
        ranges: list[tuple[TimeRange, str]] = []
        for i, item in enumerate(items):
            where = path if isinstance(value, str) else join(path, i)
            rng = self.time_range(sid, where, item, wrap=False)
            if rng:
                ranges.append((rng, where))
        ranges.sort()
        for (a, _), (b, where) in zip(ranges, ranges[1:], strict=False):
            if b.start < a.end:
                self.r.add(sid, where, f"{b} overlaps {a}")
        return tuple(r for r, _ in ranges)

    def time_range(self, sid: str, path: str, value: object, wrap: bool) -> TimeRange | None:
        found = _RANGE.match(value.strip()) if isinstance(value, str) else None
        shown = repr(value) if isinstance(value, str) else type_name(value)
        if not found:
            self.r.add(sid, path, f"expected a time range like '08:30-12:30', got {shown}")
            return None
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            self.r.add(sid, path, f"not a time of day in {value!r}")
            return None
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start and not wrap:
            self.r.add(
                sid, path, f"ends before it starts in {value!r} (a range can't span midnight)"
            )
            return None
        return TimeRange(start, end)

    def quiet(self, sid: str, value: object) -> tuple[TimeRange, ...]:
        items = (
            [value] if isinstance(value, str) else self.r.sequence(sid, "quiet_hours", value) or []
        )
        out: list[TimeRange] = []
        for i, item in enumerate(items):
            path = "quiet_hours" if isinstance(value, str) else f"quiet_hours[{i}]"
            rng = self.time_range(sid, path, item, wrap=True)
            if rng is None:
                continue
            if rng.end <= rng.start:  # "20:00-08:00" spans the night
                out += [TimeRange(0, rng.end), TimeRange(rng.start, DAY_MINUTES)]
            else:
                out.append(rng)
        return tuple(sorted(r for r in out if r.end > r.start))

    def exceptions(self, sid: str, value: object) -> tuple[DatedHours, ...]:
        out: list[tuple[DatedHours, str]] = []
        for i, item in enumerate(self.r.sequence(sid, "exceptions", value) or []):
            path = f"exceptions[{i}]"
            m = self.r.fields(sid, path, item, ("date", "from", "to", "hours", "closed", "note"))
            if m is None:
                continue
            if "date" in m and ("from" in m or "to" in m):
                self.r.add(sid, path, "give either 'date' or 'from' and 'to'")
                continue
            if "date" in m:
                first = last = self.date(sid, join(path, "date"), m["date"])
            elif "from" in m and "to" in m:
                first = self.date(sid, join(path, "from"), m["from"])
                last = self.date(sid, join(path, "to"), m["to"])
            else:
                self.r.add(sid, path, "needs 'date', or 'from' and 'to'")
                continue
            if ("hours" in m) == (m.get("closed") is True):
                self.r.add(sid, path, "give either 'hours' or 'closed: true'")
                continue
            hours = self.day_ranges(sid, join(path, "hours"), m["hours"]) if "hours" in m else ()
            note = self.r.text(sid, join(path, "note"), m["note"]) if "note" in m else None
            if first is None or last is None:
                continue
            if last < first:
                self.r.add(sid, join(path, "to"), f"{last} is before {first}")
                continue
            rule = DatedHours(first, last, hours, note)
            for other, other_path in out:
                if other.first <= last and first <= other.last:
                    self.r.add(sid, path, f"overlaps {other_path} ({other.first} to {other.last})")
            out.append((rule, path))
        return tuple(rule for rule, _ in out)

    def date(self, sid: str, path: str, value: object) -> dt.date | None:
        # YAML already turns an unquoted 2025-12-24 into a date.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        shown = repr(value) if isinstance(value, str) else type_name(value)
        self.r.add(sid, path, f"expected a date like 2025-12-24, got {shown}")
        return None
