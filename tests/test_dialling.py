"""Attempts are committed before the provider dials; provider errors and status callbacks
settle them idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from callbacks import dialling
from callbacks.models import Attempt, Notification, Ticket
from callbacks.tickets import CallbackRequest, request_callback
from irisline.db import Database, utcnow
from irisline.telephony import ProviderRejected, ProviderTimeout, ProviderUnavailable


class FakeDialler:
    """Records what the database held at the moment of each dial."""

    def __init__(self, database: Database, error: Exception | None = None) -> None:
        self.database = database
        self.error = error
        self.seen: list[tuple[str, str]] = []
        self.sids = iter(f"CA{n:032x}" for n in range(0xF0, 0x100))

    def place_callback_call(self, *, to: str, reference: str, attempt_key: str, **_: Any) -> str:
        with self.database.session() as session:
            attempt = session.scalars(
                select(Attempt).where(Attempt.idempotency_key == attempt_key)
            ).one()
            self.seen.append((attempt.status, session.get(Ticket, attempt.ticket_id).status))
        if self.error:
            raise self.error
        return next(self.sids)


SID = f"CA{0xF0:032x}"


def _ticket(database: Database) -> int:
    with database.session() as session:
        ticket, _ = request_callback(
            session, CallbackRequest("+32470123456", "general", "en", "web")
        )
        return ticket.id


def _make_due(database: Database) -> None:
    """Bring the ticket's due time (a retry is due RETRY_DELAY later) to now."""
    with database.session() as session:
        session.scalars(select(Ticket)).one().due_at = utcnow()


def _state(database: Database) -> tuple[str, list[tuple[str, str | None]]]:
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        return ticket.status, [(a.status, a.call_sid) for a in ticket.attempts]


def test_attempt_is_committed_before_the_dial(database: Database) -> None:
    ticket_id = _ticket(database)
    dialler = FakeDialler(database)
    outcome = dialling.dial(database, ticket_id, dialler)
    assert dialler.seen == [("dialling", "dialling")]
    assert outcome.call_sid == SID
    assert _state(database) == ("dialling", [("placed", SID)])


def test_second_job_for_the_same_ticket_does_not_dial_again(database: Database) -> None:
    ticket_id = _ticket(database)
    dialler = FakeDialler(database)
    dialling.dial(database, ticket_id, dialler)
    again = dialling.dial(database, ticket_id, dialler)
    assert again.skipped == "ticket is dialling"
    assert len(dialler.seen) == 1


def test_rejected_number_fails_the_ticket_without_retry(database: Database) -> None:
    ticket_id = _ticket(database)
    dialling.dial(database, ticket_id, FakeDialler(database, ProviderRejected("21211 invalid")))
    assert _state(database) == ("failed", [("failed", None)])


def test_unavailable_provider_schedules_a_retry(database: Database) -> None:
    ticket_id = _ticket(database)
    dialling.dial(database, ticket_id, FakeDialler(database, ProviderUnavailable("503")))
    # The citizen was not called: the attempt is "not-placed" and does not count.
    assert _state(database) == ("retry", [("not-placed", None)])


def test_timeout_leaves_the_attempt_for_the_reconciler(database: Database) -> None:
    ticket_id = _ticket(database)
    dialling.dial(database, ticket_id, FakeDialler(database, ProviderTimeout("read timeout")))
    assert _state(database) == ("dialling", [("dialling", None)])
    # A new job must not dial while that attempt is unsettled.
    dialler = FakeDialler(database)
    assert dialling.dial(database, ticket_id, dialler).skipped == "ticket is dialling"
    assert dialler.seen == []


def test_status_callbacks_are_idempotent_and_ignore_interim_states(database: Database) -> None:
    ticket_id = _ticket(database)
    dialling.dial(database, ticket_id, FakeDialler(database))
    key = f"{ticket_id}-1"
    assert not dialling.settle_from_status_callback(database, key, "ringing")
    assert dialling.settle_from_status_callback(database, key, "no-answer")
    assert not dialling.settle_from_status_callback(database, key, "no-answer")
    assert not dialling.settle_from_status_callback(database, key, "completed")
    assert _state(database) == ("retry", [("no-answer", SID)])


def test_attempts_are_exhausted_after_the_maximum(database: Database) -> None:
    ticket_id = _ticket(database)
    dialler = FakeDialler(database)
    texts = []
    for seq in range(1, dialling.MAX_ATTEMPTS + 1):
        _make_due(database)
        dialling.dial(database, ticket_id, dialler)
        settled = dialling.settle_from_status_callback(database, f"{ticket_id}-{seq}", "busy")
        assert settled is not None
        texts.append(len(settled.notification_ids))
    status, attempts = _state(database)
    assert status == "exhausted"
    assert [a for a, _ in attempts] == ["busy"] * dialling.MAX_ATTEMPTS
    # "We tried to reach you" once, then "we could not reach you" when none is left.
    assert texts == [1, 0, 1]
    with database.session() as session:
        kinds = [n.kind for n in session.scalars(select(Notification).order_by(Notification.id))]
    assert kinds == ["missed", "exhausted"]
