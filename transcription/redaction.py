"""Redacting personal data from transcripts before they are displayed.

Found and replaced: Belgian national register numbers (checksum: 97 - first nine digits mod 97,
with a leading 2 for people born from 2000), IBANs (mod 97), card numbers (Luhn), phone numbers
(valid per ``phonenumbers``), e-mail addresses (written or spoken: "jan at example dot be").
A number that fails its checksum is left alone, so a file number or an amount stays readable.
Digits may be grouped with spaces, dots, dashes or slashes, as people dictate them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from .transcript import Transcript, Word

NRN, IBAN, CARD, PHONE, EMAIL = "national_register_number", "iban", "card", "phone", "email"
PLACEHOLDERS = {
    NRN: "[NRN]",
    IBAN: "[IBAN]",
    CARD: "[CARD]",
    PHONE: "[PHONE]",
    EMAIL: "[EMAIL]",
}
# When two findings overlap, the one whose checksum proves it wins.
_PRIORITY = {NRN: 0, IBAN: 1, CARD: 2, EMAIL: 3, PHONE: 4}

# Digits in groups, as dictated: "85.07.30-033.28", "0470 12 34 56", "8 5 0 7 ...".
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\d+(?:(?:[ \t]*[./-][ \t]*|[ \t]+)\d+)*(?!\w)")
_GROUP = re.compile(r"\+?\d+")
# IBAN lengths of the countries a Brussels caller is likely to quote.
_IBAN_LENGTHS = {
    "BE": 16, "NL": 18, "LU": 20, "FR": 27, "DE": 22, "GB": 22, "ES": 24, "IT": 27, "PT": 25,
    "PL": 28, "RO": 24, "CH": 21, "AT": 20, "IE": 22, "MA": 28, "TR": 26, "BG": 22, "GR": 27,
}  # fmt: skip
_IBAN_START = re.compile(r"(?<![\w])([a-z])[ .]?([a-z])[ .-]?(\d)[ .-]?(\d)", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SPOKEN_EMAIL = re.compile(
    r"(?<![\w])[\w-]+(?:\s+(?:point|dot|punt)\s+[\w-]+)*"
    r"\s+(?:arobase|at|apenstaartje|a\s+commercial)\s+[\w-]+(?:\s+(?:point|dot|punt)\s+[\w-]+)+",
    re.IGNORECASE,
)
_TLDS = frozenset({"be", "com", "net", "org", "eu", "fr", "nl", "lu", "de", "brussels", "info"})


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int  # offsets in the original text
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Redaction:
    text: str
    findings: tuple[Finding, ...]

    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "findings": [f.to_dict() for f in self.findings]}


def redact(text: str, *, region: str = "BE") -> Redaction:
    """Replace every validated piece of personal data with a placeholder such as ``[IBAN]``."""
    findings = _select(_find_all(text, region))
    out: list[str] = []
    cursor = 0
    for finding in findings:
        out.append(text[cursor : finding.start])
        out.append(PLACEHOLDERS[finding.kind])
        cursor = finding.end
    out.append(text[cursor:])
    return Redaction("".join(out), tuple(findings))


def redact_transcript(
    transcript: Transcript, *, region: str = "BE"
) -> tuple[Redaction, list[Word]]:
    """Redact the text and the words alike (a word inside a finding becomes its placeholder;
    consecutive ones merge), so that the word timeline shown to an agent leaks nothing."""
    joined, spans = _join_words(transcript.words)
    findings = _select(_find_all(joined, region))
    words: list[Word] = []
    previous: Finding | None = None
    for word, (start, end) in zip(transcript.words, spans, strict=True):
        hit = next((f for f in findings if f.start < end and start < f.end), None)
        if hit is None:
            words.append(word)
        elif hit is previous:
            last = words[-1]
            words[-1] = Word(last.word, last.start, word.end, min(last.conf, word.conf))
        else:
            words.append(Word(PLACEHOLDERS[hit.kind], word.start, word.end, word.conf))
        previous = hit
    return redact(transcript.text, region=region), words


def _join_words(words: Sequence[Word]) -> tuple[str, list[tuple[int, int]]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for word in words:
        spans.append((cursor, cursor + len(word.word)))
        cursor += len(word.word) + 1
    return " ".join(w.word for w in words), spans


def _find_all(text: str, region: str) -> list[Finding]:
    findings: list[Finding] = []
    findings += _find_ibans(text)
    findings += _find_emails(text)
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in
                  _GROUP.finditer(run.group())]  # fmt: skip
        findings += _windows(groups, NRN, _is_nrn, lengths=(11,))
        findings += _windows(groups, CARD, _is_card, lengths=range(13, 20))
        findings += _windows(groups, PHONE, lambda d: _is_phone(d, region), lengths=range(8, 16))
    findings += _matched_phones(text, region)
    return findings


def _windows(
    groups: list[tuple[int, int, str]],
    kind: str,
    valid: Callable[[str], bool],
    *,
    lengths: Iterable[int],
) -> list[Finding]:
    """Findings made of whole consecutive digit groups, longest first, left to right."""
    allowed = set(lengths)
    found: list[Finding] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            digits = "".join(g[2] for g in groups[i : j + 1])
            # A "+" only opens a number; mid-window it means two numbers side by side.
            if "+" in digits[1:] or len(digits.lstrip("+")) not in allowed:
                continue
            if valid(digits):
                found.append(Finding(kind, groups[i][0], groups[j][1]))
                i = j
                break
        i += 1
    return found


def _is_nrn(digits: str) -> bool:
    if not digits.isdigit() or len(digits) != 11:
        return False
    base, check = digits[:9], int(digits[9:])
    return check in (97 - int(base) % 97, 97 - int("2" + base) % 97)


def _is_card(digits: str) -> bool:
    if not digits.isdigit() or digits[0] not in "23456" or len(set(digits)) == 1:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_phone(digits: str, region: str) -> bool:
    if not (digits.startswith(("0", "+"))):
        return False  # a bare run without trunk or country prefix is too ambiguous
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _matched_phones(text: str, region: str) -> list[Finding]:
    # phonenumbers' own matcher catches what digit runs miss, e.g. "(02) 512 34 56".
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return [Finding(PHONE, m.start, m.end) for m in matcher]


def _find_ibans(text: str) -> list[Finding]:
    found = []
    for start in _IBAN_START.finditer(text):
        country = (start.group(1) + start.group(2)).upper()
        length = _IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars = [country, start.group(3), start.group(4)]
        end = start.end()
        position = start.end()
        # Collect alphanumerics, allowing one separator between them, until the length is met.
        while len("".join(chars)) < length and position < len(text):
            match = re.match(r"[ .-]?([a-z0-9])", text[position:], re.IGNORECASE)
            if match is None:
                break
            chars.append(match.group(1).upper())
            position += match.end()
            end = position
        candidate = "".join(chars)
        touching = end < len(text) and text[end].isalnum()
        if len(candidate) == length and not touching and _iban_checksum_ok(candidate):
            found.append(Finding(IBAN, start.start(), end))
    return found


def _iban_checksum_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return int(numeric) % 97 == 1


def _find_emails(text: str) -> list[Finding]:
    found = [Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for match in _SPOKEN_EMAIL.finditer(text):
        tld = match.group().rsplit(None, 1)[-1].lower()
        if tld in _TLDS:
            found.append(Finding(EMAIL, match.start(), match.end()))
    return found


def _select(findings: list[Finding]) -> list[Finding]:
    chosen: list[Finding] = []
    ranked = sorted(findings, key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start))
    for finding in ranked:
        if all(finding.end <= c.start or c.end <= finding.start for c in chosen):
            chosen.append(finding)
    return sorted(chosen, key=lambda f: f.start)
