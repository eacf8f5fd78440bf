"""The terminal side of `irisline call`: the transcript, and a caller typing at the keyboard."""

from __future__ import annotations

from collections.abc import Callable

import click

from irisline.emulator.callers import (
    GatherPrompt,
    Recording,
    RecordPrompt,
    ScriptError,
    Step,
    parse_step,
    speech_seconds,
    synth_wav,
)
from irisline.emulator.interpreter import Event

MARKS = {
    "keys": "> keys",
    "speech": "> says",
    "silence": "> (silence)",
    "record": "> records",
    "redirect": "~ redirect",
    "queue": "~ queue",
    "dial": "~ dial",
    "sms": "~ sms",
    "play": "~ plays",
    "pause": "~ pause",
    "reject": "x reject",
    "hangup": "x",
    "note": "  .",
    "warning": "! warning",
    "error": "! ERROR",
}


def format_event(event: Event, indent: str = "  ") -> str:
    minutes, seconds = divmod(int(event.at), 60)
    clock = f"{minutes:02d}:{seconds:02d}"
    if event.kind == "say":
        return f"{indent}{clock}  [{event.language or '?'}] {event.text}"
    mark = MARKS.get(event.kind, event.kind)
    text = event.text
    if event.kind in ("warning", "error"):
        text = text.split(" ", 1)[1] if " " in text else text
    if event.kind == "silence":
        return f"{indent}{clock}  {mark} {text}"
    return f"{indent}{clock}  {mark} {text}"


def printer(indent: str = "  ", err: bool = False) -> Callable[[Event], None]:
    def show(event: Event) -> None:
        click.echo(format_event(event, indent), err=err)

    return show


class TerminalCaller:
    """A person at the keyboard: keys, speech, a recording, patience in a queue."""

    def __init__(self, voicemail: tuple[bytes, float] | None = None) -> None:
        self.voicemail = voicemail

    def ask(self, question: str) -> str:
        try:
            return str(click.prompt(question, default="", show_default=False, prompt_suffix=" "))
        except (click.Abort, EOFError, KeyboardInterrupt):
            click.echo()
            return "hangup"

    def gather(self, prompt: GatherPrompt) -> Step:
        takes = " or ".join(
            {"dtmf": "keys 0-9 * #", "speech": "say:WORDS"}[each] for each in sorted(prompt.inputs)
        )
        while True:
            answer = self.ask(f"    your turn ({takes}; Enter = silence; h = hang up) >")
            try:
                step = parse_step(answer)
            except ScriptError as exc:
                click.echo(f"    {exc}")
                continue
            if step.kind == "dtmf" and not step.value:
                step = Step("silence")
            return step

    def record(self, prompt: RecordPrompt) -> Recording:
        if self.voicemail is not None:
            audio, seconds = self.voicemail
            self.voicemail = None
            click.echo(f"    (your voicemail file plays: {seconds:.1f} s)")
            return Recording(audio, seconds)
        answer = self.ask(
            "    recording: type what you say (Enter = silence; a key ends it; h = hang up) >"
        )
        lowered = answer.strip().lower()
        if lowered in ("h", "hangup", "!"):
            return Recording(None, 0.0, hangup=True)
        if not lowered:
            return Recording(None, 0.0)
        if len(lowered) == 1 and lowered in prompt.finish_on_key:
            return Recording(None, 0.0, end_key=lowered)
        seconds = min(speech_seconds(answer), float(prompt.max_length))
        return Recording(synth_wav(seconds), seconds)

    def keep_waiting(self, queue: str, position: int, waited: float) -> bool:
        answer = self.ask(
            f"    in queue {queue}, position {position}, {waited:.0f} s waited "
            "(Enter = keep waiting; h = hang up) >"
        )
        return answer.strip().lower() not in ("h", "hangup", "!")
