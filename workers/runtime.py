"""What a worker process holds for its jobs: settings, the database, Redis, the provider, the
pacer, the callable-window hook, and what was preloaded for its queues.

Built once per process (before RQ forks the work horse) so that jobs only take ids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis import Redis

from callbacks import dialling
from callbacks.windows import dial_window
from irisline.db import Database
from irisline.settings import Settings
from irisline.telephony import TwilioProvider

from .pacing import TokenBucket


class Provider(dialling.Dialler, dialling.CallLookup, Protocol):
    """What workers need from telephony: dial, and look calls up for the reconciler."""


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    provider: Provider
    pacer: dialling.Pacer | None = None
    # The callable-window hook: each service's callable windows (opening hours minus quiet
    # hours, never on holidays), within the citizen's preferred window.
    window: dialling.Window = dial_window
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        redis = Redis.from_url(settings.REDIS_URL)
        rt = cls(
            settings=settings,
            db=Database(settings.DATABASE_URL),
            redis=redis,
            provider=TwilioProvider(settings),
            pacer=TokenBucket(
                redis, rate=settings.calls_per_second, key=f"irisline:pace:{settings.account_sid}"
            ),
        )
        # A forked work horse must not share the parent's pooled database connections.
        os.register_at_fork(after_in_child=lambda: rt.db.engine.dispose(close=False))
        return rt


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
