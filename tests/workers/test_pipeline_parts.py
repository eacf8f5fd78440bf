"""Pacing, dial jobs and their retries, the callable-window hook, provider errors, the worker
process (preload before fork), the periodic jobs and the operator commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from callbacks import dialling
from callbacks.models import Attempt, Ticket
from callbacks.tickets import CallbackRequest, request_callback
from irisline.cli import main
from irisline.db import Database, utcnow
from irisline.settings import Settings
from irisline.telephony import ProviderRejected, ProviderUnavailable, TwilioProvider
from workers import jobs, periodic, preload, process, queues, runtime
from workers.pacing import TokenBucket


def _ticket(database: Database, phone: str = "+32470123456") -> int:
    with database.session() as session:
        ticket, _ = request_callback(session, CallbackRequest(phone, "general", "fr", "web"))
        return ticket.id


class Fake:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def place_callback_call(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return "CA" + f"{len(self.calls):032x}"


def test_token_bucket_is_shared_by_every_worker(redis_conn: Redis) -> None:
    one = TokenBucket(redis_conn, rate=1, key="pace:test", max_wait=0)
    other = TokenBucket(redis_conn, rate=1, key="pace:test", max_wait=0)
    assert one.try_take() == 0
    wait = other.try_take()
    assert 0.5 < wait <= 1.0  # the second call of the same second waits for the next token
    assert not other.acquire()  # max_wait 0: gives up instead of waiting


def test_token_bucket_allows_its_rate_in_a_burst(redis_conn: Redis) -> None:
    bucket = TokenBucket(redis_conn, rate=5, key="pace:burst", max_wait=0)
    assert [bucket.try_take() == 0 for _ in range(6)] == [True] * 5 + [False]


def test_paced_out_dial_is_retried_without_an_attempt(database: Database) -> None:
    class Never:
        def acquire(self) -> bool:
            return False

    ticket_id = _ticket(database)
    outcome = dialling.dial(database, ticket_id, Fake(), pacer=Never())
    assert outcome.skipped == "paced" and outcome.retry_at is not None
    with database.session() as session:
        assert session.scalars(select(Attempt)).first() is None


def test_closed_window_schedules_the_ticket_for_its_opening(database: Database) -> None:
    opens = utcnow() + timedelta(hours=9)
    ticket_id = _ticket(database)
    fake = Fake()
    outcome = dialling.dial(database, ticket_id, fake, window=lambda ticket, now: opens)
    assert outcome.retry_at == opens and fake.calls == []
    with database.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and (ticket.status, ticket.due_at) == ("scheduled", opens)


def test_window_closing_while_waiting_for_the_pacer_stops_the_dial(database: Database) -> None:
    opens = utcnow() + timedelta(hours=15)
    closed = {"now": False}

    class SlowPacer:
        def acquire(self) -> bool:
            closed["now"] = True  # the window ends while this caller waits for a token
            return True

    def window(ticket: Any, now: Any) -> Any:
        return opens if closed["now"] else None

    ticket_id = _ticket(database)
    fake = Fake()
    outcome = dialling.dial(database, ticket_id, fake, window=window, pacer=SlowPacer())
    assert fake.calls == [] and outcome.retry_at == opens
    with database.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and (ticket.status, ticket.due_at) == ("scheduled", opens)


def test_provider_throttling_backs_off_without_using_an_attempt(database: Database) -> None:
    ticket_id = _ticket(database)
    delays = []
    for _ in range(3):
        outcome = dialling.dial(database, ticket_id, Fake(ProviderUnavailable("429")))
        assert outcome.retry_at is not None
        delays.append((outcome.retry_at - utcnow()).total_seconds())
        with database.session() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None and ticket.status == "retry"
            ticket.due_at = utcnow()
            assert dialling._counted(ticket) == 0
    assert delays[0] < delays[1] < delays[2] <= dialling.BACKOFF_CAP.total_seconds() * 1.2


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (429, 20429, ProviderUnavailable),
        (503, 0, ProviderUnavailable),
        (400, 21211, ProviderRejected),
    ],
)
def test_provider_http_errors_are_classified(status: int, code: int, error: type) -> None:
    def request() -> str:
        raise TwilioRestException(status, "https://api.twilio.com/x", "no", code)

    with pytest.raises(error):
        TwilioProvider._call(request)


def test_dial_job_schedules_its_own_retry(
    database: Database, settings: Settings, redis_conn: Redis
) -> None:
    rt = runtime.Runtime(settings, database, redis_conn, Fake(ProviderUnavailable("503")))  # type: ignore[arg-type]
    runtime.install(rt)
    try:
        ticket_id = _ticket(database)
        queues.enqueue_dial(redis_conn, ticket_id)
        dial = Queue("dial", connection=redis_conn)
        SimpleWorker([dial], connection=redis_conn).work(burst=True)
        assert dial.count == 0
        assert len(dial.scheduled_job_registry.get_job_ids()) == 1
        assert queues.dial_job_live(redis_conn, ticket_id)
    finally:
        runtime.install(None)


def test_customer_first_and_agent_first_requests(settings: Settings) -> None:
    created: list[dict[str, Any]] = []

    class Calls:
        def create(self, **kwargs: Any) -> Any:
            created.append(kwargs)
            return type("Call", (), {"sid": "CA" + "2" * 32})()

    client = type("Client", (), {"calls": Calls()})()
    settings = settings.replace(IRISLINE_DIALLING_MODES="urbanism=agent-first")
    provider = TwilioProvider(settings, client=client)  # type: ignore[arg-type]
    for service in ("general", "urbanism"):
        provider.place_callback_call(
            to="+32470123456",
            reference="12345678",
            attempt_key="7-1",
            mode=settings.dialling_mode(service),
            service=service,
        )
    customer, agent = created
    assert customer["to"] == "+32470123456" and customer["machine_detection"] == "Enable"
    assert "attempt=7-1" in customer["url"] and "attempt=7-1" in customer["status_callback"]
    assert agent["to"] == "client:agents-urbanism" and "machine_detection" not in agent
    assert agent["url"].endswith("/voice/callback/agent?attempt=7-1")


def test_worker_preloads_its_queues_models_once_before_forking(
    settings: Settings, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []
    monkeypatch.setitem(preload.PRELOADERS, "transcribe", ("tests.workers.fake_model:preload",))
    monkeypatch.setattr(
        "tests.workers.fake_model.preload", lambda s: loaded.append("model") or "MODEL"
    )
    rt, worker = process.build(settings, ["dial", "transcribe"])
    try:
        assert loaded == ["model"] and rt.extras["tests.workers.fake_model:preload"] == "MODEL"
        assert worker.job_monitoring_interval == queues.JOB_MONITORING_INTERVAL
        _, worker = process.build(settings, ["dial"])
        assert loaded == ["model"]  # a dial-only worker loads nothing
    finally:
        runtime.install(None)
        rt.db.dispose()


def test_periodic_jobs_use_rqs_cron_scheduler(settings: Settings, redis_conn: Redis) -> None:
    cron = periodic.build(redis_conn, settings.replace(IRISLINE_RECONCILE_INTERVAL="7"))
    by_name = {job.name: job for job in cron.get_jobs()}
    assert by_name["reconcile"].interval == 7 and by_name["reconcile"].queue_name == "maintenance"
    assert by_name["sla-escalation"].func is jobs.sweep_callbacks
    cron.enqueue_jobs()
    assert Queue("maintenance", connection=redis_conn).count == 2


def test_reconcile_command(settings: Settings, database: Database, redis_conn: Redis) -> None:
    _ticket(database)
    env = settings.replace(IRISLINE_EMULATOR_URL="http://127.0.0.1:9").as_environ()
    result = CliRunner().invoke(main, ["reconcile"], env=env)
    assert result.exit_code == 0, result.output
    assert "dial jobs enqueued 1" in result.output
    assert CliRunner().invoke(main, ["reconcile", "--grace", "5"], env=env).exit_code == 2


def test_unsafe_worker_settings_refuse_to_start(settings: Settings) -> None:
    bad = settings.replace(IRISLINE_RECONCILE_GRACE="10", IRISLINE_DIALLING_MODE="robot")
    problems = " ".join(bad.problems())
    assert "IRISLINE_RECONCILE_GRACE" in problems and "dialling mode" in problems


def test_dial_job_for_a_missing_ticket_is_dropped(database: Database) -> None:
    rt = runtime.Runtime(
        settings=Settings.load(environ={}, overrides={"IRISLINE_DEBUG": True}),
        db=database,
        redis=None,  # type: ignore[arg-type]
        provider=None,  # type: ignore[arg-type]
    )
    runtime.install(rt)
    try:
        assert jobs.dial_ticket(424242) == {"ticket_id": 424242, "skipped": "no such ticket"}
    finally:
        runtime.install(None)
