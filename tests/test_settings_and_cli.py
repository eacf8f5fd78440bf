"""Settings refuse what is unsafe for production; the CLI says so in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from irisline.cli import main
from irisline.settings import ConfigError, Settings
from ivr import create_app

SAFE = {
    "SECRET_KEY": "a-long-random-production-secret",
    "PUBLIC_BASE_URL": "https://irisline.example.brussels",
}


def test_defaults() -> None:
    settings = Settings.load(environ={"IRISLINE_INSTANCE_DIR": "/srv/irisline"})
    assert settings.DATABASE_URL == "sqlite:////srv/irisline/irisline.sqlite3"
    assert settings.REDIS_URL == "redis://127.0.0.1:6379/0"
    assert settings.uses_emulator
    assert settings.account_sid.startswith("AC") and len(settings.account_sid) == 34


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"PUBLIC_BASE_URL": SAFE["PUBLIC_BASE_URL"]}, "SECRET_KEY"),
        ({**SAFE, "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": SAFE["SECRET_KEY"]}, "PUBLIC_BASE_URL"),
        ({**SAFE, "PUBLIC_BASE_URL": "irisline.example"}, "PUBLIC_BASE_URL"),
        ({**SAFE, "TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_AUTH_TOKEN"),
        ({**SAFE, "IRISLINE_DEBUG": "maybe"}, "IRISLINE_DEBUG"),
    ],
)
def test_unsafe_production_settings_are_refused(environ: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        Settings.load(environ=environ).check()


def test_debug_allows_missing_secret() -> None:
    Settings.load(environ={"IRISLINE_DEBUG": "1"}).check()


def test_emulator_token_depends_on_the_secret() -> None:
    a = Settings.load(environ={**SAFE}).auth_token
    b = Settings.load(environ={**SAFE, "SECRET_KEY": "another-long-random-secret"}).auth_token
    assert a != b and len(a) == 32
    real = Settings.load(environ={**SAFE, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"})
    assert real.auth_token == "t" and not real.uses_emulator


def test_create_app_refuses_production_without_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": ""})


def test_cli_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "IRISLINE_INSTANCE_DIR": str(tmp_path),
        "PUBLIC_BASE_URL": SAFE["PUBLIC_BASE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "irisline", "web", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "refusing to start" in lines[0] and "SECRET_KEY" in lines[0]


def test_db_upgrade_command(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.output
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.output.strip() != "empty"


def test_worker_rejects_unknown_queue(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("IRISLINE_DEBUG", "1")
    monkeypatch.setenv("REDIS_URL", redis_url)
    result = CliRunner().invoke(main, ["worker", "--queues", "dial,nope", "--burst"])
    assert result.exit_code != 0
    assert "unknown queue 'nope'" in result.output
