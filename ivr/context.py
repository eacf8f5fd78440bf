"""Access to what the app factory set up: settings, the database, Redis."""

from __future__ import annotations

from flask import current_app
from redis import Redis

from irisline.db import Database
from irisline.settings import Settings


def settings() -> Settings:
    value: Settings = current_app.extensions["irisline.settings"]
    return value


def db() -> Database:
    value: Database = current_app.extensions["irisline.db"]
    return value


def redis() -> Redis:
    value: Redis = current_app.extensions["irisline.redis"]
    return value
