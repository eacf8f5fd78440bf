"""The reconciler asks the provider (the emulator, over HTTP) and never redials blindly;
it re-enqueues due tickets without a live job, e.g. after Redis lost everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from callbacks import dialling
from callbacks.models import Attempt, Ticket
from callbacks.tickets import CallbackRequest, request_callback
from irisline.db import Database, utcnow
from irisline.emulator import Store, create_emulator_app
from irisline.settings import Settings
from irisline.telephony import ProviderTimeout, TwilioProvider
from workers import queues, reconciler

LATER = timedelta(minutes=2)


@pytest.fixture
def emulated(settings: Settings, serve: Callable[[Any], Any]) -> tuple[Settings, Store]:
    store = Store()
    served = serve(create_emulator_app(settings, store=store, drive=False))
    return settings.replace(IRISLINE_EMULATOR_URL=served.url), store


def _ticket(database: Database, phone: str = "+32470123456") -> int:
    with database.session() as session:
        ticket, _ = request_callback(session, CallbackRequest(phone, "general", "fr", "web"))
        return ticket.id


def _attempts(database: Database) -> list[tuple[str, str | None]]:
    with database.session() as session:
        return [
            (a.status, a.call_sid) for a in session.scalars(select(Attempt).order_by(Attempt.id))
        ]


def _status(database: Database, ticket_id: int) -> str:
    with database.session() as session:
        return session.get(Ticket, ticket_id).status  # type: ignore[union-attr]


class DiesBeforeTheRequest:
    def place_callback_call(self, **kwargs: Any) -> str:
        raise SystemExit("killed after the attempt's commit")


class DiesAfterTheRequest:
    def __init__(self, inner: TwilioProvider) -> None:
        self.inner = inner

    def place_callback_call(self, **kwargs: Any) -> str:
        self.inner.place_callback_call(**kwargs)
        raise SystemExit("killed before the SID's commit")


def _run(database: Database, redis: Redis, provider: Any, settings: Settings, **kw: Any) -> Any:
    return reconciler.reconcile(database, redis, provider, settings, **kw)


def test_attempt_never_placed_is_settled_and_the_ticket_dialled_again(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    settings, store = emulated
    provider = TwilioProvider(settings)
    ticket_id = _ticket(database)
    with pytest.raises(SystemExit):
        dialling.dial(database, ticket_id, DiesBeforeTheRequest())
    # Within the grace period nothing is touched: a live worker might still send it.
    report = _run(database, redis_conn, provider, settings)
    assert report.checked == 0 and _attempts(database) == [("dialling", None)]
    report = _run(database, redis_conn, provider, settings, now=utcnow() + LATER)
    assert report.not_placed == 1 and report.enqueued == 1
    assert _attempts(database) == [("not-placed", None)]
    assert _status(database, ticket_id) == "scheduled"
    # The new attempt dials; the first one made no call.
    dialling.dial(database, ticket_id, provider)
    assert len(store.calls) == 1
    assert [s for s, _ in _attempts(database)] == ["not-placed", "placed"]


def test_call_placed_by_a_dead_worker_is_found_and_not_redialled(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    settings, store = emulated
    provider = TwilioProvider(settings)
    other = _ticket(database, "+32470999999")
    dialling.dial(database, other, provider)  # another citizen's call, already known
    ticket_id = _ticket(database)
    with pytest.raises(SystemExit):
        dialling.dial(database, ticket_id, DiesAfterTheRequest(provider))
    (sid,) = [c.sid for c in store.calls.values() if c.to == "+32470123456"]
    # Still queued at the provider (no start time yet): found, recorded, left open.
    report = _run(database, redis_conn, provider, settings, now=utcnow() + LATER)
    assert report.recorded == 1 and report.settled == 0
    assert _attempts(database)[1] == ("placed", sid)
    # Once the provider says it is over, the attempt settles from the provider's word.
    store.calls[sid].status = "no-answer"
    report = _run(database, redis_conn, provider, settings, now=utcnow() + LATER)
    assert report.settled == 1
    assert _attempts(database)[1] == ("no-answer", sid)
    assert _status(database, ticket_id) == "retry"
    assert len(store.calls) == 2  # nobody dialled again


def test_timeout_after_the_request_goes_through_the_reconciler(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    settings, store = emulated
    provider = TwilioProvider(settings)
    ticket_id = _ticket(database)

    class TimesOut:
        def place_callback_call(self, **kwargs: Any) -> str:
            provider.place_callback_call(**kwargs)
            raise ProviderTimeout("read timed out")

    outcome = dialling.dial(database, ticket_id, TimesOut())
    assert outcome.retry_at is None and _status(database, ticket_id) == "dialling"
    (call,) = store.calls.values()
    call.status = "completed"
    _run(database, redis_conn, provider, settings, now=utcnow() + LATER)
    assert _attempts(database) == [("completed", call.sid)]
    assert _status(database, ticket_id) == "completed"


def test_due_tickets_are_enqueued_again_after_redis_lost_everything(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    settings, _ = emulated
    provider = TwilioProvider(settings)
    ids = [_ticket(database, f"+3247012345{n}") for n in range(3)]
    for ticket_id in ids:
        queues.enqueue_dial(redis_conn, ticket_id)
    assert _run(database, redis_conn, provider, settings).enqueued == 0  # all have a live job
    redis_conn.flushdb()
    assert _run(database, redis_conn, provider, settings).enqueued == 3
    assert Queue("dial", connection=redis_conn).count == 3
    assert _run(database, redis_conn, provider, settings).enqueued == 0


def test_job_taken_off_the_queue_by_a_killed_worker_counts_as_lost(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    settings, _ = emulated
    ticket_id = _ticket(database)
    queues.enqueue_dial(redis_conn, ticket_id)
    dial = Queue("dial", connection=redis_conn)
    # What RQ's dequeue does first; the worker is killed before it marks the job started.
    redis_conn.lmove(dial.key, dial.intermediate_queue_key)
    assert not queues.dial_job_live(redis_conn, ticket_id)
    report = _run(database, redis_conn, TwilioProvider(settings), settings)
    assert report.enqueued == 1 and dial.count == 1


def test_pending_sms_are_enqueued_again(
    database: Database, redis_conn: Redis, emulated: tuple[Settings, Store]
) -> None:
    """An SMS whose job never reached Redis is sent by the next reconciliation."""
    from callbacks import intake, notifications

    with database.session() as session:
        submission = intake.submit(session, CallbackRequest("+32470123456", "general", "fr", "web"))
        assert len(submission.notification_ids) == 1
    settings, _ = emulated
    later = utcnow() + timedelta(minutes=5)
    report = _run(database, redis_conn, TwilioProvider(settings), settings, now=later)
    assert report.sms == 1 and "SMS re-sent 1" in report.summary()
    queued = Queue("notify", connection=redis_conn).jobs
    assert [job.args for job in queued] == [(submission.notification_ids[0],)]
    with database.session() as session:
        assert notifications.pending_ids(session, later) == submission.notification_ids
