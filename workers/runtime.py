"""What a worker process holds for its jobs: settings, the database, Redis, the provider.

Built once per process (before RQ forks the work horse) so that jobs only take ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis

from callbacks.dialling import Dialler
from irisline.db import Database
from irisline.settings import Settings
from irisline.telephony import TwilioProvider


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    provider: Dialler
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            db=Database(settings.DATABASE_URL),
            redis=Redis.from_url(settings.REDIS_URL),
            provider=TwilioProvider(settings),
        )


_current: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Set the runtime jobs of this process use (tests install their own)."""
    global _current
    _current = runtime


def current() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime.from_settings(Settings.load().check())
    return _current
