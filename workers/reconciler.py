"""The reconciler: the database is the source of truth, RQ only carries work.

Run periodically (a `maintenance` job from the cron process) and on demand
(`irisline reconcile`). Each run:

1. settles attempts that stayed unsettled longer than the grace period by asking the provider,
   never by dialling again: an attempt with a call SID is fetched; one without (the worker died
   between the commit and storing the SID, or the request timed out) is looked for among the
   calls to its number since it began. A call found is recorded and, once final, settles the
   attempt; no call at all means it was never placed: the ticket is due again.
2. enqueues a dial job for every due ticket that has no live job (after Redis lost its data,
   a dead worker, a web process that could not reach Redis).
3. enqueues a transcription job for every voicemail still waiting for one (status "stored")
   for longer than the grace period, unless its job is still live.
4. enqueues a send job for every SMS still pending in the outbox after the grace period (a web
   process that could not reach Redis, a flush); sending is idempotent, so a duplicate job
   changes nothing.

The grace period must exceed the time a live worker may still send its request after the
attempt's commit (`callbacks.dialling.FENCE` plus the request timeout); settings enforce it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError

from callbacks import dialling, notifications, voicemail_pipeline
from irisline.db import Database, utcnow
from irisline.settings import Settings
from irisline.telephony import CallInfo, ProviderError

from . import queues

log = logging.getLogger(__name__)

LOCK_KEY = "irisline:reconcile-lock"
# Short on purpose: a worker killed during a run must not block reconciliation for long, and
# two overlapping runs are harmless (settling is idempotent, duplicate dial jobs too).
LOCK_TTL = 30
# Clock skew we allow between our database and the provider when matching calls by time.
SKEW = timedelta(minutes=1)


@dataclass
class Report:
    checked: int = 0
    recorded: int = 0
    settled: int = 0
    not_placed: int = 0
    enqueued: int = 0
    transcriptions: int = 0
    sms: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"attempts checked {self.checked}, calls found {self.recorded}, settled "
            f"{self.settled}, never placed {self.not_placed}; dial jobs enqueued {self.enqueued}"
            f"; transcription jobs enqueued {self.transcriptions}; SMS re-sent {self.sms}"
            + (f"; {len(self.errors)} errors" if self.errors else "")
        )


def _match(calls: list[CallInfo], known: set[str], since: datetime) -> CallInfo | None:
    """The call that belongs to an attempt begun at `since`: not already some attempt's,
    created since then (less the skew), the oldest such."""
    candidates = [
        c
        for c in calls
        if c.sid not in known
        and c.parent_call_sid is None
        and (c.date_created is None or c.date_created >= since - SKEW)
    ]
    if len(candidates) > 1:
        log.warning("%d unknown calls match one attempt; taking the oldest", len(candidates))
    candidates.sort(key=lambda c: c.date_created or since)
    return candidates[0] if candidates else None


def settle_attempts(
    db: Database,
    provider: dialling.CallLookup,
    settings: Settings,
    *,
    grace: timedelta,
    now: datetime,
    report: Report,
) -> None:
    for attempt in dialling.unsettled_attempts(db, now - grace):
        report.checked += 1
        key, sid, phone = attempt.key, attempt.call_sid, attempt.phone
        try:
            if sid:
                call = provider.fetch_call(sid)
                if call is None:
                    report.errors.append(f"{key}: the provider does not know call {sid}")
                    continue
                if attempt.status == dialling.BRIDGING and call.final:
                    # Agent-first: the citizen leg (a child of the agent's call) decides.
                    legs = provider.find_calls(to=phone, since=attempt.created_at - SKEW)
                    child = next((c for c in legs if c.parent_call_sid == sid and c.final), None)
                    if child is not None:
                        settled = dialling.settle_from_status_callback(
                            db, key, child.status, answered_by=child.answered_by, leg="citizen"
                        )
                    else:
                        settled = dialling.settle_not_placed(
                            db, key, "the agent's call ended before the citizen was dialled"
                        )
                        report.not_placed += settled is not None
                else:
                    settled = dialling.settle_from_provider(db, key, call)
                report.settled += settled is not None
                continue
            target = (
                settings.agent_target(attempt.service)
                if attempt.mode == dialling.AGENT_FIRST
                else phone
            )
            calls = provider.find_calls(to=target, since=attempt.created_at - SKEW)
            known = dialling.known_call_sids(db, [c.sid for c in calls])
            call = _match(calls, known, attempt.created_at)
            if call is not None:
                report.recorded += 1
                log.info("attempt %s: found its call %s (%s)", key, call.sid, call.status)
                settled = dialling.settle_from_provider(db, key, call)
                report.settled += settled is not None
            else:
                log.info("attempt %s: the provider has no call for it: never placed", key)
                settled = dialling.settle_not_placed(
                    db, key, "never placed (the provider has no call for this attempt)"
                )
                report.not_placed += settled is not None
                report.settled += settled is not None
        except ProviderError as exc:
            report.errors.append(f"{key}: {exc}")
            log.warning("attempt %s: could not ask the provider: %s", key, exc)


def enqueue_due(db: Database, connection: Redis, *, now: datetime, report: Report) -> None:
    for ticket_id in dialling.due_tickets(db, now):
        if queues.dial_job_live(connection, ticket_id):
            continue
        if queues.enqueue_dial(connection, ticket_id):
            report.enqueued += 1


def enqueue_voicemails(
    db: Database, connection: Redis, *, older_than: datetime, report: Report
) -> None:
    for voicemail_id in voicemail_pipeline.pending(db, older_than):
        if queues.transcription_job_live(connection, voicemail_id):
            continue
        if queues.enqueue_transcription(connection, voicemail_id):
            report.transcriptions += 1


def enqueue_sms(db: Database, connection: Redis, *, older_than: datetime, report: Report) -> None:
    with db.session() as session:
        pending = notifications.pending_ids(session, older_than)
    if pending and queues.enqueue_notifications(connection, pending):
        report.sms += len(pending)


def reconcile(
    db: Database,
    connection: Redis,
    provider: dialling.CallLookup,
    settings: Settings,
    *,
    grace: timedelta | None = None,
    now: datetime | None = None,
) -> Report:
    """One reconciliation run (skipped when another one holds the lock)."""
    report = Report()
    grace = grace if grace is not None else timedelta(seconds=settings.reconcile_grace)
    token = f"{id(report)}"
    try:
        if not connection.set(LOCK_KEY, token, nx=True, ex=LOCK_TTL):
            report.errors.append("another reconciliation is running")
            return report
    except RedisError as exc:
        # Settling attempts needs no Redis; enqueueing does and is skipped below.
        log.warning("reconciler without Redis: %s", exc)
    try:
        settle_attempts(db, provider, settings, grace=grace, now=now or utcnow(), report=report)
        try:
            enqueue_due(db, connection, now=now or utcnow(), report=report)
            enqueue_voicemails(db, connection, older_than=(now or utcnow()) - grace, report=report)
            enqueue_sms(db, connection, older_than=(now or utcnow()) - grace, report=report)
        except RedisError as exc:
            report.errors.append(f"could not enqueue due tickets or voicemails: {exc}")
    finally:
        try:
            if connection.get(LOCK_KEY) == token.encode():
                connection.delete(LOCK_KEY)
        except RedisError:
            pass
    log.info("reconciled: %s", report.summary())
    return report
