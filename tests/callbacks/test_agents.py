"""Agent operations: claim (fair, filtered, atomic), outcomes, reschedule, note, transfer."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from callbacks import agents, intake
from callbacks.models import Agent, Notification, Ticket
from callbacks.states import Status
from irisline.db import Database
from irisline.errors import Conflict, InvalidInput

from .conftest import OPEN_NOW, bxl, make_request


def _agent(database: Database, name: str = "ana", **kw: list[str]) -> tuple[Agent, str]:
    with database.session() as session:
        return agents.create_agent(
            session,
            name,
            kw.get("services", ["housing", "taxes"]),
            kw.get("languages", ["fr", "nl"]),
        )


def _ticket(database: Database, minutes: int = 0, **kw: object) -> str:
    at = OPEN_NOW + timedelta(minutes=minutes)
    with database.session() as session:
        sub = intake.submit(session, make_request(requested_at=at, **kw), now=at)
        return sub.ticket.reference


def test_agent_tokens(database: Database) -> None:
    agent, token = _agent(database)
    with database.session() as session:
        assert agents.authenticate(session, token).id == agent.id
        for bad in (None, "", "irl_wrong"):
            with pytest.raises(agents.Unauthorised):
                agents.authenticate(session, bad)
        stored = session.get(Agent, agent.id)
        assert stored is not None and token not in stored.token_hash
    with pytest.raises(InvalidInput):
        _agent(database, "bob", services=["nope"])
    with pytest.raises(Conflict):
        _agent(database, "ana")


def test_claim_follows_fair_order_services_languages_and_windows(database: Database) -> None:
    agent, _ = _agent(database)
    later = _ticket(database, 30, phone="+32470000001")
    first = _ticket(database, 0, phone="+32470000002")
    _ticket(database, -60, phone="+32470000003", service="mobility")  # not my service
    _ticket(database, -60, phone="+32470000004", language="en")  # not my language
    with database.session() as session:
        agent = session.get(Agent, agent.id)
        assert agent is not None
        # Outside the callable window nothing is claimed.
        assert agents.claim_next(session, agent, bxl(2026, 6, 2, 18, 0)) is None
        got = agents.claim_next(session, agent, OPEN_NOW + timedelta(hours=1))
        assert got is not None and got.reference == first
        assert got.status == "claimed" and got.claimed_by == agent.id
        got2 = agents.claim_next(session, agent, OPEN_NOW + timedelta(hours=1))
        assert got2 is not None and got2.reference == later
        assert agents.claim_next(session, agent, OPEN_NOW + timedelta(hours=1)) is None


def test_outcomes(database: Database) -> None:
    agent, _ = _agent(database)
    refs = [_ticket(database, i, phone=f"+3247000001{i}") for i in range(3)]
    now = OPEN_NOW + timedelta(hours=1)
    with database.session() as session:
        agent = session.get(Agent, agent.id)
        assert agent is not None
        for _ in refs:
            agents.claim_next(session, agent, now)
        done = agents.record_outcome(
            session,
            agent,
            refs[0],
            "completed",
            note="explained the form",
            now=now,
            survey_by_sms=True,
        )
        assert done.status == "completed" and "explained the form" in (done.note or "")
        missed = agents.record_outcome(session, agent, refs[1], "no-answer", now=now)
        assert missed.status == "retry" and missed.due_at == now + timedelta(minutes=15)
        wrong = agents.record_outcome(session, agent, refs[2], "wrong-number", now=now)
        assert wrong.status == "failed"
        with pytest.raises(Conflict):
            agents.record_outcome(session, agent, refs[1], "completed", now=now)
        with pytest.raises(InvalidInput):
            agents.record_outcome(session, agent, refs[1], "shrug", now=now)
        kinds = sorted(n.kind for n in session.scalars(select(Notification)))
        assert kinds.count("survey") == 1 and kinds.count("missed") == 1
    # Retries until exhausted: max 3 attempts by default.
    with database.session() as session:
        agent = session.get(Agent, agent.id)
        assert agent is not None
        at = now
        for expected in ("retry", "exhausted"):
            at += timedelta(days=1)
            got = agents.claim_next(session, agent, at)
            assert got is not None and got.reference == refs[1]
            assert agents.record_outcome(session, agent, refs[1], "busy", now=at).status == expected
        assert len(got.attempts) == 3


def test_release_reschedule_note_transfer(database: Database) -> None:
    agent, _ = _agent(database)
    ref = _ticket(database)
    now = OPEN_NOW + timedelta(minutes=5)
    with database.session() as session:
        agent = session.get(Agent, agent.id)
        assert agent is not None
        agents.claim_next(session, agent, now)
        assert agents.release(session, agent, ref).status == "scheduled"
        moved = agents.reschedule(session, agent, ref, bxl(2026, 6, 2, 19, 0))
        assert moved.due_at == bxl(2026, 6, 3, 8, 30)
        agents.add_note(session, agent, ref, "wants a paper form")
        transferred = agents.transfer(
            session, agent, ref, "taxes", reason="it is about a tax", now=now
        )
        assert transferred.reference == ref and transferred.service == "taxes"
        assert transferred.requested_at == OPEN_NOW and "paper form" in (transferred.note or "")
        assert transferred.open_key == "+32470123456|taxes"
        assert "transferred from housing to taxes" in transferred.events[-1].reason


def test_transfer_into_an_open_ticket_merges(database: Database) -> None:
    agent, _ = _agent(database)
    housing = _ticket(database, 0)
    taxes = _ticket(database, 30, service="taxes")
    with database.session() as session:
        agent = session.get(Agent, agent.id)
        assert agent is not None
        target = agents.transfer(
            session, agent, housing, "taxes", now=OPEN_NOW + timedelta(hours=1)
        )
        assert target.reference == taxes
        assert target.requested_at == OPEN_NOW  # the earlier place is kept
        source = session.scalars(select(Ticket).where(Ticket.reference == housing)).one()
        assert source.status == Status.CANCELLED.value


def test_parallel_claims_never_share_a_ticket(database: Database) -> None:
    agent_ids = [_agent(database, f"agent{i}")[0].id for i in range(6)]
    references = {_ticket(database, i, phone=f"+324700002{i:02d}") for i in range(30)}
    now = OPEN_NOW + timedelta(hours=1)
    claimed: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(agent_ids))

    def work(agent_id: int) -> None:
        try:
            start.wait()
            while True:
                with database.session() as session:
                    agent = session.get(Agent, agent_id)
                    assert agent is not None
                    ticket = agents.claim_next(session, agent, now)
                    if ticket is None:
                        return
                    with lock:
                        claimed.append((agent_id, ticket.reference))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in agent_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    refs = [ref for _, ref in claimed]
    assert len(refs) == len(set(refs)) == len(references)
    assert set(refs) == references
    with database.session() as session:
        assert {t.status for t in session.scalars(select(Ticket))} == {"claimed"}
