"""Typed errors of the transcription domain.

Each carries a stable ``code`` (for logs, the API and the ticket's "needs listening" reason) and a
human ``reason`` that an agent can read. The web layer maps them to HTTP answers in one place.
"""

from __future__ import annotations


class TranscriptionError(Exception):
    """Base of every error this package raises on purpose."""

    code = "transcription_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


# --- audio ------------------------------------------------------------------------------------


class AudioError(TranscriptionError):
    """The recording can't be turned into speech samples."""

    code = "audio_invalid"


class EmptyAudio(AudioError):
    code = "audio_empty"


class NotAudio(AudioError):
    code = "audio_not_audio"


class UnsupportedCodec(AudioError):
    code = "audio_unsupported_codec"


class CorruptAudio(AudioError):
    code = "audio_corrupt"


class AudioTooLong(AudioError):
    code = "audio_too_long"


class AbsurdAudio(AudioError):
    """Header values no telephone recording has (sample rate, channel count...)."""

    code = "audio_absurd"


# --- fetching the recording from the provider ----------------------------------------------------


class FetchError(TranscriptionError):
    code = "recording_fetch_failed"


class RecordingNotFound(FetchError):
    code = "recording_not_found"


class RecordingAccessDenied(FetchError):
    code = "recording_access_denied"


class RecordingFetchTimeout(FetchError):
    code = "recording_fetch_timeout"


class EmptyRecording(FetchError):
    code = "recording_empty"


class RecordingTooLarge(FetchError):
    code = "recording_too_large"


# --- models and lexicons -------------------------------------------------------------------------


class ModelLoadError(TranscriptionError):
    code = "model_load_failed"


class LexiconError(TranscriptionError):
    code = "lexicon_invalid"
