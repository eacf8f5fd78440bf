"""Periodic jobs, on RQ 3's own cron scheduler (`rq.cron.CronScheduler`).

`irisline cron` runs one CronScheduler process that enqueues, on the `maintenance` queue:
the reconciler every IRISLINE_RECONCILE_INTERVAL seconds and the call-back sweep (SLA
escalation, expiry, abandoned claims: `callbacks.intake.sweep`) every five minutes. Its
schedule lives in the process, not in Redis, so it keeps going after Redis lost its data
(self-rescheduling jobs would not). Two cron processes only mean duplicate runs, which are
harmless: the reconciler takes a lock, the sweep is idempotent.
"""

from __future__ import annotations

import logging

from redis import Redis
from rq.cron import CronScheduler

from irisline.settings import Settings

from . import jobs
from .queues import MAINTENANCE

log = logging.getLogger(__name__)

SLA_INTERVAL = 300


def build(connection: Redis, settings: Settings) -> CronScheduler:
    cron = CronScheduler(connection=connection, logging_level=settings.IRISLINE_LOG_LEVEL)
    interval = settings.reconcile_interval
    cron.register(
        jobs.reconcile,
        MAINTENANCE,
        interval=interval,
        job_timeout=max(60, 4 * interval),
        ttl=max(2 * interval, 10),  # a run nobody picked up is dropped; the next one comes
        result_ttl=600,
        name="reconcile",
    )
    cron.register(
        jobs.sweep_callbacks,
        MAINTENANCE,
        interval=SLA_INTERVAL,
        job_timeout=120,
        ttl=SLA_INTERVAL,
        result_ttl=600,
        name="sla-escalation",
    )
    return cron


def run(settings: Settings) -> None:
    build(Redis.from_url(settings.REDIS_URL), settings).start()
