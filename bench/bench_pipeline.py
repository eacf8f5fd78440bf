"""Benchmark of the dial pipeline: tickets per second, and latency from "due" to the dial
request reaching the provider, against an RQ no-op job measured in the same run with the same
number of real worker processes.

    .venv/bin/python bench/bench_pipeline.py --tickets 300 --workers 4

Runs on a throw-away SQLite database (or --database-url), a Redis database number of its own
(--redis-url; it is flushed), and the emulator in this process (calls are not driven, so only
the pipeline up to the dial request is measured). Pacing is set high (--cps) so that the
account's calls-per-second limit does not hide the pipeline's own cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callbacks.models import Ticket  # noqa: E402
from callbacks.tickets import CallbackRequest, request_callback  # noqa: E402
from irisline.db import Database  # noqa: E402
from irisline.emulator import Store, create_emulator_app  # noqa: E402
from irisline.migrate import upgrade  # noqa: E402
from irisline.settings import Settings  # noqa: E402
from workers import queues  # noqa: E402


def run_workers(env: dict[str, str], count: int, queue: str) -> float:
    """Start `count` burst workers on `queue`; returns when all have finished."""
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "irisline", "worker", "--queues", queue, "--burst"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for proc in procs:
        proc.wait()
    return time.monotonic() - started


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cps", type=float, default=1000.0, help="pacing limit (calls/s)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="irisline-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    redis = Redis.from_url(args.redis_url)
    redis.flushdb()
    store = Store()
    settings = Settings.load(
        environ={},
        overrides={
            "IRISLINE_DEBUG": True,
            "SECRET_KEY": "bench-secret-key-0123456789",
            "DATABASE_URL": database_url,
            "REDIS_URL": args.redis_url,
            "PUBLIC_BASE_URL": "http://127.0.0.1:9",
            "IRISLINE_INSTANCE_DIR": str(tmp),
            "IRISLINE_CALLS_PER_SECOND": str(args.cps),
            "IRISLINE_LOG_LEVEL": "WARNING",
        },
    )
    server = make_server(
        "127.0.0.1", 0, create_emulator_app(settings, store=store, drive=False), threaded=True
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = settings.replace(IRISLINE_EMULATOR_URL=f"http://127.0.0.1:{server.server_port}")
    env = {**os.environ, **settings.as_environ(), "PYTHONPATH": str(ROOT)}
    database = Database(database_url)
    upgrade(database)

    # The pipeline: tickets due now, one dial job each.
    with database.session() as session:
        for n in range(args.tickets):
            request_callback(
                session, CallbackRequest(f"+324{70000000 + n * 7919:08d}", "general", "fr", "web")
            )
    with database.session() as session:
        due = {t.phone: t.due_at for t in session.scalars(select(Ticket))}
        ids = list(session.scalars(select(Ticket.id)))
    t0 = datetime.now(UTC)
    for ticket_id in ids:
        queues.enqueue_dial(redis, ticket_id)
    wall = run_workers(env, args.workers, queues.DIAL)
    calls = list(store.calls.values())
    assert len(calls) == args.tickets, f"{len(calls)} calls for {args.tickets} tickets"
    latencies = [(c.created - due[c.to]).total_seconds() for c in calls]
    span = (max(c.created for c in calls) - t0).total_seconds()
    pipeline = (args.tickets / span, latencies, wall)

    # The baseline: the same number of RQ no-op jobs, same workers.
    redis.flushdb()
    queue = Queue(queues.NOTIFY, connection=redis)
    t0 = datetime.now(UTC)
    jobs = [queue.enqueue("workers.jobs.noop", n) for n in range(args.tickets)]
    wall = run_workers(env, args.workers, queues.NOTIFY)
    fetched = [Job.fetch(j.id, connection=redis) for j in jobs]
    noop_lat = [
        (j.started_at.replace(tzinfo=UTC) - j.enqueued_at.replace(tzinfo=UTC)).total_seconds()
        for j in fetched
        if j.started_at and j.enqueued_at
    ]
    ends = [j.ended_at.replace(tzinfo=UTC) for j in fetched if j.ended_at]
    noop = (args.tickets / (max(ends) - t0).total_seconds(), noop_lat, wall)

    print(
        f"\n{args.tickets} tickets, {args.workers} worker processes, pacing {args.cps:g} calls/s, "
        f"database {database.engine.dialect.name}\n"
    )
    print(f"{'metric':<34}{'pipeline':>12}{'rq no-op':>12}{'ratio':>10}")
    rows = [
        ("throughput (per second)", pipeline[0], noop[0]),
        (
            "latency p50 (ms)",
            1000 * statistics.median(pipeline[1]),
            1000 * statistics.median(noop[1]),
        ),
        ("latency p95 (ms)", 1000 * pct(pipeline[1], 95), 1000 * pct(noop[1], 95)),
        ("latency max (ms)", 1000 * max(pipeline[1]), 1000 * max(noop[1])),
        ("wall time incl. worker start (s)", pipeline[2], noop[2]),
    ]
    for name, ours, base in rows:
        print(f"{name:<34}{ours:>12.1f}{base:>12.1f}{ours / base:>10.2f}")
    print(
        "\nlatency: pipeline = ticket due -> dial request at the provider; "
        "no-op = enqueued -> started"
    )
    redis.flushdb()
    server.shutdown()
    database.dispose()


if __name__ == "__main__":
    main()
