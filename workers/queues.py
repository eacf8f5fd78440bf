"""RQ queues by concern. Connections are always passed in; nothing global.

Dial jobs get fresh ids; the id of the latest one per ticket is kept under
`irisline:dial-job:<ticket>` so the reconciler can tell whether a ticket still has a live job.
Several jobs for one ticket are harmless: the database decides whether a dial happens.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

DIAL = "dial"
NOTIFY = "notify"
TRANSCRIBE = "transcribe"
MAINTENANCE = "maintenance"
ALL = (DIAL, NOTIFY, TRANSCRIBE, MAINTENANCE)

DIAL_JOB = "workers.jobs.dial_ticket"
TRANSCRIBE_JOB = "workers.jobs.transcribe_voicemail"
# Fetch with retries (up to ~1 min), decoding and recognition (a few times faster than real
# time for a voicemail of at most a few minutes).
TRANSCRIBE_JOB_TIMEOUT = 15 * 60
# A dial job waits at most ~20 s for a pacing token and 10 s for the provider.
DIAL_JOB_TIMEOUT = 60
# Workers heartbeat running jobs this often (irisline worker sets RQ's job_monitoring_interval).
JOB_MONITORING_INTERVAL = 5
# A started job whose heartbeat is older than this belongs to a dead worker.
STALE_AFTER = timedelta(seconds=3 * JOB_MONITORING_INTERVAL + 5)
POINTER_TTL = 7 * 24 * 3600
# How late RQ's scheduler may be with a scheduled dial before the reconciler enqueues it.
SCHEDULER_SLACK = timedelta(seconds=30)
# Workers retry taking RQ's scheduler lock (free when the worker that held it died) this often.
MAINTENANCE_INTERVAL = 60


def queue(name: str, connection: Redis) -> Queue:
    if name not in ALL:
        raise ValueError(f"unknown queue {name!r}; known: {', '.join(ALL)}")
    return Queue(name, connection=connection)


def _pointer(ticket_id: int) -> str:
    return f"irisline:dial-job:{ticket_id}"


def _transcribe_pointer(voicemail_id: int) -> str:
    return f"irisline:transcribe-job:{voicemail_id}"


def _new_job_id(ticket_id: int) -> str:
    return f"dial-{ticket_id}-{secrets.token_hex(4)}"


def enqueue_dial(connection: Redis, ticket_id: int) -> bool:
    """Ask a worker to dial a ticket now. False when Redis is away: the ticket is in the
    database and the reconciler will enqueue it again, so the caller's request is not lost."""
    return _put_dial(connection, ticket_id, None)


def enqueue_notifications(connection: Redis, notification_ids: list[int]) -> bool:
    """Ask a worker to send call-back SMS (rows already committed in the outbox). False when
    Redis is away: the rows stay pending for the reconciler (`notifications.pending_ids`)."""
    try:
        for notification_id in notification_ids:
            queue(NOTIFY, connection).enqueue(
                "workers.jobs.send_notification",
                notification_id,
                job_id=f"notify-{notification_id}",
            )
    except RedisError as exc:
        log.warning("could not enqueue notifications %s: %s", notification_ids, exc)
        return False
    return True


def enqueue_transcription(connection: Redis, voicemail_id: int) -> bool:
    """Ask a worker to transcribe a stored voicemail. False when Redis is away: the voicemail
    is in the database with status "stored", and the reconciler enqueues it again."""
    # A fresh id each time: a re-enqueue after a lost job must not be refused; the database
    # decides whether there is anything left to do. The pointer lets the reconciler tell a
    # voicemail whose job is still waiting or running from one whose job was lost.
    job_id = f"transcribe-{voicemail_id}-{secrets.token_hex(4)}"
    try:
        with connection.pipeline() as pipe:
            queue(TRANSCRIBE, connection).enqueue(
                TRANSCRIBE_JOB,
                voicemail_id,
                job_id=job_id,
                job_timeout=TRANSCRIBE_JOB_TIMEOUT,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                pipeline=pipe,
            )
            pipe.set(_transcribe_pointer(voicemail_id), job_id, ex=POINTER_TTL)
            pipe.execute()
    except RedisError as exc:
        log.warning("could not enqueue transcription of voicemail %s: %s", voicemail_id, exc)
        return False
    return True


def schedule_dial(connection: Redis, ticket_id: int, at: datetime) -> bool:
    """Have RQ's scheduler enqueue a dial for the ticket at `at` (at once if that is past)."""
    return _put_dial(connection, ticket_id, None if at <= datetime.now(UTC) else at)


def _put_dial(connection: Redis, ticket_id: int, at: datetime | None) -> bool:
    """Queue the ticket's dial job (now, or at `at` through RQ's scheduler) and point the
    ticket at it, in one pipeline, so the reconciler can tell a live job from a lost one."""
    job_id = _new_job_id(ticket_id)
    options: dict[str, Any] = {
        "job_id": job_id,
        "job_timeout": DIAL_JOB_TIMEOUT,
        "result_ttl": 300,
        "failure_ttl": 7 * 24 * 3600,
    }
    try:
        with connection.pipeline() as pipe:
            dial = queue(DIAL, connection)
            if at is None:
                dial.enqueue(DIAL_JOB, ticket_id, pipeline=pipe, **options)
            else:
                dial.enqueue_at(at, DIAL_JOB, ticket_id, pipeline=pipe, **options)
            pipe.set(_pointer(ticket_id), job_id, ex=POINTER_TTL)
            pipe.execute()
    except RedisError as exc:
        log.warning("could not queue a dial for ticket %s: %s", ticket_id, exc)
        return False
    return True


def dial_job_live(connection: Redis, ticket_id: int) -> bool:
    """Whether the ticket's latest dial job is waiting (queued, scheduled) or running in a
    worker that still heartbeats."""
    return _job_live(connection, _pointer(ticket_id), DIAL)


def transcription_job_live(connection: Redis, voicemail_id: int) -> bool:
    """Whether the voicemail's latest transcription job is waiting or running."""
    return _job_live(connection, _transcribe_pointer(voicemail_id), TRANSCRIBE)


def _job_live(connection: Redis, pointer: str, queue_name: str) -> bool:
    raw = connection.get(pointer)
    if raw is None:
        return False
    try:
        job_id = raw.decode() if isinstance(raw, bytes) else str(raw)
        job = Job.fetch(job_id, connection=connection)
        status = job.get_status()
    except NoSuchJobError:
        return False
    if status == JobStatus.SCHEDULED:
        # Live while RQ's scheduler is on time; a scheduler that died with its worker is
        # replaced only when another worker takes its lock, so a late job counts as lost.
        try:
            at = queue(queue_name, connection).scheduled_job_registry.get_scheduled_time(job)
        except NoSuchJobError:
            return False
        return datetime.now(UTC) - at.replace(tzinfo=UTC) < SCHEDULER_SLACK
    if status == JobStatus.QUEUED:
        # Still waiting in the queue. A worker killed between taking the job off the queue
        # (RQ moves it to an intermediate list) and marking it started leaves it "queued"
        # nowhere a worker looks: lost.
        return connection.lpos(queue(queue_name, connection).key, job.id) is not None
    if status == JobStatus.DEFERRED:
        return True
    if status == JobStatus.STARTED:
        beat = job.last_heartbeat or job.started_at
        return beat is not None and datetime.now(UTC) - beat.replace(tzinfo=UTC) < STALE_AFTER
    return False
