"""The voicemail pipeline on SQLite and PostgreSQL: transcribed and routed, needs listening,
failed with a reason, idempotent; the recording webhook enqueues the job; the reconciler
re-enqueues what was left; a worker preloads models only for `transcribe`."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import soundfile
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from callbacks import voicemail_pipeline
from callbacks.models import Ticket, TicketEvent, Voicemail, VoicemailTranscript
from callbacks.voicemails import RecordingReport, store_voicemail
from irisline.db import Database, utcnow
from irisline.settings import Settings
from transcription import registry as registry_module
from transcription.audio import decode
from transcription.errors import (
    EmptyRecording,
    RecordingFetchTimeout,
    RecordingNotFound,
    TranscriptionError,
)
from transcription.registry import ModelRegistry
from transcription.transcript import Transcript, Word
from transcription.voicemail import transcribe
from workers import preload, queues, reconciler, runtime

from ..conftest import Twilio, _flush_keep_lock

NRN = "85073003328"  # a valid Belgian national register number (check digits hold)
IBAN = "BE71 0961 2345 6769"
SPOKEN = (
    f"bonjour mon propriétaire menace de m'expulser alors que le loyer est payé sur {IBAN} "
    f"mon numéro national est {NRN} merci"
)
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"


def wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(int(8000 * seconds)), 8000, format="WAV")
    return buffer.getvalue()


def french(data: bytes, language: str) -> Transcript:
    """A recogniser that hears SPOKEN, after really decoding the recording."""
    audio = decode(data)
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3, 0.9) for i, w in enumerate(SPOKEN.split()))
    return Transcript(SPOKEN, words, language, "vosk-model-small-fr-0.22", audio.duration, 0.25)


def _voicemail(database: Database, caller: str | None = "+32470123456", sid: str = "RE1") -> int:
    with database.session() as session:
        voicemail, _ = store_voicemail(
            session,
            RecordingReport(sid, RECORDING_URL, 1, "CA1", caller, "fr", "general"),
        )
        session.flush()
        return voicemail.id


def _run(database: Database, voicemail_id: int, **kwargs: Any) -> voicemail_pipeline.Outcome:
    kwargs.setdefault("fetch", lambda url: wav())
    kwargs.setdefault("transcribe", french)
    return voicemail_pipeline.process(database, voicemail_id, auth=("AC1", "token"), **kwargs)


def test_transcribed_voicemail_is_stored_redacted_and_routed(database: Database) -> None:
    voicemail_id = _voicemail(database)
    fetched: list[str] = []
    outcome = _run(database, voicemail_id, fetch=lambda url: fetched.append(url) or wav())

    assert fetched == [RECORDING_URL + ".wav"]  # the media file, as Twilio documents it
    assert outcome.status == "transcribed" and outcome.routed_to == "housing"
    assert outcome.priority_raised
    with database.session() as session:
        voicemail = session.get(Voicemail, voicemail_id)
        assert voicemail is not None and voicemail.status == "transcribed"
        assert voicemail.reason is None and voicemail.processed_at is not None
        transcript = voicemail.transcript
        assert transcript is not None
        assert "[IBAN]" in transcript.display_text and "[NRN]" in transcript.display_text
        assert NRN not in transcript.display_text and "0961" not in transcript.display_text
        assert sorted(transcript.redacted) == ["iban", "national_register_number"]
        shown = " ".join(w["word"] for w in transcript.display_words)
        assert NRN not in shown and "0961" not in shown and "[NRN]" in shown
        assert all({"word", "start", "end", "conf"} <= set(w) for w in transcript.display_words)
        assert (transcript.model, transcript.language) == ("vosk-model-small-fr-0.22", "fr")
        assert transcript.audio_seconds == pytest.approx(1.0)
        assert transcript.real_time_factor == pytest.approx(0.25)
        assert transcript.mean_confidence == pytest.approx(0.9)
        assert transcript.triage is not None and transcript.triage["service"] == "housing"
        assert transcript.triage["urgency"][0]["flag"] == "eviction"
        assert transcript.routed_to == "housing"
        ticket = voicemail.ticket
        assert ticket is not None and ticket.service == "housing"
        assert ticket.status == "scheduled" and ticket.priority == 2
        assert ticket.source == "voicemail" and ticket.open_key == "+32470123456|housing"
        reasons = [e.reason for e in ticket.events]
        assert any(r.startswith("priority 0 -> 2: triage: urgent: eviction") for r in reasons)
        moved = [r for r in reasons if r.startswith("transferred from general to housing")]
        assert moved and "triage: matched terms" in moved[0] and "proprietaire" in moved[0]
        assert all(NRN not in r and "0961" not in r for r in reasons)


def test_a_rerun_changes_nothing(database: Database) -> None:
    voicemail_id = _voicemail(database)
    _run(database, voicemail_id)
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(TicketEvent))

    def must_not_fetch(url: str) -> bytes:
        raise AssertionError("a processed voicemail is not fetched again")

    again = _run(database, voicemail_id, fetch=must_not_fetch)
    assert again.skipped and again.status == "transcribed"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(VoicemailTranscript)) == 1
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == events


def test_no_model_for_the_language_needs_listening(database: Database) -> None:
    voicemail_id = _voicemail(database)
    empty = ModelRegistry({}, loader=lambda path: pytest.fail("nothing may load"))
    outcome = _run(
        database, voicemail_id, transcribe=lambda data, lang: transcribe(data, lang, registry=empty)
    )
    assert outcome.status == "needs-listening"
    with database.session() as session:
        voicemail = session.get(Voicemail, voicemail_id)
        assert voicemail is not None and voicemail.status == "needs-listening"
        assert voicemail.reason is not None
        assert "no speech model is configured for language 'fr'" in voicemail.reason
        assert voicemail.transcript is None
        ticket = voicemail.ticket
        assert ticket is not None
        assert (ticket.service, ticket.status, ticket.priority) == ("general", "scheduled", 0)
        assert [e.to_status for e in ticket.events] == ["requested", "scheduled"]


def test_silence_needs_listening_with_its_transcript(database: Database) -> None:
    voicemail_id = _voicemail(database)
    silent = Transcript("", (), "fr", "vosk-model-small-fr-0.22", 1.0, 0.1)
    outcome = _run(database, voicemail_id, transcribe=lambda data, lang: silent)
    assert outcome.status == "needs-listening" and "no words" in (outcome.reason or "")
    with database.session() as session:
        voicemail = session.get(Voicemail, voicemail_id)
        assert voicemail is not None and voicemail.transcript is not None
        assert voicemail.ticket is not None and voicemail.ticket.service == "general"


def _raises(error: TranscriptionError) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        raise error

    return fetch


@pytest.mark.parametrize(
    ("fetch", "code"),
    [
        (_raises(RecordingNotFound("the provider has no recording (404)")), "recording_not_found"),
        (_raises(RecordingFetchTimeout("the provider did not answer")), "recording_fetch_timeout"),
        (_raises(EmptyRecording("an empty recording")), "recording_empty"),
        (lambda url: b"RIFF\x10\x00\x00\x00WAVEfmt garbage", "audio_"),
        (lambda url: b"<html>502 Bad Gateway</html>", "audio_not_audio"),
    ],
    ids=["404", "timeout", "empty", "corrupt", "not-audio"],
)
def test_failures_keep_the_recording_and_say_why(
    database: Database, fetch: Callable[[str], bytes], code: str
) -> None:
    voicemail_id = _voicemail(database)
    outcome = _run(
        database, voicemail_id, fetch=fetch, transcribe=voicemail_pipeline.default_transcribe
    )
    assert outcome.status == "failed" and (outcome.reason or "").startswith(code)
    with database.session() as session:
        voicemail = session.get(Voicemail, voicemail_id)
        assert voicemail is not None and voicemail.status == "failed"
        assert (voicemail.reason or "").startswith(code)
        assert (voicemail.recording_sid, voicemail.recording_url) == ("RE1", RECORDING_URL)
        assert voicemail.transcript is None
        assert voicemail.ticket is not None and voicemail.ticket.service == "general"
    # Running the job again (after the cause is fixed) finishes the work.
    assert _run(database, voicemail_id).status == "transcribed"


def test_a_withheld_number_is_transcribed_without_a_ticket(database: Database) -> None:
    voicemail_id = _voicemail(database, caller=None)
    outcome = _run(database, voicemail_id)
    assert outcome.status == "transcribed" and outcome.routed_to is None
    assert "withheld" in (outcome.reason or "")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_job_runs_the_pipeline_with_the_workers_runtime(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers import jobs

    voicemail_id = _voicemail(database)
    seen: dict[str, Any] = {}

    def fake_fetch(url: str, auth: tuple[str, str] | None, **kwargs: Any) -> bytes:
        seen.update(url=url, auth=auth)
        return wav()

    monkeypatch.setattr(voicemail_pipeline, "fetch_recording", fake_fetch)
    monkeypatch.setattr(voicemail_pipeline, "default_transcribe", french)
    rt = runtime.Runtime.from_settings(settings)
    runtime.install(rt)
    try:
        result = jobs.transcribe_voicemail(voicemail_id)
    finally:
        runtime.install(None)
        rt.db.dispose()
        rt.redis.close()
    assert result["status"] == "transcribed" and result["routed_to"] == "housing"
    assert seen == {
        "url": RECORDING_URL + ".wav",
        "auth": (settings.account_sid, settings.auth_token),
    }


def test_the_recording_webhook_enqueues_a_transcription(
    twilio: Twilio, app: Any, redis_conn: Redis
) -> None:
    path = "/voice/recording?lang=fr&service=general&caller=%2B32470123456"
    params = {
        "RecordingSid": "RE" + "1" * 32,
        "RecordingUrl": RECORDING_URL,
        "RecordingDuration": "3",
        "RecordingStatus": "completed",
        "CallSid": "CA" + "1" * 32,
    }
    assert twilio.post(path, params).status_code == 204
    assert twilio.post(path, params).status_code == 204  # Twilio may report it twice
    with app.extensions["irisline.db"].session() as session:
        voicemail = session.scalars(select(Voicemail)).one()
        assert voicemail.status == "stored"
        voicemail_id = voicemail.id
    jobs = Queue("transcribe", connection=redis_conn).jobs
    assert jobs and {j.func_name for j in jobs} == {"workers.jobs.transcribe_voicemail"}
    assert {j.args for j in jobs} == {(voicemail_id,)}
    assert queues.transcription_job_live(redis_conn, voicemail_id)


def test_the_recording_is_stored_when_redis_is_down(settings: Settings) -> None:
    from ivr import create_app

    app = create_app(
        {**settings.as_environ(), "TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    try:
        response = Twilio(app.test_client(), settings.auth_token).post(
            "/voice/recording?lang=fr&service=general&caller=%2B32470123456",
            {"RecordingSid": "RE2", "RecordingUrl": RECORDING_URL, "CallSid": "CA2"},
        )
        assert response.status_code == 204
        with app.extensions["irisline.db"].session() as session:
            assert session.scalars(select(Voicemail)).one().status == "stored"
    finally:
        app.extensions["irisline.db"].dispose()


def test_the_reconciler_re_enqueues_stored_voicemails(
    database: Database, redis_conn: Redis, settings: Settings
) -> None:
    old = _voicemail(database, sid="RE-old")
    _voicemail(database, sid="RE-fresh", caller="+32470999888")  # too recent: its job may run
    done = _voicemail(database, sid="RE-done", caller="+32470999777")
    _run(database, done)
    with database.session() as session:
        # The finished one is as old as the waiting one: only status decides.
        for voicemail_id in (old, done):
            row = session.get(Voicemail, voicemail_id)
            assert row is not None
            row.created_at = utcnow() - timedelta(minutes=10)
    # A whole reconciliation run (no attempts to settle, so no provider is asked).
    report = reconciler.reconcile(
        database, redis_conn, cast(Any, None), settings, grace=timedelta(minutes=1)
    )
    assert report.transcriptions == 1 and not report.errors
    assert [j.args for j in Queue("transcribe", connection=redis_conn).jobs] == [(old,)]
    # Its job is live (queued): the next run leaves it alone.
    reconciler.enqueue_voicemails(
        database, redis_conn, older_than=utcnow() - timedelta(minutes=1), report=report
    )
    assert report.transcriptions == 1
    # Redis lost everything (but this test run's lock key): enqueued again.
    _flush_keep_lock(redis_conn)
    reconciler.enqueue_voicemails(
        database, redis_conn, older_than=utcnow() - timedelta(minutes=1), report=report
    )
    assert report.transcriptions == 2


@pytest.fixture
def process_registry() -> Iterator[None]:
    yield
    registry_module.set_process_registry(None)


def test_only_a_transcribe_worker_loads_models(
    settings: Settings, redis_conn: Redis, tmp_path: Path, process_registry: None
) -> None:
    loaded: list[Path] = []
    registry_module.set_process_registry(
        ModelRegistry({"fr": tmp_path / "fr"}, loader=lambda path: loaded.append(path) or "M")
    )
    rt = cast(runtime.Runtime, type("Rt", (), {"settings": settings, "extras": {}})())
    assert preload.preload(rt, ["dial", "notify", "maintenance"]) == []
    assert loaded == []
    assert preload.preload(rt, ["dial", "transcribe"]) == ["workers.preload:speech_models"]
    assert loaded == [tmp_path / "fr"]
    assert rt.extras["workers.preload:speech_models"] == ["fr:fr"]
    # The jobs of this process find it loaded: no load inside a job.
    assert registry_module.process_registry().get("fr").model == "M"
    assert loaded == [tmp_path / "fr"]
