"""RQ queues by concern. Connections are always passed in; nothing global."""

from __future__ import annotations

import logging
import secrets

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

DIAL = "dial"
NOTIFY = "notify"
TRANSCRIBE = "transcribe"
MAINTENANCE = "maintenance"
ALL = (DIAL, NOTIFY, TRANSCRIBE, MAINTENANCE)


def queue(name: str, connection: Redis) -> Queue:
    if name not in ALL:
        raise ValueError(f"unknown queue {name!r}; known: {', '.join(ALL)}")
    return Queue(name, connection=connection)


def enqueue_dial(connection: Redis, ticket_id: int) -> bool:
    """Ask a worker to dial a ticket. False when Redis is away: the ticket is in the database
    and the reconciler will enqueue it again, so the caller's request is not lost."""
    try:
        queue(DIAL, connection).enqueue(
            "workers.jobs.dial_ticket", ticket_id, job_id=f"dial-{ticket_id}-{secrets.token_hex(4)}"
        )
    except RedisError as exc:
        log.warning("could not enqueue dial for ticket %s: %s", ticket_id, exc)
        return False
    return True


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
