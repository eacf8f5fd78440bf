"""The transcript of one recording, and the "needs listening" outcome when there is none."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds from the start of the recording
    end: float
    conf: float  # 0..1, as Vosk reports it

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...]
    language: str
    model: str  # the model directory's name, e.g. "vosk-model-small-fr-0.22"
    audio_duration: float  # seconds
    processing_time: float  # seconds, decoding and recognition, not model loading

    @property
    def mean_confidence(self) -> float | None:
        """None for an empty transcript: silence is not "low confidence"."""
        if not self.words:
            return None
        return sum(w.conf for w in self.words) / len(self.words)

    @property
    def real_time_factor(self) -> float:
        return self.processing_time / self.audio_duration if self.audio_duration > 0 else 0.0

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "transcribed",
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
            "language": self.language,
            "model": self.model,
            "mean_confidence": self.mean_confidence,
            "audio_duration": self.audio_duration,
            "processing_time": self.processing_time,
            "real_time_factor": self.real_time_factor,
        }


@dataclass(frozen=True)
class NeedsListening:
    """No machine transcript: a person has to listen. A normal outcome, not a failure."""

    language: str
    reason: str
    code: str = "model_unavailable"
    audio_duration: float | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "needs_listening",
            "language": self.language,
            "reason": self.reason,
            "code": self.code,
            "audio_duration": self.audio_duration,
        }
