"""Tickets: creation, E.164 numbers, one open ticket per (number, service), the state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from callbacks.models import Ticket
from callbacks.states import InvalidTransition, Status
from callbacks.tickets import CallbackRequest, request_callback, transition
from irisline.db import Database
from routing.numbers import InvalidNumber


def _request(**kw: object) -> CallbackRequest:
    values: dict[str, object] = {
        "phone": "0470 12 34 56",
        "service": "housing",
        "language": "fr",
        "source": "ivr",
    }
    values.update(kw)
    return CallbackRequest(**values)  # type: ignore[arg-type]


def test_ticket_gets_e164_number_reference_and_first_event(database: Database) -> None:
    with database.session() as session:
        ticket, created = request_callback(session, _request())
    assert created
    assert ticket.phone == "+32470123456"
    assert ticket.reference.isdigit() and len(ticket.reference) == 8
    with database.session() as session:
        stored = session.scalars(select(Ticket)).one()
        assert [(e.from_status, e.to_status) for e in stored.events] == [(None, "requested")]


@pytest.mark.parametrize("phone", ["12", "not a number", "+32 470", "", "anonymous"])
def test_invalid_numbers_are_refused(database: Database, phone: str) -> None:
    with pytest.raises(InvalidNumber), database.session() as session:
        request_callback(session, _request(phone=phone))
    with database.session() as session:
        assert session.scalars(select(Ticket)).all() == []


def test_repeat_request_merges_and_keeps_the_earlier_place(database: Database) -> None:
    first_call = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with database.session() as session:
        first, _ = request_callback(session, _request(requested_at=first_call))
    with database.session() as session:
        again, created = request_callback(
            session,
            _request(phone="+32470123456", source="web", requested_at=first_call + timedelta(1)),
        )
    assert not created
    assert again.id == first.id and again.reference == first.reference
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.merge_count == 1
        assert ticket.requested_at == first_call
        assert "merged" in ticket.events[-1].reason


def test_other_service_or_closed_ticket_gives_a_new_ticket(database: Database) -> None:
    with database.session() as session:
        first, _ = request_callback(session, _request())
        _, created = request_callback(session, _request(service="taxes"))
        assert created
        transition(session, first, Status.CANCELLED, actor="test")
    with database.session() as session:
        third, created = request_callback(session, _request())
    assert created and third.id != first.id


def test_invalid_transition_is_a_domain_error(database: Database) -> None:
    with database.session() as session:
        ticket, _ = request_callback(session, _request())
        transition(session, ticket, Status.CANCELLED, actor="agent:7", reason="citizen asked")
        with pytest.raises(InvalidTransition) as info:
            transition(session, ticket, Status.DIALLING, actor="dialler")
    assert info.value.status == 409
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "cancelled"
        last = ticket.events[-1]
        assert (last.actor, last.reason) == ("agent:7", "citizen asked")
