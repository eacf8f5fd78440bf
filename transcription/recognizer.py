"""Running a loaded Vosk model over decoded audio."""

from __future__ import annotations

import json
import time
from typing import Any

from .audio import PcmAudio
from .registry import LoadedModel
from .transcript import Transcript, Word

# A quarter second per call: small enough for Vosk's endpointing, large enough that the
# Python-to-C crossing costs nothing measurable.
CHUNK_BYTES = 8_000


def recognise(model: LoadedModel, audio: PcmAudio, *, started: float | None = None) -> Transcript:
    """Transcribe 16 kHz mono s16le audio. ``started`` (a ``perf_counter`` value) lets the
    caller count decoding in the processing time."""
    import vosk

    begin = time.perf_counter() if started is None else started
    recognizer = vosk.KaldiRecognizer(model.model, float(audio.sample_rate))
    recognizer.SetWords(True)
    segments: list[dict[str, Any]] = []
    pcm = audio.pcm
    for offset in range(0, len(pcm), CHUNK_BYTES):
        if recognizer.AcceptWaveform(pcm[offset : offset + CHUNK_BYTES]):
            segments.append(json.loads(recognizer.Result()))
    segments.append(json.loads(recognizer.FinalResult()))
    words = tuple(
        Word(
            word=str(item["word"]),
            start=round(float(item["start"]), 3),
            end=round(float(item["end"]), 3),
            conf=round(float(item.get("conf", 1.0)), 4),
        )
        for segment in segments
        for item in segment.get("result", ())
    )
    text = " ".join(t for t in (str(s.get("text", "")).strip() for s in segments) if t)
    return Transcript(
        text=text,
        words=words,
        language=model.language,
        model=model.name,
        audio_duration=audio.duration,
        processing_time=time.perf_counter() - begin,
    )
