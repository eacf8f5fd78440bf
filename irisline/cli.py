"""The `irisline` command."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from .settings import ConfigError, Settings


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings.load(
            overrides={k: v for k, v in overrides.items() if v is not None}
        ).check()
    except ConfigError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc


class IrislineGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"irisline: refusing to start: {exc}", err=True)
            sys.exit(2)


@click.group(cls=IrislineGroup)
def main() -> None:
    """irisline: the regional contact number's telephony and call-back service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--emulator-port", default=5050, show_default=True, type=int)
def run(host: str, port: int, emulator_port: int) -> None:
    """Run the whole service locally: migrate, web, worker with scheduler, Twilio emulator."""
    from .runner import run_all

    sys.exit(run_all(host=host, port=port, emulator_port=emulator_port))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn processes")
def web(host: str, port: int, workers: int) -> None:
    """Serve the web app (webhooks, API, console). gunicorn, or Flask's server in debug."""
    from ivr import create_app

    from .serve import serve_app

    settings = load_settings()
    app = create_app()
    serve_app(app, host=host, port=port, workers=workers, debug=settings.IRISLINE_DEBUG)


@main.command()
@click.option(
    "--queues",
    default="dial,notify,transcribe,maintenance",
    show_default=True,
    help="comma-separated queue names, in priority order",
)
@click.option("--burst", is_flag=True, help="stop when the queues are empty")
def worker(queues: str, burst: bool) -> None:
    """Work RQ queues, with RQ's scheduler for delayed jobs."""
    from workers.process import run as run_worker

    settings = load_settings()
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    try:
        run_worker(settings, names, burst=burst)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from exc


@main.command()
def cron() -> None:
    """Enqueue the periodic jobs (reconciler, SLA escalation) with RQ's cron scheduler."""
    from workers.periodic import run as run_cron

    settings = load_settings()
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    run_cron(settings)


@main.command()
@click.option(
    "--grace",
    type=float,
    default=None,
    help="seconds an attempt may stay unsettled before the provider is asked "
    "(default IRISLINE_RECONCILE_GRACE)",
)
def reconcile(grace: float | None) -> None:
    """Reconcile once: settle attempts a dead worker left, enqueue due tickets without a job."""
    from datetime import timedelta

    from workers import reconciler, runtime

    settings = load_settings()
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    if grace is not None and grace < 30:
        raise click.BadParameter("must be at least 30 seconds", param_hint="--grace")
    rt = runtime.Runtime.from_settings(settings)
    report = reconciler.reconcile(
        rt.db,
        rt.redis,
        rt.provider,
        settings,
        grace=None if grace is None else timedelta(seconds=grace),
    )
    click.echo(report.summary())
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5050, show_default=True, type=int)
@click.option("--log", "log_path", default=None, help="append a JSON line per event to this file")
def emulator(host: str, port: int, log_path: str | None) -> None:
    """Play Twilio locally: its REST API, and the webhooks it sends back."""
    from .emulator import Store, create_emulator_app
    from .serve import serve_app

    settings = load_settings()
    if not settings.uses_emulator:
        raise click.ClickException("Twilio credentials are configured: the emulator is not used")
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    app = create_emulator_app(settings, store=Store(log_path))
    serve_app(app, host=host, port=port, workers=1, debug=True)


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database at DATABASE_URL up to REVISION (default: the latest)."""
    from .db import Database
    from .migrate import current, upgrade

    settings = Settings.load()
    database = Database(settings.DATABASE_URL)
    upgrade(database, revision)
    click.echo(f"database at revision {current(database)}")


@db.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    from .db import Database
    from .migrate import current

    click.echo(current(Database(Settings.load().DATABASE_URL)) or "empty")
