"""The worker process: build the runtime, then let RQ work the queues (with its scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rq import Worker

from irisline.settings import Settings

from . import queues, runtime

log = logging.getLogger(__name__)


def run(settings: Settings, queue_names: Sequence[str], *, burst: bool = False) -> bool:
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    rt = runtime.Runtime.from_settings(settings)
    runtime.install(rt)
    worker = Worker([queues.queue(n, rt.redis) for n in queue_names], connection=rt.redis)
    log.info("worker %s on queues %s", worker.name, ", ".join(queue_names))
    return worker.work(burst=burst, with_scheduler=True, logging_level=settings.IRISLINE_LOG_LEVEL)
