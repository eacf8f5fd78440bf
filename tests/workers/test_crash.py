"""Crash test: real worker processes killed with SIGKILL at random moments (and at the two
worst moments of a dial), plus one Redis flush mid-run. Afterwards every ticket is completed,
every attempt is settled, and the emulator's log proves that no attempt, and no citizen, was
dialled twice, and that every call placed belongs to an attempt in the database.

Every emulated call is answered, so a correct pipeline dials each citizen exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select
from werkzeug.serving import make_server

from callbacks.models import Attempt, Ticket
from callbacks.tickets import CallbackRequest, request_callback
from irisline.db import Database
from irisline.emulator import Store, create_emulator_app
from irisline.settings import Settings
from ivr import create_app
from workers.queues import enqueue_dial

from ..conftest import ALWAYS_OPEN_SERVICES

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parents[2]
TICKETS = int(os.environ.get("IRISLINE_CRASH_TICKETS", "240"))
WORKERS = 4
CHAOS_SECONDS = 25.0
SETTLE_TIMEOUT = 150.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


class Fleet:
    """Worker processes, each in its own process group, restarted when they die."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.cron_restarts = 0
        self.start_cron()

    def start_one(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"worker-{self.started}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.workers.crashy_worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return proc

    def start_cron(self) -> None:
        with (self.logs / "cron.log").open("ab") as log:
            self.cron = subprocess.Popen(
                [sys.executable, "-m", "irisline", "cron"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def fill(self) -> None:
        if self.cron.poll() is not None:
            self.cron_restarts += 1
            self.start_cron()
        self.procs = [p for p in self.procs if p.poll() is None]
        while len(self.procs) < WORKERS:
            self.procs.append(self.start_one())

    def kill_random(self) -> bool:
        alive = [p for p in self.procs if p.poll() is None]
        if not alive:
            return False
        if alive:
            victim = random.choice(alive)
            # The worker's group (worker, scheduler), and its work horse, which RQ puts in a
            # process group of its own.
            horses = _children(victim.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(victim.pid, signal.SIGKILL)
            for pid in horses:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            victim.wait()
        return True

    def stop(self) -> None:
        for proc in [*self.procs, self.cron]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.procs, self.cron]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def stack(settings: Settings, tmp_path: Path, redis_db_number: int) -> Iterator[dict[str, Any]]:
    web_port, emulator_port = _free_port(), _free_port()
    settings = settings.replace(
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        IRISLINE_EMULATOR_URL=f"http://127.0.0.1:{emulator_port}",
        IRISLINE_CALLS_PER_SECOND="40",
        IRISLINE_RECONCILE_INTERVAL="2",
        IRISLINE_RECONCILE_GRACE="30",
        IRISLINE_LOG_LEVEL="WARNING",
        # The workers dial at the real time of the test run: a service open at every hour.
        IRISLINE_SERVICES_FILE=str(ALWAYS_OPEN_SERVICES),
    )
    app = create_app({**settings.as_environ(), "TESTING": True})
    store = Store(tmp_path / "emulator.log")
    emulator = create_emulator_app(settings, store=store)
    servers = [
        make_server("127.0.0.1", web_port, app, threaded=True),
        make_server("127.0.0.1", emulator_port, emulator, threaded=True),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("IRISLINE_", "TWILIO_"))},
        **settings.as_environ(),
        "CRASH_BEFORE": "0.04",
        "CRASH_AFTER": "0.04",
        "CRASH_LOG": str(tmp_path / "self-kills.log"),
        "PYTHONPATH": str(ROOT),
    }
    database = Database(settings.DATABASE_URL)
    redis = Redis.from_url(settings.REDIS_URL)
    fleet = Fleet(env, tmp_path)
    yield {
        "settings": settings,
        "store": store,
        "db": database,
        "redis": redis,
        "fleet": fleet,
        "log": tmp_path / "emulator.log",
        "self_kills": tmp_path / "self-kills.log",
        "lock": (redis_db_number,),
    }
    fleet.stop()
    for server in servers:
        server.shutdown()
        server.server_close()
    database.dispose()
    redis.close()
    app.extensions["irisline.db"].dispose()
    app.extensions["irisline.redis"].close()


def _flush(redis: Redis) -> None:
    """Redis loses everything (the test run's lock key is put back)."""
    lock = redis.get("irisline:test-run-lock")
    redis.flushdb()
    if lock is not None:
        redis.set("irisline:test-run-lock", lock, ex=3600)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _open_count(database: Database) -> int:
    with database.session() as session:
        return len(
            session.scalars(select(Ticket.id).where(Ticket.status.not_in(["completed"]))).all()
        )


def test_no_ticket_lost_and_nobody_dialled_twice_under_sigkill(stack: dict[str, Any]) -> None:
    database: Database = stack["db"]
    redis: Redis = stack["redis"]
    fleet: Fleet = stack["fleet"]
    phones = [f"+324{70000000 + n * 7919:08d}" for n in range(TICKETS)]
    ids = []
    with database.session() as session:
        for phone in phones:
            ticket, _ = request_callback(session, CallbackRequest(phone, "general", "fr", "web"))
            ids.append(ticket.id)
    for ticket_id in ids:
        enqueue_dial(redis, ticket_id)

    fleet.fill()
    started = time.monotonic()
    flushed = False
    kills = 0
    while time.monotonic() - started < CHAOS_SECONDS:
        time.sleep(random.uniform(0.2, 1.2))
        kills += fleet.kill_random()
        if not flushed and _open_count(database) < TICKETS * 0.6:
            _flush(redis)
            flushed = True
        fleet.fill()
    if not flushed:
        _flush(redis)
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline and _open_count(database) > 0:
        fleet.fill()
        time.sleep(1)
    # Give late status callbacks of the last calls a moment, then look.
    time.sleep(1)

    with database.session() as session:
        tickets = session.scalars(select(Ticket)).all()
        statuses = Counter(t.status for t in tickets)
        attempts = session.scalars(select(Attempt)).all()
        unsettled = [a.idempotency_key for a in attempts if a.settled_at is None]
        sid_of = {a.call_sid: a.idempotency_key for a in attempts if a.call_sid}
        outcomes = Counter(a.status for a in attempts)
    created = [
        json.loads(line)
        for line in stack["log"].read_text().splitlines()
        if '"call.created"' in line
    ]
    per_attempt = Counter(c["status_callback"].split("attempt=")[1] for c in created)
    per_phone = Counter(c["to"] for c in created)
    self_kills = Counter(
        line.split()[0] for line in _read(stack["self_kills"]).splitlines() if line.strip()
    )
    report = (
        f"{kills} kills from outside, self-kills {dict(self_kills)}, "
        f"{fleet.started} worker starts, {fleet.cron_restarts} cron restarts, "
        f"{len(created)} calls, "
        f"tickets {dict(statuses)}, attempts {dict(outcomes)}"
    )
    print(report)
    stuck = [t for t in tickets if t.status != "completed"]
    with database.session() as session:
        for ticket in stuck[:5]:
            ticket = session.get(Ticket, ticket.id)
            print("stuck", ticket.id, ticket.status, ticket.due_at)
            print("  events", [(e.to_status, e.actor, e.reason, e.at) for e in ticket.events])
            print(
                "  attempts", [(a.idempotency_key, a.status, a.call_sid) for a in ticket.attempts]
            )

    assert statuses == {"completed": TICKETS}, report
    assert not unsettled, report
    assert max(per_attempt.values()) == 1, "an attempt was dialled twice"
    assert set(per_phone) == set(phones) and max(per_phone.values()) == 1, (
        "a citizen was dialled twice"
    )
    # Nothing the provider did is unknown to the database: every call belongs to an attempt.
    assert {c["sid"] for c in created} == set(sid_of), report
    # Workers really died, at random and at both worst moments of a dial.
    assert kills > 0 and self_kills["before-request"] > 0 and self_kills["after-request"] > 0
