"""Call records: every call into the IVR, the nodes and inputs it went through, its outcome.

The supervisor's menu funnel is drawn from these rows. Writes are idempotent per CallSid,
because Twilio may retry a webhook.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from irisline.db import utcnow

from .models import CallRecord, CallStep

OUTCOMES = frozenset({"queued", "callback", "voicemail", "transferred", "hangup", "error"})


def start_call(
    session: Session, call_sid: str, *, caller: str | None, menu_version_id: int | None
) -> CallRecord:
    record = session.get(CallRecord, call_sid)
    if record is not None:
        return record
    record = CallRecord(call_sid=call_sid, caller=caller, menu_version_id=menu_version_id)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # The same webhook arrived twice at once; the other request stored the call.
        found = session.get(CallRecord, call_sid)
        assert found is not None
        return found
    return record


def add_step(
    session: Session, record: CallRecord, *, node: str, input: str | None, result: str
) -> None:
    seq = (
        session.scalar(select(func.max(CallStep.seq)).where(CallStep.call_sid == record.call_sid))
        or 0
    ) + 1
    session.add(
        CallStep(
            call_sid=record.call_sid, seq=seq, node=node, input=input and input[:200], result=result
        )
    )


def finish(
    session: Session, record: CallRecord, outcome: str, *, node: str | None, detail: str = ""
) -> None:
    """Set how the call ended; the first outcome stands (later hang-up reports don't erase it)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown call outcome {outcome!r}")
    if record.outcome is not None:
        return
    record.outcome = outcome
    record.outcome_node = node
    record.outcome_detail = detail or None
    record.ended_at = utcnow()
