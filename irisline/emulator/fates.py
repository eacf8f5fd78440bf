"""What happens when the emulator dials a number: rules on the number, like Twilio's magic
test numbers. The first rule whose pattern matches the E.164 number decides."""

from __future__ import annotations

import re
from dataclasses import dataclass

FATES = ("answer", "no-answer", "busy", "machine", "failed")

#: Default rules, by the number's last four digits.
DEFAULT_RULES: tuple[tuple[str, str], ...] = (
    (r"0002$", "busy"),
    (r"0003$", "no-answer"),
    (r"0004$", "machine"),
    (r"0005$", "failed"),
)


@dataclass(frozen=True)
class Fates:
    rules: tuple[tuple[str, str], ...] = DEFAULT_RULES
    default: str = "answer"

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...]) -> Fates:
        """Rules given as "PATTERN=FATE" (a regular expression on the number), first wins,
        before the default rules."""
        rules = []
        for spec in specs:
            pattern, sep, fate = spec.rpartition("=")
            if not sep or fate not in FATES:
                raise ValueError(f"{spec!r}: expected PATTERN=FATE, FATE one of {', '.join(FATES)}")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
            rules.append((pattern, fate))
        return cls(tuple(rules) + DEFAULT_RULES)

    def fate(self, number: str) -> str:
        for pattern, fate in self.rules:
            if re.search(pattern, number):
                return fate
        return self.default
