"""The service directory as the call-back domain sees it: ids, names per language, and each
service's call-back policy, all drawn from the routing package's directory
(`routing/services.yaml`), the one place that lists services and their hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time

from irisline.errors import InvalidInput
from routing.services import Service as RoutingService
from routing.services import TimeRange, default_services

# The languages a citizen can be served in (prompts and SMS exist in each).
LANGUAGES = ("fr", "nl", "en")
DEFAULT_SERVICE = "general"


@dataclass(frozen=True)
class Service:
    id: str
    names: Mapping[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("fr") or self.id


def _load() -> dict[str, Service]:
    directory = default_services()
    return {
        sid: Service(sid, {lang: s.name(lang) for lang in LANGUAGES})
        for sid, s in directory.services.items()
    }


SERVICES: dict[str, Service] = _load()


def routing_service(service_id: str) -> RoutingService:
    return default_services()[service_id]


def ids() -> list[str]:
    return list(SERVICES)


def get(service_id: str) -> Service:
    try:
        return SERVICES[service_id]
    except KeyError:
        raise InvalidInput(
            f"unknown service {service_id!r}", field="service", known=", ".join(SERVICES)
        ) from None


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"unknown language {language!r}; one of {', '.join(LANGUAGES)}", field="language"
        )
    return language


def wall_time(minutes: int) -> time:
    """Minutes since midnight as a wall-clock time; 24:00 becomes 00:00 (the next midnight at
    the end of a span, as `callbacks.windows` reads it)."""
    return time((minutes // 60) % 24, minutes % 60)


def spans(ranges: tuple[TimeRange, ...]) -> tuple[tuple[time, time], ...]:
    return tuple((wall_time(r.start), wall_time(r.end)) for r in ranges)
