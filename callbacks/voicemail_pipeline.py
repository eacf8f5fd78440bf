"""From a stored voicemail to a ticket in the right second-line queue.

`process` is what the `transcribe` job runs: fetch the recording from the provider (with the
account's credentials), decode it, transcribe it with the caller's language model, triage and
redact, store the (redacted) transcript and route the ticket. Every outcome is written on the
voicemail row, so that the second line always sees where a message stands:

- ``transcribed``: a transcript is stored; a confident triage moved the ticket to the suggested
  service, urgency raised its priority.
- ``needs-listening``: no usable model for the language, or no words recognised; not a failure,
  a person listens (``reason`` says why). The ticket is left as it is.
- ``failed``: the recording could not be fetched or decoded (404, timeout, empty, corrupt);
  ``reason`` holds the error's code and text. The recording's metadata is never touched, so a
  later run (an operator, the reconciler after a fix) can try again.

Network and recognition run outside any transaction; the result is written under a row lock
and only if no other run got there first, so a retried or duplicated job is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from irisline.db import Database, utcnow
from irisline.errors import DomainError
from transcription.errors import TranscriptionError
from transcription.fetch import fetch_recording
from transcription.transcript import NeedsListening, Transcript
from transcription.triage import Lexicon, TriagePolicy
from transcription.voicemail import VoicemailAnalysis, analyse
from transcription.voicemail import transcribe as transcribe_recording

from . import agents, services
from .intake import set_priority
from .models import Ticket, Voicemail, VoicemailTranscript
from .ordering import URGENT
from .states import Status
from .windows import PolicyProvider, default_policy

log = logging.getLogger(__name__)

STORED = "stored"
NO_CALLBACK_NUMBER = "no-callback-number"
TRANSCRIBED = "transcribed"
NEEDS_LISTENING = "needs-listening"
FAILED = "failed"
# Waiting for the job (the reconciler re-enqueues these). A withheld number's voicemail has no
# ticket, but its message is still transcribed for the second line. A failed one is not retried
# automatically (a 404 stays a 404); running the job again is safe.
PENDING = (STORED, NO_CALLBACK_NUMBER)
DONE = (TRANSCRIBED, NEEDS_LISTENING)
ACTOR = "triage"

# media URL -> the recording's bytes (default: `fetch_recording` with the account's credentials)
Fetch = Callable[[str], bytes]
# (recording bytes, language) -> transcript (default: `transcription.voicemail.transcribe` with
# the process's registry, which the worker preloaded before forking).
Transcribe = Callable[[bytes, str], Transcript | NeedsListening]


@dataclass(frozen=True)
class Outcome:
    voicemail_id: int
    status: str
    reason: str | None = None
    routed_to: str | None = None
    priority_raised: bool = False
    skipped: bool = False  # already processed by an earlier run: nothing changed


def default_transcribe(data: bytes, language: str) -> Transcript | NeedsListening:
    return transcribe_recording(data, language)


def media_url(recording_url: str) -> str:
    """Twilio serves a recording's audio at its URL plus an extension; ``.wav`` is the
    original, lossless one (https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file)."""
    return recording_url if recording_url.endswith((".wav", ".mp3")) else recording_url + ".wav"


def process(
    db: Database,
    voicemail_id: int,
    *,
    auth: tuple[str, str] | None,
    fetch: Fetch | None = None,
    transcribe: Transcribe | None = None,
    lexicons: Mapping[str, Lexicon] | None = None,
    policy: TriagePolicy | None = None,
    region: str = "BE",
    policies: PolicyProvider = default_policy,
    now: datetime | None = None,
) -> Outcome:
    with db.session() as session:
        voicemail = session.get(Voicemail, voicemail_id)
        if voicemail is None:
            raise LookupError(f"no voicemail {voicemail_id}")
        if voicemail.status in DONE:
            return Outcome(voicemail_id, voicemail.status, voicemail.reason, skipped=True)
        url, language = media_url(voicemail.recording_url), voicemail.language

    if fetch is None:
        fetch = partial(fetch_recording, auth=auth)
    if transcribe is None:
        transcribe = default_transcribe
    try:
        audio = fetch(url)
        result = transcribe(audio, language)
        analysis = analyse(result, lexicons=lexicons, policy=policy, region=region)
    except TranscriptionError as exc:
        # Fetch and audio errors: a person must look; the reason names what went wrong.
        reason = f"{exc.code}: {exc.reason}"
        log.warning("voicemail %s failed: %s", voicemail_id, reason)
        return _finish_failed(db, voicemail_id, reason, now)

    with db.session() as session:
        voicemail = _locked(session, voicemail_id)
        if voicemail.status in DONE:  # a duplicate job finished first
            return Outcome(voicemail_id, voicemail.status, voicemail.reason, skipped=True)
        voicemail.processed_at = now or utcnow()
        if isinstance(result, NeedsListening):
            voicemail.status, voicemail.reason = NEEDS_LISTENING, result.reason
            return Outcome(voicemail_id, NEEDS_LISTENING, result.reason)
        transcript = _store_transcript(session, voicemail, result, analysis)
        if analysis.needs_listening:
            voicemail.status = NEEDS_LISTENING
            voicemail.reason = "the speech recogniser heard no words"
            return Outcome(voicemail_id, NEEDS_LISTENING, voicemail.reason)
        voicemail.status, voicemail.reason = TRANSCRIBED, None
        routed, raised, note = _route(session, voicemail, analysis, policies, now)
        transcript.routed_to = routed
        voicemail.reason = note
        return Outcome(voicemail_id, TRANSCRIBED, note, routed, raised)


def pending(db: Database, older_than: datetime, limit: int = 1000) -> list[int]:
    """Voicemails stored before `older_than` that no job has processed yet."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Voicemail.id)
                .where(Voicemail.status.in_(PENDING), Voicemail.created_at < older_than)
                .order_by(Voicemail.id)
                .limit(limit)
            ).all()
        )


def _locked(session: Session, voicemail_id: int) -> Voicemail:
    # Row lock on PostgreSQL; SQLite serialises writers anyway.
    voicemail = session.scalars(
        select(Voicemail).where(Voicemail.id == voicemail_id).with_for_update()
    ).one()
    return voicemail


def _finish_failed(db: Database, voicemail_id: int, reason: str, now: datetime | None) -> Outcome:
    with db.session() as session:
        voicemail = _locked(session, voicemail_id)
        if voicemail.status in DONE:
            return Outcome(voicemail_id, voicemail.status, voicemail.reason, skipped=True)
        voicemail.status, voicemail.reason = FAILED, reason
        voicemail.processed_at = now or utcnow()
    return Outcome(voicemail_id, FAILED, reason)


def _store_transcript(
    session: Session, voicemail: Voicemail, result: Transcript, analysis: VoicemailAnalysis
) -> VoicemailTranscript:
    transcript = VoicemailTranscript(
        voicemail=voicemail,
        model=result.model,
        language=result.language,
        audio_seconds=round(result.audio_duration, 3),
        processing_seconds=round(result.processing_time, 3),
        real_time_factor=round(result.real_time_factor, 4),
        mean_confidence=result.mean_confidence,
        display_text=analysis.display_text or "",
        display_words=[w.to_dict() for w in analysis.display_words],
        redacted=list(analysis.redacted),
        triage=analysis.triage.to_dict() if analysis.triage else None,
    )
    session.add(transcript)
    return transcript


def _route(
    session: Session,
    voicemail: Voicemail,
    analysis: VoicemailAnalysis,
    policies: PolicyProvider,
    now: datetime | None,
) -> tuple[str | None, bool, str | None]:
    """Move the ticket to the suggested service and raise urgency. Returns (service routed
    to, priority raised, a note for the voicemail's reason when routing was held back)."""
    triaged = analysis.triage
    if voicemail.ticket_id is None:
        return None, False, "no call-back ticket (the number was withheld)"
    # Locked (PostgreSQL) so that an agent's claim and this move don't interleave; the status
    # is read again under the lock.
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.id == voicemail.ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if not ticket.is_open:
        return None, False, f"the ticket is {ticket.status}: left as it is"
    raised = False
    if triaged is not None and triaged.urgent and ticket.priority < URGENT:
        flags = ", ".join(f"{u.flag} ({', '.join(u.matched)})" for u in triaged.urgency)
        set_priority(session, ticket, URGENT, actor=ACTOR, reason=f"triage: urgent: {flags}")
        raised = True
    target = analysis.route_to
    if target is None:
        why = "; ".join(triaged.reasons) if triaged else "no triage"
        return None, raised, f"not routed automatically: {why}"
    if target == ticket.service:
        return target, raised, None
    if ticket.state in (Status.CLAIMED, Status.DIALLING):
        # An agent (or the dialler) already works on it: theirs to transfer, not ours.
        return None, raised, f"triage suggests {target}; the ticket is {ticket.status}"
    assert triaged is not None
    try:
        services.get(target)
    except DomainError:
        return None, raised, f"triage suggests {target}, which is not a service here"
    matched = next((s.matched for s in triaged.scores if s.service == target), ())
    carried = agents.move_to_service(
        session,
        ticket,
        target,
        actor=ACTOR,
        reason=f"triage: matched terms {', '.join(matched)} (confidence {triaged.confidence})",
        now=now,
        policies=policies,
    )
    if carried is not ticket:
        voicemail.ticket = carried  # merged into the citizen's open ticket at that service
    return target, raised, None
