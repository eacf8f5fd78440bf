"""The voicemail pipeline the worker calls: recording → transcript → triage and redaction."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audio import DEFAULT_MAX_SECONDS, PcmAudio, decode
from .redaction import redact_transcript
from .registry import ModelRegistry, ModelUnavailable, process_registry
from .transcript import NeedsListening, Transcript, Word
from .triage import Lexicon, TriagePolicy, TriageResult, triage


def transcribe(
    source: bytes | str | Path | PcmAudio,
    language: str | None,
    *,
    registry: ModelRegistry | None = None,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Transcript | NeedsListening:
    """Decode and transcribe one recording with the caller's language model.

    Bad audio raises an :class:`~transcription.errors.AudioError` (with ``reason`` and ``code``);
    a language without a usable model returns :class:`NeedsListening`, a normal outcome.
    Already decoded audio (:class:`~transcription.audio.PcmAudio`) is taken as it is.
    """
    started = time.perf_counter()
    audio = source if isinstance(source, PcmAudio) else decode(source, max_seconds=max_seconds)
    if not language:
        return NeedsListening(
            "", "the caller's language is unknown", "language_unknown", audio.duration
        )
    registry = registry if registry is not None else process_registry()
    try:
        model = registry.get(language)
    except ModelUnavailable as exc:
        return NeedsListening(language, exc.reason, exc.code, audio.duration)
    from .recognizer import recognise

    return recognise(model, audio, started=started)


@dataclass(frozen=True)
class VoicemailAnalysis:
    """What the second line sees: redacted text and words, a suggested service, urgency."""

    result: Transcript | NeedsListening
    triage: TriageResult | None
    display_text: str | None  # redacted
    display_words: tuple[Word, ...]  # redacted
    redacted: tuple[str, ...]  # kinds of personal data found, e.g. ("iban", "phone")

    @property
    def needs_listening(self) -> bool:
        return isinstance(self.result, NeedsListening) or self.result.is_empty

    @property
    def route_to(self) -> str | None:
        """The service to queue the ticket for automatically, or None for a person to decide."""
        if self.triage is None or not self.triage.confident:
            return None
        return self.triage.service

    def to_dict(self) -> dict[str, Any]:
        """For display and storage next to the ticket; holds no unredacted text."""
        result = self.result.to_dict()
        result.pop("text", None)
        result.pop("words", None)
        return {
            **result,
            "needs_listening": self.needs_listening,
            "display_text": self.display_text,
            "display_words": [w.to_dict() for w in self.display_words],
            "redacted": list(self.redacted),
            "route_to": self.route_to,
            "triage": self.triage.to_dict() if self.triage else None,
        }


def analyse(
    result: Transcript | NeedsListening,
    *,
    lexicons: Mapping[str, Lexicon] | None = None,
    policy: TriagePolicy | None = None,
    region: str = "BE",
) -> VoicemailAnalysis:
    if isinstance(result, NeedsListening):
        return VoicemailAnalysis(result, None, None, (), ())
    # Triage reads the raw words: redaction placeholders would hide nothing it needs, but the
    # urgency lexicon must see what the caller actually said.
    triaged = triage(
        result.text,
        result.language,
        lexicons=lexicons,
        policy=policy,
        asr_confidence=result.mean_confidence,
    )
    redaction, words = redact_transcript(result, region=region)
    return VoicemailAnalysis(
        result, triaged, redaction.text, tuple(words), tuple(redaction.kinds())
    )
