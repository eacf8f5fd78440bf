"""The Flask application: Twilio webhooks, the JSON API and the web console."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from redis import Redis

from callbacks.windows import policies_with_sla
from irisline.db import Database
from irisline.migrate import upgrade
from irisline.settings import ConfigError, Settings
from routing.problems import MenuError
from routing.services import default_services


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with `test_config` overriding any setting.

    Raises irisline.settings.ConfigError (one line) when a setting is unsafe for production.
    """
    settings = Settings.load(overrides=test_config)
    testing = bool(test_config and test_config.get("TESTING"))
    if testing and not settings.IRISLINE_DEBUG:
        settings = settings.replace(IRISLINE_DEBUG=True)
    settings.check()
    try:
        default_services()
    except MenuError as exc:
        raise ConfigError(f"the service directory has problems: {exc.message}") from exc
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    # The twilio client logs every request's headers at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

    app = Flask(__name__)
    app.config.from_mapping(settings.as_environ())
    if test_config:
        app.config.update(test_config)
    app.debug = settings.IRISLINE_DEBUG and not testing
    app.config["SECRET_KEY"] = settings.SECRET_KEY or "irisline-debug-only"

    database = Database(settings.DATABASE_URL)
    if settings.auto_migrate(testing):
        upgrade(database)
    app.extensions["irisline.settings"] = settings
    app.extensions["irisline.callback_policies"] = policies_with_sla(
        timedelta(hours=settings.sla_hours)
    )
    app.extensions["irisline.db"] = database
    app.extensions["irisline.redis"] = Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5
    )

    from . import api, callback_calls, errors, landing, sms, survey, voice

    errors.init_app(app)
    app.register_blueprint(voice.bp)
    app.register_blueprint(callback_calls.bp)
    app.register_blueprint(survey.bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(landing.bp)
    return app
