"""A real `irisline worker` whose provider may SIGKILL the whole worker (the worker, its
work horse, its scheduler) at the two worst moments of a dial: after the
attempt's commit and before the request, and after the provider placed the call and before
the call SID is committed. Used by the crash test; the test also kills workers from outside.

Run: python -m tests.workers.crashy_worker (settings from the environment, plus
CRASH_BEFORE and CRASH_AFTER, the probabilities of each kill, and CRASH_LOG, a file where
each self-kill is noted).
"""

from __future__ import annotations

import logging
import os
import random
import signal
from typing import Any

from irisline.settings import Settings
from workers import process, queues


def die(moment: str, key: str) -> None:
    if path := os.environ.get("CRASH_LOG"):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{moment} {key}\n")
    # RQ's work horse has a process group of its own (os.setpgrp): kill the worker's group
    # (the worker and its scheduler), then the horse's (this process).
    os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
    os.killpg(os.getpgid(0), signal.SIGKILL)


class CrashingProvider:
    def __init__(self, inner: Any, before: float, after: float) -> None:
        self.inner = inner
        self.before = before
        self.after = after

    def place_callback_call(self, **kwargs: Any) -> str:
        if random.random() < self.before:
            die("before-request", kwargs["attempt_key"])
        sid: str = self.inner.place_callback_call(**kwargs)
        if random.random() < self.after:
            die("after-request", kwargs["attempt_key"])
        return sid

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.load().check()
    rt, worker = process.build(settings, [queues.DIAL, queues.MAINTENANCE])
    rt.provider = CrashingProvider(
        rt.provider, float(os.environ["CRASH_BEFORE"]), float(os.environ["CRASH_AFTER"])
    )
    worker.work(with_scheduler=True, logging_level="WARNING")


if __name__ == "__main__":
    main()
