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
@click.option(
    "--fate",
    "fates",
    multiple=True,
    help="PATTERN=FATE: numbers matching the regular expression are answered, busy, no-answer, "
    "machine or failed (default: ...0002 busy, ...0003 no-answer, ...0004 machine, "
    "...0005 failed, others answer)",
)
def emulator(host: str, port: int, log_path: str | None, fates: tuple[str, ...]) -> None:
    """Play Twilio locally: its REST API, and the webhooks it sends back."""
    from .emulator import Store, create_emulator_app
    from .serve import serve_app

    settings = load_settings()
    if not settings.uses_emulator:
        raise click.ClickException("Twilio credentials are configured: the emulator is not used")
    from .emulator.fates import Fates

    try:
        rules = Fates.parse(fates)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fate") from None
    logging.basicConfig(level=settings.IRISLINE_LOG_LEVEL)
    app = create_emulator_app(settings, store=Store(log_path), fates=rules)
    serve_app(app, host=host, port=port, workers=1, debug=True)


def _call_settings(url: str | None, verbose: bool) -> Settings:
    """The environment's settings; the instance's development secret when SECRET_KEY is unset
    (as `irisline run` keeps it), so that signatures agree with a service it started."""
    import os
    from pathlib import Path

    overrides: dict[str, Any] = {}
    if not os.environ.get("SECRET_KEY"):
        secret = Path(os.environ.get("IRISLINE_INSTANCE_DIR", "instance")) / "secret_key"
        if secret.is_file():
            overrides["SECRET_KEY"] = secret.read_text().strip()
    if url is None:
        # In-process: a development tool on the configured database (migrated if needed).
        overrides["IRISLINE_DEBUG"] = True
        overrides["IRISLINE_LOG_LEVEL"] = "DEBUG" if verbose else "ERROR"
        if not os.environ.get("PUBLIC_BASE_URL"):
            overrides["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
        return load_settings(**overrides)
    # Against a running service this is a client: nothing here needs production settings.
    try:
        return Settings.load(overrides=overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


class InputError(click.ClickException):
    """Bad input to a command: one line, exit status 2."""

    exit_code = 2


def _caller_number(raw: str, region: str) -> str:
    from routing.numbers import InvalidNumber, normalise

    try:
        number = normalise(raw, region)
    except InvalidNumber:
        number = None
    if not number:
        raise InputError(f"--from: {raw!r} is not a phone number")
    return number


@main.command()
@click.option("--from", "from_", default="+32470123456", show_default=True, help="the caller")
@click.option(
    "--script",
    default=None,
    help='scripted input, one item per input moment: keys ("1", "12#", "*"), "-" or an empty '
    'item for silence, "say:WORDS" for speech, "hangup"; e.g. "1,-,2"',
)
@click.option("--say", "says", multiple=True, help="speech, after the script's items (repeatable)")
@click.option("--voicemail", default=None, help="a WAV file the caller leaves at the beep")
@click.option("--url", default=None, help="a running service, e.g. http://127.0.0.1:5000")
@click.option(
    "--callback/--no-callback",
    default=True,
    show_default=True,
    help="play the call-back a ticket leads to (in-process: dialled at once; --url: watched)",
)
@click.option("--patience", default=120.0, show_default=True, help="seconds waited in a queue")
@click.option("--load", "load_calls", type=int, default=None, help="load mode: this many calls")
@click.option("--rate", default=10.0, show_default=True, help="load mode: calls started a second")
@click.option("--concurrency", default=8, show_default=True, help="load mode: calls at once")
@click.option("--paths", default=None, help='load mode: "SCRIPT=WEIGHT;..." (default: a mix)')
@click.option("--seed", type=int, default=None, help="load mode: random seed")
@click.option("-v", "--verbose", is_flag=True, help="show the app's logs")
def call(
    from_: str,
    script: str | None,
    says: tuple[str, ...],
    voicemail: str | None,
    url: str | None,
    callback: bool,
    patience: float,
    load_calls: int | None,
    rate: float,
    concurrency: int,
    paths: str | None,
    seed: int | None,
    verbose: bool,
) -> None:
    """Call the IVR from the terminal: hear its prompts, press keys, speak, leave a message.

    Without --script or --say the call is interactive. With them it is scripted and prints
    the transcript. Runs the app in this process on the configured database, or calls a
    running service with --url.
    """
    from .emulator.callers import ScriptedCaller, ScriptError, parse_script, read_wav
    from .simulator.session import Simulator, SimulatorError
    from .simulator.terminal import TerminalCaller, printer

    logging.basicConfig(level=logging.DEBUG if verbose else logging.ERROR)
    settings = _call_settings(url, verbose)
    number = _caller_number(from_, settings.IRISLINE_DEFAULT_REGION)
    try:
        steps = parse_script(script, says)
        audio = read_wav(voicemail) if voicemail else None
    except ScriptError as exc:
        raise InputError(str(exc)) from None
    try:
        simulator = Simulator(settings, url, log_path=_emulator_log(settings))
    except SimulatorError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # database or app start-up: one line, no traceback
        raise click.ClickException(f"cannot start the app in-process: {exc}") from None
    try:
        simulator.check_reachable()
        if load_calls is not None:
            _load(simulator, load_calls, rate, concurrency, paths, seed)
            return
        scripted = script is not None or bool(says)
        caller = (
            ScriptedCaller(steps, voicemail=audio, patience=patience)
            if scripted
            else TerminalCaller(voicemail=audio)
        )
        where = url or "the app in this process"
        click.echo(f"Calling {simulator.start_url} ({where}) from {number}")
        report = simulator.call(
            caller,
            number,
            printer(),
            callback=callback,
            callback_listener=_headed(printer("    "), "  The call-back (what the citizen hears):"),
        )
    except SimulatorError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        simulator.close()
    for note in report.notes:
        if "403" in note:
            click.echo(f"irisline call: {note}", err=True)
    click.echo(f"Ended: {report.summary()}")
    if report.callback_note:
        click.echo(f"Call-back: {report.callback_note}")
    if report.outcome.error is not None or report.outcome.ended_by == "emulator":
        sys.exit(1)


def _headed(show: Any, header: str) -> Any:
    shown: list[bool] = []

    def listener(event: Any) -> None:
        if not shown:
            click.echo(header)
            shown.append(True)
        show(event)

    return listener


def _emulator_log(settings: Settings) -> str | None:
    from pathlib import Path

    folder = Path(settings.IRISLINE_INSTANCE_DIR)
    return str(folder / "emulator.log") if folder.is_dir() else None


def _load(
    simulator: Any, count: int, rate: float, concurrency: int, paths: str | None, seed: int | None
) -> None:
    from .simulator.load import DEFAULT_PATHS, parse_paths, run_load

    if count <= 0:
        raise InputError("--load: must be a positive number of calls")
    try:
        weighted = parse_paths(paths or DEFAULT_PATHS)
    except ValueError as exc:
        raise InputError(f"--paths: {exc}") from None
    click.echo(f"Load: {count} calls at {rate:g}/s to {simulator.start_url}", err=True)
    with click.progressbar(length=count, label="calls", file=sys.stderr) as bar:
        report = run_load(
            simulator,
            count,
            rate,
            weighted,
            concurrency=concurrency,
            seed=seed,
            progress=bar.update,
        )
    for line in report.lines():
        click.echo(line)
    if report.outcomes.get("simulator error"):
        sys.exit(1)


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


@main.group()
def agent() -> None:
    """Agents of the call-back queues and their API tokens."""


@agent.command("create")
@click.argument("name")
@click.option("--services", required=True, help="comma-separated service ids, e.g. housing,taxes")
@click.option("--languages", required=True, help="comma-separated languages, e.g. fr,nl")
def agent_create(name: str, services: str, languages: str) -> None:
    """Create an agent and print their API token (shown once; only a hash is stored)."""
    from callbacks.agents import create_agent

    from .db import Database
    from .errors import DomainError

    settings = Settings.load()
    database = Database(settings.DATABASE_URL)
    try:
        with database.session() as session:
            created, token = create_agent(session, name, services.split(","), languages.split(","))
            click.echo(
                f"agent {created.name} (id {created.id}): services {created.services}, "
                f"languages {created.languages}",
                err=True,
            )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        database.dispose()
    click.echo(token)


def _register_groups() -> None:
    from routing.cli import menu
    from transcription.cli import transcribe

    from . import menu_cli  # noqa: F401  (adds the database commands to the group)

    main.add_command(menu)
    main.add_command(transcribe)


_register_groups()
