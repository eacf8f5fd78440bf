"""Migrations run both ways on SQLite and PostgreSQL; the landing page and health check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from irisline.db import Base, Database
from irisline.migrate import current, downgrade, upgrade


def test_migrations_round_trip(database: Database) -> None:
    assert current(database) is not None
    downgrade(database, "base")
    assert current(database) is None
    assert not set(inspect(database.engine).get_table_names()) & set(Base.metadata.tables)
    upgrade(database)
    assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())


def test_landing_page(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "/voice/incoming" in response.get_data(as_text=True)


def test_health_reports_each_dependency(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_health_degraded_without_redis(app: Any) -> None:
    from redis import Redis

    app.extensions["irisline.redis"].close()
    app.extensions["irisline.redis"] = Redis.from_url("redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("error")
