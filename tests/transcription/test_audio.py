from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile

from transcription.audio import TARGET_RATE, decode
from transcription.errors import (
    AbsurdAudio,
    AudioError,
    AudioTooLong,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    UnsupportedCodec,
)

from .conftest import MATRIX, TONE_HZ, Variant, dominant_frequency


def wav_bytes(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


@pytest.mark.parametrize("variant", MATRIX, ids=lambda v: v.name)
def test_every_format_decodes_to_16k_mono_pcm_keeping_pitch_and_length(
    variant: Variant, tone_files: dict[str, Path]
) -> None:
    audio = decode(tone_files[variant.name])

    assert audio.sample_rate == TARGET_RATE
    assert audio.source.sample_rate == variant.rate
    assert audio.source.channels == variant.channels
    assert audio.source.format == ("MP3" if variant.encoding == "mp3" else "WAV")
    expected_subtype = {"pcm16": "PCM_16", "ulaw": "ULAW", "alaw": "ALAW"}
    if variant.encoding in expected_subtype:
        assert audio.source.subtype == expected_subtype[variant.encoding]
    # MP3 pads with encoder delay and whole frames: up to ~0.2 s at low rates.
    assert audio.duration == pytest.approx(1.0, abs=0.25 if variant.encoding == "mp3" else 0.01)
    samples = audio.samples()
    assert len(samples) * 2 == len(audio.pcm)
    assert dominant_frequency(samples, TARGET_RATE) == pytest.approx(TONE_HZ, abs=3)
    # The tone was written at half scale: decoding must neither mute nor clip it.
    peak = np.abs(samples).max() / 32767
    assert 0.35 < peak < 0.7


def test_stereo_is_mixed_down_so_a_one_sided_caller_is_kept() -> None:
    t = np.arange(8000) / 8000
    tone = 0.8 * np.sin(2 * np.pi * TONE_HZ * t)
    stereo = np.stack([np.zeros_like(tone), tone], axis=1)

    audio = decode(wav_bytes(stereo, 8000))

    samples = audio.samples()
    assert dominant_frequency(samples, TARGET_RATE) == pytest.approx(TONE_HZ, abs=3)
    assert np.abs(samples).max() / 32767 == pytest.approx(0.4, abs=0.05)


def test_44k_resampling_does_not_alias_high_frequencies_into_speech_band() -> None:
    # 12 kHz is above the 8 kHz Nyquist of the output: a naive decimator folds it to 4 kHz.
    t = np.arange(44100) / 44100
    audio = decode(wav_bytes(0.5 * np.sin(2 * np.pi * 12_000 * t), 44100))
    steady = audio.samples()[800:-800]  # away from the filter's start-up transient
    assert np.abs(steady).max() / 32767 < 0.01


def test_float_wav_with_nan_and_overrange_samples_is_cleaned() -> None:
    samples = np.array([0.0, np.nan, 2.0, -3.0] * 400, dtype=np.float32)
    audio = decode(wav_bytes(samples, 16000, subtype="FLOAT"))
    decoded = audio.samples()
    assert decoded[1] == 0
    assert decoded.max() == 32767
    assert decoded.min() == -32767


def test_accepts_a_path_or_bytes_alike(tmp_path: Path) -> None:
    data = wav_bytes(np.full(1600, 0.25), 16000)
    path = tmp_path / "x.wav"
    path.write_bytes(data)
    assert decode(path).pcm == decode(data).pcm == decode(str(path)).pcm


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", EmptyAudio, "empty"),
        (b"Hello, this is not a recording. " * 40, NotAudio, "not an audio file"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, NotAudio, "not an audio file"),
    ],
    ids=["zero-bytes", "text", "binary"],
)
def test_rejects_non_audio_with_a_reason(data: bytes, error: type[AudioError], words: str) -> None:
    with pytest.raises(error) as caught:
        decode(data)
    assert words in caught.value.reason
    assert caught.value.code.startswith("audio_")


def test_rejects_a_wav_without_samples() -> None:
    with pytest.raises(EmptyAudio, match="zero length"):
        decode(wav_bytes(np.zeros(0), 16000))


def test_rejects_a_recording_over_the_length_limit() -> None:
    three_seconds = wav_bytes(np.zeros(3 * 8000), 8000)
    with pytest.raises(AudioTooLong, match="limit of 1 s"):
        decode(three_seconds, max_seconds=1.0)
    assert decode(three_seconds, max_seconds=5.0).duration == pytest.approx(3.0)


def _patch_wav_header(data: bytes, *, format_tag: int | None = None, rate: int | None = None,
                      channels: int | None = None) -> bytes:  # fmt: skip
    header = bytearray(data)
    fmt = header.index(b"fmt ") + 8
    if format_tag is not None:
        header[fmt : fmt + 2] = struct.pack("<H", format_tag)
    if channels is not None:
        header[fmt + 2 : fmt + 4] = struct.pack("<H", channels)
    if rate is not None:
        header[fmt + 4 : fmt + 8] = struct.pack("<I", rate)
    return bytes(header)


@pytest.mark.parametrize(("tag", "name"), [(0x0055, "MP3 inside WAV"), (0x1234, "unknown")])
def test_rejects_an_unsupported_wav_codec_naming_it(tag: int, name: str) -> None:
    data = _patch_wav_header(wav_bytes(np.zeros(1600), 16000), format_tag=tag)
    with pytest.raises(UnsupportedCodec) as caught:
        decode(data)
    assert caught.value.reason == f"unsupported audio codec in WAV: 0x{tag:04x} ({name})"


def test_rejects_a_wav_cut_inside_its_header() -> None:
    with pytest.raises(CorruptAudio):
        decode(wav_bytes(np.zeros(1600), 16000)[:30])


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"rate": 1}, "a sample rate of 1 Hz is not plausible"),
        ({"rate": 1_000_000}, "a sample rate of 1000000 Hz is not plausible"),
        ({"channels": 40}, "40 channels is not plausible"),
    ],
    ids=["rate-1hz", "rate-1mhz", "40-channels"],
)
def test_rejects_absurd_headers(patch: dict[str, int], words: str) -> None:
    data = _patch_wav_header(wav_bytes(np.zeros(1600), 16000), **patch)
    with pytest.raises(AbsurdAudio) as caught:
        decode(data)
    assert words in caught.value.reason


def test_rejects_missing_paths_and_directories(tmp_path: Path) -> None:
    with pytest.raises(NotAudio, match="does not exist"):
        decode(tmp_path / "nope.wav")
    with pytest.raises(NotAudio, match="directory"):
        decode(tmp_path)
