"""Decoding voicemail recordings into what Vosk needs: 16 kHz, mono, signed 16-bit PCM.

Decoder: ``soundfile``, because its PyPI wheel bundles libsndfile >= 1.1, which decodes WAV
(PCM, μ-law, A-law, ...) *and* MP3 in-process, offline, with no system package (no ffmpeg).
Resampler: ``soxr`` (a wheel of libsoxr), band-limited so that 44.1 kHz speech does not alias.
No ``audioop``: it is deprecated and gone in Python 3.13.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from .errors import AbsurdAudio, AudioTooLong, CorruptAudio, EmptyAudio, NotAudio, UnsupportedCodec

TARGET_RATE = 16_000
# Twilio caps a <Record> at one hour; a voicemail service wants far less. Callers may pass more.
DEFAULT_MAX_SECONDS = 15 * 60.0
# Beyond these, a header is lying or the file is not a phone recording.
MIN_RATE, MAX_RATE = 4_000, 192_000
MAX_CHANNELS = 8
MAX_BYTES = 200 * 1024 * 1024

# libsndfile's error numbers (sndfile.h), to tell "not audio" from "a codec we can't decode".
_SF_ERR_UNRECOGNISED_FORMAT = 1
_SF_ERR_MALFORMED_FILE = 3
_SF_ERR_UNSUPPORTED_ENCODING = 4

# WAV format tags libsndfile decodes. It reports any other tag as a "malformed fmt chunk", so we
# read the tag ourselves to be able to say "unsupported codec" and name it.
_WAV_TAGS_DECODED = frozenset({0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031, 0xFFFE})
_WAV_TAG_NAMES = {
    0x0040: "G.721 ADPCM",
    0x0045: "G.726 ADPCM",
    0x0050: "MPEG audio",
    0x0055: "MP3 inside WAV",
    0x0064: "G.726 ADPCM",
    0x0161: "Windows Media Audio",
    0x00FF: "AAC",
    0x1610: "AAC",
    0x2000: "Dolby AC-3",
}


@dataclass(frozen=True)
class SourceInfo:
    """What the recording was before decoding (for logs and the benchmark)."""

    format: str
    subtype: str
    sample_rate: int
    channels: int
    bytes: int


@dataclass(frozen=True)
class PcmAudio:
    """16 kHz mono little-endian signed 16-bit PCM."""

    pcm: bytes
    source: SourceInfo
    sample_rate: int = TARGET_RATE

    @property
    def frames(self) -> int:
        return len(self.pcm) // 2

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    def samples(self) -> np.ndarray:
        return np.frombuffer(self.pcm, dtype="<i2")


def decode(source: bytes | str | Path, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> PcmAudio:
    """Decode a recording (bytes or a path) to 16 kHz mono s16le.

    Raises a subclass of :class:`~transcription.errors.AudioError` with a human reason.
    """
    data = _read_source(source)
    if not data:
        raise EmptyAudio("the recording is empty (0 bytes)")
    if len(data) > MAX_BYTES:
        raise AbsurdAudio(f"the recording is {len(data) // (1024 * 1024)} MiB, over the limit")
    tag = _wav_format_tag(data)
    if tag is not None and tag not in _WAV_TAGS_DECODED:
        name = _WAV_TAG_NAMES.get(tag, "unknown")
        raise UnsupportedCodec(f"unsupported audio codec in WAV: 0x{tag:04x} ({name})")
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as sound:
            info = SourceInfo(
                format=sound.format,
                subtype=sound.subtype,
                sample_rate=sound.samplerate,
                channels=sound.channels,
                bytes=len(data),
            )
            _check_header(info, sound.frames, max_seconds)
            # One second of slack: MP3 frame counts in the header are estimates.
            limit = int((max_seconds + 1.0) * info.sample_rate)
            samples = sound.read(frames=limit + 1, dtype="float32", always_2d=True)
    except soundfile.LibsndfileError as exc:
        raise _classify(exc) from exc
    except (RuntimeError, ValueError, EOFError) as exc:
        raise CorruptAudio(f"the recording is damaged and can't be decoded ({exc})") from exc
    if samples.shape[0] == 0:
        raise EmptyAudio("the recording holds no audio samples (zero length)")
    if samples.shape[0] > limit:
        raise AudioTooLong(f"the recording is longer than the limit of {max_seconds:g} s")
    return PcmAudio(pcm=_to_pcm16(_mono(samples), info.sample_rate), source=info)


def _read_source(source: bytes | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise AbsurdAudio(f"the recording is {size // (1024 * 1024)} MiB, over the limit")
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise NotAudio(f"{path} is a directory, not an audio file") from exc
    except FileNotFoundError as exc:
        raise NotAudio(f"{path} does not exist") from exc
    except OSError as exc:
        raise NotAudio(f"{path} can't be read ({exc.strerror})") from exc


def _wav_format_tag(data: bytes) -> int | None:
    """The codec tag of a RIFF/WAVE file's fmt chunk, or None if this isn't one."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset = 12
    while offset + 10 <= min(len(data), 1 << 16):
        chunk, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk == b"fmt ":
            return int(struct.unpack_from("<H", data, offset + 8)[0])
        offset += 8 + size + (size & 1)  # chunks are word-aligned
    return None


def _check_header(info: SourceInfo, frames: int, max_seconds: float) -> None:
    if not MIN_RATE <= info.sample_rate <= MAX_RATE:
        raise AbsurdAudio(f"a sample rate of {info.sample_rate} Hz is not plausible for speech")
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise AbsurdAudio(f"{info.channels} channels is not plausible for a phone recording")
    if frames <= 0:
        raise EmptyAudio("the recording holds no audio samples (zero length)")
    seconds = frames / info.sample_rate
    if seconds > max_seconds + 1.0:
        raise AudioTooLong(
            f"the recording lasts {seconds:.0f} s, longer than the limit of {max_seconds:g} s"
        )


def _classify(exc: soundfile.LibsndfileError) -> Exception:
    if exc.code == _SF_ERR_UNRECOGNISED_FORMAT:
        return NotAudio("not an audio file (format not recognised)")
    if exc.code == _SF_ERR_UNSUPPORTED_ENCODING:
        return UnsupportedCodec(f"unsupported audio codec ({exc.error_string.strip()})")
    if exc.code == _SF_ERR_MALFORMED_FILE:
        return CorruptAudio(f"the audio file is malformed ({exc.error_string.strip()})")
    return CorruptAudio(f"the recording can't be decoded ({exc.error_string.strip()})")


def _mono(samples: np.ndarray) -> np.ndarray:
    # Averaging rather than taking one channel: Twilio's dual-channel recordings put the caller
    # on one side only, and a mean keeps whichever side speaks.
    mono = samples.mean(axis=1, dtype=np.float32) if samples.shape[1] > 1 else samples[:, 0]
    return np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)


def _to_pcm16(mono: np.ndarray, rate: int) -> bytes:
    if rate != TARGET_RATE:
        mono = soxr.resample(mono, rate, TARGET_RATE, quality="HQ")
    scaled = np.clip(mono, -1.0, 1.0) * 32767.0
    return np.rint(scaled).astype("<i2").tobytes()
