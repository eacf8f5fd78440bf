"""Shared fixtures: a fresh database on SQLite and PostgreSQL, a private Redis database,
the app, a Twilio-style signer, the emulator on a real port."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from irisline.db import Base, Database
from irisline.migrate import upgrade
from irisline.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "IRISLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_BASE_URL = os.environ.get("IRISLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379")
PUBLIC_BASE_URL = "http://irisline.test"
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if IN_CI:
        pytest.fail(f"{message}; under CI it must be running", pytrace=False)
    pytest.skip(f"{message}; skipped")


# --- PostgreSQL: one schema per test run, migrated once, emptied between tests ---------------


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    schema = f"irisline_test_{RUN_ID}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


def _empty_tables(url: str) -> None:
    database = Database(url)
    with database.engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each test that uses it runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "irisline.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_template")
    _empty_tables(url)
    return url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


# --- Redis: a database number of our own, flushed around each test -------------------------


@pytest.fixture(scope="session")
def redis_db_number() -> Iterator[int]:
    """Claim a Redis database number no other test run holds (a lock key inside it)."""
    lock_key = "irisline:test-run-lock"
    for number in range(1, 16):
        conn = Redis.from_url(f"{REDIS_BASE_URL}/{number}")
        try:
            claimed = conn.set(lock_key, RUN_ID, nx=True, ex=3600)
        except RedisError as exc:
            _unavailable("Redis", exc)
        if claimed:
            yield number
            conn.delete(lock_key)
            conn.close()
            return
        conn.close()
    pytest.fail("every Redis database number 1-15 is held by another test run")


@pytest.fixture
def redis_url(redis_db_number: int) -> Iterator[str]:
    url = f"{REDIS_BASE_URL}/{redis_db_number}"
    conn = Redis.from_url(url)
    _flush_keep_lock(conn)
    yield url
    _flush_keep_lock(conn)
    conn.close()


def _flush_keep_lock(conn: Redis) -> None:
    for key in conn.scan_iter():
        if key != b"irisline:test-run-lock":
            conn.delete(key)


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Redis]:
    conn = Redis.from_url(redis_url)
    yield conn
    conn.close()


# --- settings, app, signing ----------------------------------------------------------------


@pytest.fixture
def settings(db_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings.load(
        environ={},
        overrides={
            "IRISLINE_DEBUG": True,
            "SECRET_KEY": "test-secret-key-0123456789",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "IRISLINE_INSTANCE_DIR": str(tmp_path / "instance"),
            "IRISLINE_EMULATOR_URL": "http://127.0.0.1:9",
        },
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    from ivr import create_app

    config: dict[str, Any] = {**settings.as_environ(), "TESTING": True}
    app = create_app(config)
    yield app
    app.extensions["irisline.db"].dispose()
    app.extensions["irisline.redis"].close()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


class Twilio:
    """Signs requests exactly as Twilio does: HMAC-SHA1 over the URL and sorted POST params."""

    def __init__(self, client: Any, auth_token: str, base_url: str = PUBLIC_BASE_URL) -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url

    def sign(self, path: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(self.base_url + path, params)

    def post(self, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
        params = params or {}
        headers = {"X-Twilio-Signature": self.sign(path, params), **kwargs.pop("headers", {})}
        return self.client.post(path, data=params, headers=headers, **kwargs)


@pytest.fixture
def twilio(client: Any, settings: Settings) -> Twilio:
    return Twilio(client, settings.auth_token)


# --- the emulator, served on a real port ---------------------------------------------------


class ServedApp:
    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Any]:
    served: list[ServedApp] = []

    def _serve(wsgi_app: Any) -> ServedApp:
        served.append(ServedApp(wsgi_app))
        return served[-1]

    yield _serve
    for each in served:
        each.close()


ALWAYS_OPEN_SERVICES = Path(__file__).parent / "data" / "services-always-open.yaml"


@pytest.fixture
def always_open(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A service directory where `general` takes calls and call-backs at any hour, for tests
    whose workers dial at the real time of the test run."""
    monkeypatch.setenv("IRISLINE_SERVICES_FILE", str(ALWAYS_OPEN_SERVICES))
    return ALWAYS_OPEN_SERVICES
