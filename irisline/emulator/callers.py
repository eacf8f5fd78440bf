"""The person on the line: what they press, say, record, and how long they wait in a queue.

A script is a comma-separated list of steps, one per moment the call asks for input
(a <Gather>, a <Record>): see `parse_script`.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .twiml import DTMF_KEYS

HANGUP_WORDS = frozenset({"!", "hangup", "h"})
SILENCE_WORDS = frozenset({"", "-"})


class ScriptError(ValueError):
    """A script step the caller cannot perform (one line, for the terminal)."""


@dataclass(frozen=True)
class Step:
    """One caller action: keys, speech, silence or hanging up."""

    kind: str  # "dtmf" | "speech" | "silence" | "hangup"
    value: str = ""

    def __str__(self) -> str:
        if self.kind == "dtmf":
            return self.value
        if self.kind == "speech":
            return f"say:{self.value}"
        return "-" if self.kind == "silence" else "hangup"


def parse_step(raw: str) -> Step:
    item = raw.strip()
    lowered = item.lower()
    if lowered in SILENCE_WORDS:
        return Step("silence")
    if lowered in HANGUP_WORDS:
        return Step("hangup")
    if lowered.startswith("say:"):
        text = item[4:].strip()
        if not text:
            raise ScriptError("'say:' needs the words to say, e.g. say:callback")
        return Step("speech", text)
    bad = sorted({ch for ch in item if ch not in DTMF_KEYS})
    if bad:
        raise ScriptError(
            f"{item!r} is not a key sequence: keys are 0-9, * and #; "
            "use - for silence, say:WORDS for speech, hangup to hang up"
        )
    return Step("dtmf", item)


def parse_script(script: str | None, says: tuple[str, ...] | list[str] = ()) -> list[Step]:
    """Steps of a script such as "1,-,say:rappel,2#,hangup".

    Each comma-separated item answers one input moment: keys (0-9 * #, several keys in one
    item are pressed in a row), "-" or an empty item for silence (the <Gather> times out),
    "say:WORDS" for speech, "hangup" (or "!") to hang up. Each --say text is a speech step;
    an "@" item takes the next one in place, the others come after the script's items.
    """
    steps: list[Step] = []
    pending = list(says)
    if script is not None and script.strip() != "":
        for raw in script.split(","):
            if raw.strip() == "@":
                if not pending:
                    raise ScriptError("'@' in --script needs a --say text to take")
                steps.append(Step("speech", pending.pop(0)))
            else:
                steps.append(parse_step(raw))
    for text in pending:
        if not text.strip():
            raise ScriptError("--say needs the words to say")
        steps.append(Step("speech", text.strip()))
    return steps


@dataclass(frozen=True)
class GatherPrompt:
    inputs: frozenset[str]  # {"dtmf"}, {"speech"} or both
    num_digits: int | None
    finish_on_key: str
    timeout: int
    language: str
    heard: tuple[str, ...]
    in_queue: bool = False


@dataclass(frozen=True)
class RecordPrompt:
    max_length: int
    finish_on_key: str
    timeout: int


@dataclass(frozen=True)
class Recording:
    """What the caller left: WAV bytes (None for silence), how it ended."""

    audio: bytes | None
    seconds: float
    end_key: str = ""
    hangup: bool = False


class Caller(Protocol):
    def gather(self, prompt: GatherPrompt) -> Step: ...

    def record(self, prompt: RecordPrompt) -> Recording: ...

    def keep_waiting(self, queue: str, position: int, waited: float) -> bool: ...


# --- audio -----------------------------------------------------------------------------------


def read_wav(path: str | Path) -> tuple[bytes, float]:
    """A WAV file's bytes and duration; ScriptError (one line) when it is missing or corrupt."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScriptError(f"cannot read voicemail file {path}: {exc.strerror or exc}") from None
    return data, wav_seconds(data, str(path))


def wav_seconds(data: bytes, name: str = "audio") -> float:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (wave.Error, EOFError, struct.error) as exc:
        raise ScriptError(f"{name} is not a readable WAV file ({exc})") from None
    if rate <= 0 or frames <= 0:
        raise ScriptError(f"{name} holds no audio")
    return frames / rate


def synth_wav(seconds: float, rate: int = 8000) -> bytes:
    """A quiet 440 Hz tone standing for a caller's words (8 kHz mono 16-bit, like Twilio)."""
    count = max(1, int(seconds * rate))
    samples = (int(800 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()


def speech_seconds(text: str) -> float:
    """How long a text takes to say, at about 2.5 words a second."""
    return max(1.0, round(len(text.split()) / 2.5, 1))


# --- callers ---------------------------------------------------------------------------------


@dataclass
class ScriptedCaller:
    """Plays a script; when it runs out, the caller hangs up at the next input moment.

    In a queue the caller waits `patience` simulated seconds, then hangs up.
    """

    steps: list[Step] = field(default_factory=list)
    voicemail: tuple[bytes, float] | None = None
    patience: float = 120.0
    hang_up_when_done: bool = True

    def __post_init__(self) -> None:
        self.queue: deque[Step] = deque(self.steps)
        self.extra_keys: list[str] = []

    def next_step(self) -> Step:
        if self.queue:
            return self.queue.popleft()
        return Step("hangup") if self.hang_up_when_done else Step("silence")

    def gather(self, prompt: GatherPrompt) -> Step:
        return self.next_step()

    def record(self, prompt: RecordPrompt) -> Recording:
        if self.voicemail is not None:
            audio, seconds = self.voicemail
            self.voicemail = None
            end_key = ""
            # A key step right after the message ends the recording with that key.
            if self.queue and self.queue[0].kind == "dtmf":
                key = self.queue[0].value[:1]
                if key in prompt.finish_on_key:
                    self.queue.popleft()
                    end_key = key
            return Recording(audio, seconds, end_key=end_key)
        step = self.next_step()
        if step.kind == "hangup":
            return Recording(None, 0.0, hangup=True)
        if step.kind == "speech":
            seconds = speech_seconds(step.value)
            return Recording(synth_wav(seconds), seconds)
        if step.kind == "dtmf" and step.value[:1] in prompt.finish_on_key:
            return Recording(None, 0.0, end_key=step.value[:1])
        return Recording(None, 0.0)

    def keep_waiting(self, queue: str, position: int, waited: float) -> bool:
        return waited < self.patience


class Callee(ScriptedCaller):
    """Who answers an outbound call: a person who listens, or an answering machine."""

    def __init__(self, machine: bool = False, patience: float = 120.0) -> None:
        super().__init__([], None, patience=0.0 if machine else patience, hang_up_when_done=False)
        self.machine = machine
