"""Access to what the app factory set up: settings, the database, Redis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from redis import Redis

from callbacks.windows import PolicyProvider, default_policy
from irisline.db import Database, utcnow
from irisline.settings import Settings
from routing.numbers import NumberPolicy


def settings() -> Settings:
    value: Settings = current_app.extensions["irisline.settings"]
    return value


def db() -> Database:
    value: Database = current_app.extensions["irisline.db"]
    return value


def redis() -> Redis:
    value: Redis = current_app.extensions["irisline.redis"]
    return value


def now() -> datetime:
    """The app's clock (tests install a fixed one as `irisline.clock`)."""
    clock: Callable[[], datetime] = current_app.extensions.get("irisline.clock", utcnow)
    return clock()


def policies() -> PolicyProvider:
    provider: PolicyProvider = current_app.extensions.get(
        "irisline.callback_policies", default_policy
    )
    return provider


def number_policy() -> NumberPolicy:
    s = settings()
    return NumberPolicy.from_setting(s.IRISLINE_DEFAULT_REGION, s.IRISLINE_ALLOWED_COUNTRIES)
