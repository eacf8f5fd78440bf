"""Settings from environment variables, with safe defaults.

Every setting is named exactly like its environment variable, so `create_app(test_config)`,
the CLI and the worker all read the same keys. The README's configuration table lists them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# An account SID that no real Twilio account can have (real ones are AC + 32 hex digits that
# Twilio issues); it marks traffic meant for the local emulator.
EMULATOR_ACCOUNT_SID = "AC" + "e" * 32

INTEGER_SETTINGS = (
    "IRISLINE_RATE_LIMIT_PER_NUMBER",
    "IRISLINE_RATE_LIMIT_PER_ADDRESS",
    "IRISLINE_RATE_LIMIT_WINDOW",
    "IRISLINE_QUEUE_HANGUP_SECONDS",
)
DIALLING_MODES = ("customer-first", "agent-first")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message is one line for the operator."""


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True)
class Settings:
    IRISLINE_DEBUG: bool = False
    SECRET_KEY: str = ""
    IRISLINE_INSTANCE_DIR: str = "instance"
    DATABASE_URL: str = ""
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_PHONE_NUMBER: str = "+3228001000"
    PUBLIC_BASE_URL: str = ""
    IRISLINE_TRUST_PROXY: bool = False
    IRISLINE_EMULATOR_URL: str = "http://127.0.0.1:5050"
    IRISLINE_DEFAULT_REGION: str = "BE"
    IRISLINE_LOG_LEVEL: str = "INFO"
    IRISLINE_AUTO_MIGRATE: str = "auto"
    IRISLINE_SERVICES_FILE: str = ""
    IRISLINE_ALLOWED_COUNTRIES: str = "BE,NL,FR,DE,LU"
    IRISLINE_RATE_LIMIT_PER_NUMBER: str = "5"
    IRISLINE_RATE_LIMIT_PER_ADDRESS: str = "30"
    IRISLINE_RATE_LIMIT_WINDOW: str = "3600"
    IRISLINE_QUEUE_HANGUP_SECONDS: str = "60"
    # Dialling and workers (README, "Configuration").
    IRISLINE_CALLS_PER_SECOND: str = "1"
    IRISLINE_DIALLING_MODE: str = "customer-first"
    IRISLINE_DIALLING_MODES: str = ""
    IRISLINE_AGENT_TARGET: str = "client:agents-{service}"
    IRISLINE_AGENT_LANGUAGE: str = "fr"
    IRISLINE_RECONCILE_INTERVAL: str = "30"
    IRISLINE_RECONCILE_GRACE: str = "60"
    IRISLINE_SLA_HOURS: str = "24"

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """Read settings from `environ` (default: os.environ), then apply `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw: Any = environ.get(field.name)
            if overrides is not None and field.name in overrides:
                raw = overrides[field.name]
            if raw is None:
                continue
            values[field.name] = _parse_bool(field.name, raw) if field.type == "bool" else str(raw)
        settings = cls(**values)
        if not settings.DATABASE_URL:
            db_path = Path(settings.IRISLINE_INSTANCE_DIR).resolve() / "irisline.sqlite3"
            settings = settings.replace(DATABASE_URL=f"sqlite:///{db_path}")
        return settings

    def replace(self, **changes: Any) -> Settings:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        return type(self)(**data)

    def as_environ(self) -> dict[str, str]:
        """The settings as environment variables, for child processes of `irisline run`."""
        out = {}
        for field in fields(self):
            value = getattr(self, field.name)
            out[field.name] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return out

    def auto_migrate(self, testing: bool = False) -> bool:
        """Whether the app migrates the database itself: by default only in debug and tests."""
        if self.IRISLINE_AUTO_MIGRATE.strip().lower() == "auto":
            return self.IRISLINE_DEBUG or testing
        return _parse_bool("IRISLINE_AUTO_MIGRATE", self.IRISLINE_AUTO_MIGRATE)

    @property
    def uses_emulator(self) -> bool:
        return not (self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN)

    @property
    def account_sid(self) -> str:
        return EMULATOR_ACCOUNT_SID if self.uses_emulator else self.TWILIO_ACCOUNT_SID

    @property
    def auth_token(self) -> str:
        """The token that signs webhooks and authenticates REST calls.

        Without Twilio credentials the emulator plays Twilio; its token is derived from the
        SECRET_KEY so that the web process, the workers and the emulator agree on it without
        a constant that anyone could use to forge webhooks.
        """
        if not self.uses_emulator:
            return self.TWILIO_AUTH_TOKEN
        key = (self.SECRET_KEY or "irisline-debug").encode()
        return hmac.new(key, b"irisline-emulator-auth-token", hashlib.sha256).hexdigest()[:32]

    @property
    def calls_per_second(self) -> float:
        return float(self.IRISLINE_CALLS_PER_SECOND)

    @property
    def reconcile_interval(self) -> int:
        return max(1, int(float(self.IRISLINE_RECONCILE_INTERVAL)))

    @property
    def reconcile_grace(self) -> float:
        return float(self.IRISLINE_RECONCILE_GRACE)

    @property
    def sla_hours(self) -> float:
        return float(self.IRISLINE_SLA_HOURS)

    def dialling_modes(self) -> dict[str, str]:
        """`IRISLINE_DIALLING_MODES` ("service=mode,service=mode") as a mapping."""
        modes = {}
        for item in self.IRISLINE_DIALLING_MODES.split(","):
            if item.strip():
                service, _, mode = item.partition("=")
                modes[service.strip()] = mode.strip()
        return modes

    def dialling_mode(self, service: str) -> str:
        """The dialling mode of a service: its entry in IRISLINE_DIALLING_MODES, else the
        default IRISLINE_DIALLING_MODE."""
        return self.dialling_modes().get(service, self.IRISLINE_DIALLING_MODE)

    def agent_target(self, service: str) -> str:
        return self.IRISLINE_AGENT_TARGET.format(service=service)

    def problems(self) -> list[str]:
        """Reasons why these settings are unsafe or unusable; empty when all is well."""
        found = []
        if bool(self.TWILIO_ACCOUNT_SID) != bool(self.TWILIO_AUTH_TOKEN):
            found.append("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
        if self.PUBLIC_BASE_URL:
            parts = urlsplit(self.PUBLIC_BASE_URL)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                found.append(
                    f"PUBLIC_BASE_URL must be an absolute http(s) URL, not {self.PUBLIC_BASE_URL!r}"
                )
        for name in INTEGER_SETTINGS:
            value = getattr(self, name).strip()
            if not value.isdigit():
                found.append(f"{name} must be a whole number, not {value!r}")
        for name in ("DATABASE_URL", "REDIS_URL"):
            if "://" not in getattr(self, name):
                found.append(f"{name} must be a URL, not {getattr(self, name)!r}")
        found.extend(self._worker_problems())
        if self.IRISLINE_SERVICES_FILE and not Path(self.IRISLINE_SERVICES_FILE).is_file():
            found.append(
                f"IRISLINE_SERVICES_FILE is not a readable file: {self.IRISLINE_SERVICES_FILE}"
            )
        if self.IRISLINE_DEBUG:
            return found
        if len(self.SECRET_KEY) < 16:
            found.append("SECRET_KEY must be set to a random value of 16+ characters outside debug")
        if not self.PUBLIC_BASE_URL:
            found.append(
                "PUBLIC_BASE_URL must be set outside debug: webhook signatures are checked on it"
            )
        return found

    def integer(self, name: str) -> int:
        return int(getattr(self, name).strip())

    def _worker_problems(self) -> list[str]:
        found = []
        numbers = {
            "IRISLINE_CALLS_PER_SECOND": (self.IRISLINE_CALLS_PER_SECOND, 0.01),
            "IRISLINE_RECONCILE_INTERVAL": (self.IRISLINE_RECONCILE_INTERVAL, 1),
            # The reconciler must never settle an attempt that a live worker may still dial:
            # workers give up 15 s after the attempt's commit, and the request times out in 10 s.
            "IRISLINE_RECONCILE_GRACE": (self.IRISLINE_RECONCILE_GRACE, 30),
            "IRISLINE_SLA_HOURS": (self.IRISLINE_SLA_HOURS, 0.01),
        }
        for name, (raw, minimum) in numbers.items():
            try:
                ok = float(raw) >= minimum
            except ValueError:
                ok = False
            if not ok:
                found.append(f"{name} must be a number of at least {minimum}, not {raw!r}")
        for service, mode in {"": self.IRISLINE_DIALLING_MODE, **self.dialling_modes()}.items():
            if mode not in DIALLING_MODES:
                where = f" for service {service!r}" if service else ""
                found.append(
                    f"dialling mode{where} must be one of {', '.join(DIALLING_MODES)}, not {mode!r}"
                )
        return found

    def check(self) -> Settings:
        found = self.problems()
        if found:
            raise ConfigError("; ".join(found))
        return self
