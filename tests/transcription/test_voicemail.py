from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from transcription.errors import NotAudio
from transcription.registry import ModelRegistry
from transcription.transcript import NeedsListening, Transcript, Word
from transcription.triage import TriagePolicy
from transcription.voicemail import analyse, transcribe


def short_wav() -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(8000), 8000, format="WAV")
    return buffer.getvalue()


def fake_transcript(text: str, language: str = "fr", conf: float = 0.9) -> Transcript:
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3, conf) for i, w in enumerate(text.split()))
    return Transcript(text, words, language, "vosk-model-small-fr-0.22", 12.0, 3.0)


def test_a_language_without_a_model_needs_listening() -> None:
    registry = ModelRegistry({}, loader=lambda path: pytest.fail("nothing may load"))
    result = transcribe(short_wav(), "fr", registry=registry)
    assert isinstance(result, NeedsListening)
    assert result.code == "model_unavailable"
    assert "no speech model is configured for language 'fr'" in result.reason
    assert result.audio_duration == pytest.approx(1.0)
    assert result.to_dict()["status"] == "needs_listening"


def test_an_unknown_caller_language_needs_listening() -> None:
    result = transcribe(short_wav(), None, registry=ModelRegistry({}))
    assert isinstance(result, NeedsListening)
    assert result.code == "language_unknown"


def test_bad_audio_is_an_error_not_a_needs_listening() -> None:
    with pytest.raises(NotAudio):
        transcribe(b"<html>502 Bad Gateway</html>", "fr", registry=ModelRegistry({}))


def test_analysis_routes_redacts_and_flags() -> None:
    transcript = fake_transcript(
        "bonjour mon propriétaire veut m'expulser le loyer est payé sur BE71 0961 2345 6769 "
        "rappelez moi au 0470 12 34 56"
    )
    analysis = analyse(transcript)

    assert analysis.route_to == "housing"
    assert not analysis.needs_listening
    assert analysis.triage is not None and analysis.triage.urgent
    assert analysis.display_text is not None
    assert "[IBAN]" in analysis.display_text and "[PHONE]" in analysis.display_text
    assert analysis.redacted == ("iban", "phone")
    shown = json.dumps(analysis.to_dict(), ensure_ascii=False)
    for secret in ("BE71", "6769", "0470", "34 56"):
        assert secret not in shown
    assert [w.word for w in analysis.display_words].count("[IBAN]") == 1


def test_doubtful_recognition_is_not_routed_automatically() -> None:
    analysis = analyse(fake_transcript("le CPAS a suspendu mon revenu d'intégration", conf=0.3))
    assert analysis.triage is not None and analysis.triage.service == "social"
    assert analysis.route_to is None


def test_the_policy_is_passed_through() -> None:
    transcript = fake_transcript("une question sur le loyer")
    assert analyse(transcript).route_to is None
    assert analyse(transcript, policy=TriagePolicy(threshold=0.2)).route_to == "housing"


def test_an_empty_transcript_needs_listening() -> None:
    analysis = analyse(Transcript("", (), "fr", "m", 4.0, 1.0))
    assert analysis.needs_listening and analysis.route_to is None


def test_needs_listening_has_no_triage() -> None:
    analysis = analyse(NeedsListening("ar", "no speech model is configured for language 'ar'"))
    assert analysis.needs_listening
    assert analysis.triage is None and analysis.route_to is None
    assert analysis.to_dict()["reason"].startswith("no speech model")


def test_real_model_end_to_end(
    speech_files: dict[str, Path], korean_registry: ModelRegistry
) -> None:
    data = speech_files["mp3-16k-mono"].read_bytes()
    result = transcribe(data, "ko-KR", registry=korean_registry)
    assert isinstance(result, Transcript) and result.words
    analysis = analyse(result)
    assert analysis.triage is not None and analysis.triage.service == "general"
    assert analysis.display_text == result.text
