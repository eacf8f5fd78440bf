"""`irisline run`: the whole service on one machine, on its embedded defaults.

Children: the Twilio emulator (when no Twilio credentials are set), the web app, a worker
with RQ's scheduler and the cron process (reconciler, SLA escalation); plus a private
redis-server when nothing answers on REDIS_URL. Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from redis import Redis
from redis.exceptions import RedisError

from routing import versions
from routing.validation import check_menu_text

from .db import Database
from .migrate import upgrade
from .settings import ConfigError, Settings

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


def _secret_key(instance: Path) -> str:
    """A development secret kept in the instance folder, stable across restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def _redis_answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except RedisError:
        return False


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for_port(host: str, port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def prepare_settings(host: str, port: int, emulator_port: int) -> Settings:
    env = os.environ
    instance = Path(env.get("IRISLINE_INSTANCE_DIR", "instance")).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    defaults = {
        "IRISLINE_DEBUG": env.get("IRISLINE_DEBUG", "1"),
        "IRISLINE_INSTANCE_DIR": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or f"http://{host}:{port}",
        "IRISLINE_EMULATOR_URL": env.get("IRISLINE_EMULATOR_URL")
        or f"http://127.0.0.1:{emulator_port}",
    }
    return Settings.load(overrides=defaults).check()


def _start_redis(url: str, children: list[subprocess.Popen[bytes]]) -> None:
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        raise click.ClickException(f"nothing answers on REDIS_URL={url}; start that Redis server")
    binary = shutil.which("redis-server")
    if binary is None:
        raise click.ClickException(
            f"nothing answers on REDIS_URL={url} and redis-server is not installed: "
            "install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL"
        )
    port = parts.port or 6379
    click.echo(f"starting a private redis-server on port {port} (nothing kept on disk)")
    children.append(
        subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
    )
    if not _wait_for_port("127.0.0.1", port, 10):
        raise click.ClickException("redis-server did not start")


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in reversed(children):
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 10
    for child in reversed(children):
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_all(host: str, port: int, emulator_port: int) -> int:
    try:
        settings = prepare_settings(host, port, emulator_port)
    except ConfigError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc
    for name, (h, p) in {"web": (host, port), "emulator": ("127.0.0.1", emulator_port)}.items():
        if name == "emulator" and not settings.uses_emulator:
            continue
        if not _port_free(h, p):
            raise click.ClickException(f"port {p} on {h} is taken: choose another with --port")

    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if not _redis_answers(settings.REDIS_URL):
            _start_redis(settings.REDIS_URL, children)
        database = Database(settings.DATABASE_URL)
        upgrade(database)
        with database.session() as session:
            if versions.ensure_default(session, check_menu_text):
                click.echo("installed and published the default menu (irisline menu list)")
        database.dispose()
        env = {**os.environ, **settings.as_environ()}
        cmd = [sys.executable, "-m", "irisline"]
        if settings.uses_emulator:
            log_path = Path(settings.IRISLINE_INSTANCE_DIR) / "emulator.log"
            children.append(
                subprocess.Popen(
                    [*cmd, "emulator", "--port", str(emulator_port), "--log", str(log_path)],
                    env=env,
                )
            )
        children.append(
            subprocess.Popen([*cmd, "web", "--host", host, "--port", str(port)], env=env)
        )
        children.append(subprocess.Popen([*cmd, "worker"], env=env))
        children.append(subprocess.Popen([*cmd, "cron"], env=env))
        _wait_for_port(host, port)
        click.echo(
            "\nirisline is running\n"
            f"  web:       {settings.PUBLIC_BASE_URL}/  (Twilio voice webhook: "
            f"{settings.PUBLIC_BASE_URL}/voice/incoming)\n"
            + (
                f"  emulator:  {settings.IRISLINE_EMULATOR_URL}/  (plays Twilio; log in "
                f"{Path(settings.IRISLINE_INSTANCE_DIR) / 'emulator.log'})\n"
                if settings.uses_emulator
                else ""
            )
            + f"  database:  {settings.DATABASE_URL}\n"
            f"  redis:     {settings.REDIS_URL}\n"
            "Press Ctrl-C to stop.\n"
        )
        while not stopping:
            for i, child in enumerate(children):
                if child.poll() is None:
                    continue
                args = [str(a) for a in child.args] if isinstance(child.args, list) else []
                if args[-1:] in (["worker"], ["cron"]) and not stopping:
                    # Like a process supervisor would: a killed worker comes back, and the
                    # reconciler settles whatever it left half-done.
                    click.echo(
                        f"irisline: {child.args!r} exited ({child.returncode}); restarting it",
                        err=True,
                    )
                    children[i] = subprocess.Popen(args, env=env)
                    continue
                click.echo(f"irisline: {child.args!r} exited ({child.returncode})", err=True)
                return 1
            time.sleep(0.3)
        click.echo("stopping...")
        return 0
    finally:
        _stop(children)
