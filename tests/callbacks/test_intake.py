"""Submitting from any source: checks, dedupe, planning, SMS outbox, tokens, SLA sweep,
queue hang-up, the existing-ticket prompt, fair order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from callbacks import intake, ordering
from callbacks.models import Notification, Ticket
from callbacks.states import InvalidTransition, Status
from callbacks.windows import Window
from irisline.db import Database
from irisline.errors import InvalidInput

from .conftest import OPEN_NOW, bxl, make_request


def test_submit_creates_plans_and_queues_confirmation(database: Database) -> None:
    with database.session() as session:
        sub = intake.submit(session, make_request(), now=OPEN_NOW)
        assert sub.created and sub.token
        assert sub.ticket.status == "scheduled"
        assert sub.ticket.due_at == OPEN_NOW
        assert sub.window == Window(OPEN_NOW, bxl(2026, 6, 2, 17, 0))
        assert sub.ticket.sla_deadline == OPEN_NOW + timedelta(days=2)
        assert intake.check_token(sub.ticket, sub.token)
        assert not intake.check_token(sub.ticket, "nope")
        reference = sub.ticket.reference
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert [e.to_status for e in ticket.events] == ["requested", "scheduled"]
        (sms,) = session.scalars(select(Notification)).all()
        assert sms.kind == "confirmation" and sms.status == "pending"
        assert reference in sms.body and "Logement" in sms.body
        assert "le 02/06 entre 10:00 et 17:00" in sms.body


def test_submit_at_night_plans_for_the_next_window(database: Database) -> None:
    with database.session() as session:
        sub = intake.submit(session, make_request(language="nl"), now=bxl(2026, 6, 5, 22, 0))
        assert sub.ticket.due_at == bxl(2026, 6, 8, 8, 30)  # Friday night -> Monday
        sms = session.get(Notification, sub.notification_ids[0])
        assert sms is not None and "op 08/06 tussen 08:30 en 17:00" in sms.body


def test_repeat_request_merges_keeps_place_and_reference(database: Database) -> None:
    with database.session() as session:
        first = intake.submit(session, make_request(source="ivr"), now=OPEN_NOW)
    with database.session() as session:
        again = intake.submit(
            session,
            make_request(phone="+32470123456"),
            now=OPEN_NOW + timedelta(hours=1),
        )
        assert not again.created and again.token is None
        assert again.ticket.reference == first.ticket.reference
        assert again.ticket.merge_count == 1
        assert again.ticket.requested_at == OPEN_NOW
        kinds = [n.kind for n in session.scalars(select(Notification).order_by(Notification.id))]
        assert kinds == ["confirmation", "merged"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "0900 12 345"}, "phone"),
        ({"phone": "112"}, "phone"),
        ({"service": "nope"}, "service"),
        ({"language": "de"}, "language"),
    ],
)
def test_invalid_requests_name_the_field(database: Database, change: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as info, database.session() as session:
        intake.submit(session, make_request(**change), now=OPEN_NOW)
    assert info.value.details["field"] == field
    with database.session() as session:
        assert session.scalars(select(Ticket)).all() == []


def test_preferred_window_is_respected_and_checked(database: Database) -> None:
    preferred = Window(bxl(2026, 6, 4, 14, 0), bxl(2026, 6, 4, 16, 0))
    with database.session() as session:
        sub = intake.submit(session, make_request(), preferred=preferred, now=OPEN_NOW)
        assert sub.ticket.due_at == preferred.start
        assert sub.window == preferred
    for bad in (
        Window(bxl(2026, 6, 4, 18, 0), bxl(2026, 6, 4, 22, 0)),  # after closing
        Window(bxl(2026, 6, 1, 9, 0), bxl(2026, 6, 1, 10, 0)),  # in the past
        Window(bxl(2026, 6, 6, 9, 0), bxl(2026, 6, 7, 18, 0)),  # a weekend
    ):
        with pytest.raises(InvalidInput) as info, database.session() as session:
            intake.submit(session, make_request(service="taxes"), preferred=bad, now=OPEN_NOW)
        assert info.value.details["field"] == "preferred_window"


def test_fair_order_original_call_time_then_bounded_priority(database: Database) -> None:
    with database.session() as session:
        t = {}
        for name, minutes, priority in [
            ("early", 0, 0),
            ("vulnerable_20min_later", 20, ordering.VULNERABLE),
            ("urgent_50min_later", 50, ordering.URGENT),
            ("urgent_90min_later", 90, ordering.URGENT),
            ("normal_40min_later", 40, 0),
        ]:
            sub = intake.submit(
                session,
                make_request(
                    phone=f"+3247012340{len(t)}", requested_at=OPEN_NOW + timedelta(minutes=minutes)
                ),
                priority=priority,
                now=OPEN_NOW + timedelta(minutes=minutes),
            )
            t[sub.ticket.id] = name
    with database.session() as session:
        in_sql = session.scalars(select(Ticket).order_by(*ordering.ORDER_BY)).all()
        # queue_at = original call - min(30 min x priority, 60 min); ties: higher priority.
        assert [t[x.id] for x in in_sql] == [
            "urgent_50min_later",  # 50 - 60 = -10, priority 2
            "vulnerable_20min_later",  # 20 - 30 = -10, priority 1
            "early",  # 0
            "urgent_90min_later",  # 90 - 60 = 30
            "normal_40min_later",  # 40
        ]
        # Nobody is overtaken by a ticket whose call came more than 60 minutes after theirs.
        assert [t[x.id] for x in ordering.fair_order(in_sql)] == [t[x.id] for x in in_sql]


def test_cancel_and_existing_ticket_prompt(database: Database) -> None:
    with database.session() as session:
        sub = intake.submit(session, make_request(), now=OPEN_NOW)
        found = intake.existing_ticket(session, "+32470123456", "housing")
        assert found is not None and found.reference == sub.ticket.reference
        assert intake.existing_ticket(session, "+32470123456", "taxes") is None
        intake.keep_or_cancel(session, sub.ticket.reference, "1")
        assert sub.ticket.status == "scheduled"
        intake.keep_or_cancel(session, sub.ticket.reference, "2")
        assert sub.ticket.status == "cancelled"
        assert intake.cancel(session, sub.ticket) is False  # idempotent
        assert intake.existing_ticket(session, "+32470123456", "housing") is None
        with pytest.raises(InvalidTransition):
            intake.plan(session, sub.ticket, intake.default_policy("housing"), OPEN_NOW)


def test_queue_hangup_keeps_the_place_from_joining_the_queue(database: Database) -> None:
    with database.session() as session:
        none = intake.from_queue_hangup(
            session,
            caller="+32470123456",
            service="taxes",
            language="en",
            queue_result="hangup",
            queue_seconds=20,
            min_seconds=60,
            now=OPEN_NOW,
        )
        assert none is None
        bridged = intake.from_queue_hangup(
            session,
            caller="+32470123456",
            service="taxes",
            language="en",
            queue_result="bridged",
            queue_seconds=300,
            min_seconds=60,
            now=OPEN_NOW,
        )
        assert bridged is None
        sub = intake.from_queue_hangup(
            session,
            caller="+32470123456",
            service="taxes",
            language="en",
            queue_result="hangup",
            queue_seconds=300,
            min_seconds=60,
            now=OPEN_NOW,
        )
        assert sub is not None and sub.created
        assert sub.ticket.source == "queue-hangup"
        assert sub.ticket.requested_at == OPEN_NOW - timedelta(minutes=5)


def test_sla_sweep_escalates_expires_and_releases(database: Database) -> None:
    with database.session() as session:
        late = intake.submit(session, make_request(), now=OPEN_NOW).ticket
        old = intake.submit(
            session, make_request(service="taxes"), now=OPEN_NOW - timedelta(days=15)
        ).ticket
        result = intake.sweep(session, OPEN_NOW + timedelta(days=2, minutes=1))
        assert late.reference in result.escalated
        assert old.reference in result.expired
        assert late.priority == ordering.VULNERABLE and late.escalated_at is not None
        assert late.queue_at == late.requested_at - timedelta(minutes=30)
        assert old.status == "expired" and old.open_key is None
        assert [x.reference for x in intake.escalated(session)] == [late.reference]
        again = intake.sweep(session, OPEN_NOW + timedelta(days=3))
        assert again.escalated == []
        assert Status(late.status) is Status.SCHEDULED
