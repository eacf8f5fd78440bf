"""Benchmark: the IVR under load mode, against a baseline measured in the same run.

    .venv/bin/python bench/bench_ivr_load.py [--calls 300] [--rate 0] [--concurrency 8]
                                             [--url http://127.0.0.1:5000]

In-process by default (a fresh SQLite database in a temporary folder; REDIS_URL as set).
The baseline is a trivial Flask route answering <Response><Hangup/></Response>, driven by the
same interpreter, transport and signing: the ratios say what our webhooks cost on top of
that, independent of the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

from flask import Flask, Response

from irisline.emulator.callers import ScriptedCaller
from irisline.emulator.interpreter import CallSession
from irisline.emulator.transport import FlaskTransport, Transport
from irisline.settings import Settings
from irisline.simulator.load import DEFAULT_PATHS, LoadReport, parse_paths, run_load
from irisline.simulator.session import Simulator


class Baseline:
    """Quacks like a Simulator for run_load: one trivial webhook per call."""

    def __init__(self, settings: Settings, transport: Transport, start_url: str) -> None:
        self.settings = settings
        self.transport = transport
        self.start_url = start_url

    def session(self, caller: ScriptedCaller, from_: str, listener: Any = None) -> CallSession:
        return CallSession(
            self.transport,
            self.settings.auth_token,
            caller,
            account_sid=self.settings.account_sid,
            from_=from_,
            to=self.settings.TWILIO_PHONE_NUMBER,
        )


def trivial_app() -> Flask:
    app = Flask("baseline")

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return Response("<Response><Hangup/></Response>", mimetype="text/xml")

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=0.0, help="calls/s; 0 = flat out")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--url", default=None, help="a running service instead of in-process")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="irisline-bench-")
    settings = Settings.load(
        overrides={
            "IRISLINE_DEBUG": True,
            "IRISLINE_INSTANCE_DIR": folder,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3",
            "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000",
            "IRISLINE_LOG_LEVEL": "ERROR",
        }
    )
    import logging

    logging.basicConfig(level=logging.ERROR)
    paths = parse_paths(DEFAULT_PATHS)
    simulator = Simulator(settings, args.url)
    if args.url:
        simulator.check_reachable()
        print("note: the baseline runs in-process; --url numbers include HTTP", file=sys.stderr)
    baseline_transport: Transport = FlaskTransport(trivial_app())
    baseline = Baseline(settings, baseline_transport, "http://127.0.0.1:5000/voice/incoming")
    hangup = [(parse_paths("-")[0][0], 1)]

    run_load(baseline, 20, 0, hangup, concurrency=args.concurrency, seed=args.seed)  # warm up
    base = run_load(baseline, args.calls, args.rate, hangup, concurrency=args.concurrency, seed=2)
    ivr = run_load(
        simulator, args.calls, args.rate, paths, concurrency=args.concurrency, seed=args.seed
    )
    simulator.close()

    def row(name: str, report: LoadReport) -> str:
        return (
            f"{name:<10} {report.calls:>6} {report.calls_per_second:>9.1f} "
            f"{len(report.latencies):>9} {report.latency_ms(50):>8.2f} "
            f"{report.latency_ms(90):>8.2f} {report.latency_ms(99):>8.2f}"
        )

    heads = ("calls", "calls/s", "webhooks", "p50 ms", "p90 ms", "p99 ms")
    widths = (6, 9, 9, 8, 8, 8)
    print(f"{'':<10} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    print(row("baseline", base))
    print(row("ivr", ivr))
    print(
        "ratios ivr/baseline: "
        + ", ".join(
            f"p{p} latency x{ivr.latency_ms(p) / max(base.latency_ms(p), 1e-9):.1f}"
            for p in (50, 90, 99)
        )
        + f"; calls/s x{ivr.calls_per_second / max(base.calls_per_second, 1e-9):.2f}"
        + f" (an IVR call makes {len(ivr.latencies) / max(ivr.calls, 1):.1f} webhooks)"
    )
    print("ivr outcomes: " + ", ".join(f"{k} {v}" for k, v in ivr.outcomes.most_common()))
    print("ivr errors: " + (", ".join(f"{k} x{v}" for k, v in ivr.errors.items()) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
