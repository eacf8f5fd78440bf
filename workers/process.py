"""The worker process: build the runtime, preload what its queues need, then let RQ work the
queues (with RQ's scheduler for delayed jobs)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rq import Worker

from irisline.settings import Settings

from . import preload, queues, runtime

log = logging.getLogger(__name__)


def build(settings: Settings, queue_names: Sequence[str]) -> tuple[runtime.Runtime, Worker]:
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    rt = runtime.Runtime.from_settings(settings)
    runtime.install(rt)
    worker_queues = [queues.queue(n, rt.redis) for n in queue_names]
    preload.preload(rt, queue_names)
    worker = Worker(
        worker_queues,
        connection=rt.redis,
        job_monitoring_interval=queues.JOB_MONITORING_INTERVAL,
        maintenance_interval=queues.MAINTENANCE_INTERVAL,
    )
    return rt, worker


def run(settings: Settings, queue_names: Sequence[str], *, burst: bool = False) -> bool:
    _rt, worker = build(settings, queue_names)
    log.info("worker %s on queues %s", worker.name, ", ".join(queue_names))
    return worker.work(burst=burst, with_scheduler=True, logging_level=settings.IRISLINE_LOG_LEVEL)
