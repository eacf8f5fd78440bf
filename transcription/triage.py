"""Second-line triage of a transcript: which service, how urgent, and how sure we are.

Keyword lexicons per language live in ``transcription/lexicons/<lang>.yaml``; a directory of
supervisors' copies (``IRISLINE_TRIAGE_LEXICONS``) replaces them language by language. Matching
ignores case and accents and works on whole words, so Vosk's lowercase, unaccented-or-not output
and a typed text score alike.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import LexiconError

SERVICES = (
    "taxes",
    "housing",
    "mobility",
    "employment",
    "social",
    "urbanism",
    "civil_status",
    "general",
)
FALLBACK_SERVICE = "general"
LEXICON_DIR_ENV = "IRISLINE_TRIAGE_LEXICONS"
_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# NFKD leaves these whole; spell them out so "œuvre" matches "oeuvre".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ß": "ss"})


def normalise(text: str) -> str:
    """Lowercase, strip accents, keep word characters only, single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


@dataclass(frozen=True)
class Term:
    text: str  # as the supervisor wrote it, shown in results
    weight: float
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, raw: Any, where: str) -> Term:
        if isinstance(raw, str):
            text, weight = raw, 1.0
        elif isinstance(raw, dict) and set(raw) <= {"term", "weight"} and "term" in raw:
            text, weight = raw["term"], raw.get("weight", 1.0)
        else:
            raise LexiconError(f"{where}: a term is a string or {{term: ..., weight: ...}}")
        if not isinstance(text, str) or not normalise(text.rstrip("*")):
            raise LexiconError(f"{where}: empty term")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise LexiconError(f"{where}: the weight of {text!r} must be a positive number")
        return cls(text, float(weight), _compile(text))

    def matches(self, normalised_text: str) -> bool:
        return self.pattern.search(normalised_text) is not None


def _compile(term: str) -> re.Pattern[str]:
    prefix = term.strip().endswith("*")
    words = normalise(term.strip().rstrip("*")).split()
    body = r"\s".join(re.escape(w) for w in words)
    if prefix:
        body += r"\w*"
    return re.compile(rf"(?<!\w){body}(?!\w)")


@dataclass(frozen=True)
class Lexicon:
    language: str
    services: Mapping[str, tuple[Term, ...]]
    urgency: Mapping[str, tuple[Term, ...]]
    source: str

    @classmethod
    def parse(cls, data: Any, language: str, source: str) -> Lexicon:
        if not isinstance(data, dict):
            raise LexiconError(f"{source}: expected a mapping with 'services' and 'urgency'")
        unknown = set(data) - {"language", "services", "urgency"}
        if unknown:
            raise LexiconError(f"{source}: unknown keys {sorted(unknown)}")
        if data.get("language", language) != language:
            raise LexiconError(f"{source}: says language {data['language']!r}, not {language!r}")
        services = _sections(data.get("services") or {}, f"{source}: services")
        bad = sorted(set(services) - set(SERVICES))
        if bad:
            raise LexiconError(f"{source}: unknown services {bad}; known: {', '.join(SERVICES)}")
        urgency = _sections(data.get("urgency") or {}, f"{source}: urgency")
        for flag in urgency:
            if not _FLAG_NAME.match(flag):
                raise LexiconError(f"{source}: urgency flag {flag!r} must be snake_case")
        return cls(language, services, urgency, source)


def _sections(raw: Any, where: str) -> dict[str, tuple[Term, ...]]:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: expected a mapping of name to a list of terms")
    sections = {}
    for name, terms in raw.items():
        if not isinstance(terms, list):
            raise LexiconError(f"{where}.{name}: expected a list of terms")
        sections[str(name)] = tuple(Term.parse(t, f"{where}.{name}") for t in terms)
    return sections


def load_lexicon(path: Path) -> Lexicon:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: can't be read as YAML ({exc})") from exc
    return Lexicon.parse(data, path.stem.lower(), str(path))


@lru_cache(maxsize=1)
def _packaged() -> dict[str, Lexicon]:
    folder = resources.files("transcription") / "lexicons"
    lexicons = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            language = entry.name.removesuffix(".yaml")
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            lexicons[language] = Lexicon.parse(data, language, f"package:{entry.name}")
    return lexicons


def load_lexicons(directory: str | Path | None = None) -> dict[str, Lexicon]:
    """The packaged lexicons, each replaced by ``<directory>/<lang>.yaml`` where one exists."""
    lexicons = dict(_packaged())
    if directory is not None:
        folder = Path(directory)
        if not folder.is_dir():
            raise LexiconError(f"the lexicon directory {folder} does not exist")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            lexicon = load_lexicon(path)
            lexicons[lexicon.language] = lexicon
    return lexicons


def lexicons_from_environ(environ: Mapping[str, str] = os.environ) -> dict[str, Lexicon]:
    return load_lexicons(environ.get(LEXICON_DIR_ENV) or None)


@dataclass(frozen=True)
class TriagePolicy:
    """When a suggestion is good enough to route without a person looking first."""

    threshold: float = 0.5  # minimum triage confidence, 0..1
    strong_score: float = 3.0  # a score at which one service's evidence counts as complete
    min_asr_confidence: float = 0.6  # below this mean word confidence, don't trust the words


@dataclass(frozen=True)
class ServiceScore:
    service: str
    score: float
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "score": self.score, "matched": list(self.matched)}


@dataclass(frozen=True)
class UrgencyFlag:
    flag: str
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"flag": self.flag, "matched": list(self.matched)}


@dataclass(frozen=True)
class TriageResult:
    language: str
    service: str
    confidence: float
    confident: bool  # may be routed automatically
    scores: tuple[ServiceScore, ...]  # every service with a match, best first
    urgency: tuple[UrgencyFlag, ...]
    reasons: tuple[str, ...]  # why not confident (empty when confident)

    @property
    def urgent(self) -> bool:
        return bool(self.urgency)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "service": self.service,
            "confidence": self.confidence,
            "confident": self.confident,
            "scores": [s.to_dict() for s in self.scores],
            "urgent": self.urgent,
            "urgency": [u.to_dict() for u in self.urgency],
            "reasons": list(self.reasons),
        }


def triage(
    text: str,
    language: str,
    *,
    lexicons: Mapping[str, Lexicon] | None = None,
    policy: TriagePolicy | None = None,
    asr_confidence: float | None = None,
) -> TriageResult:
    """Suggest a service and raise urgency flags for a transcript's text.

    ``asr_confidence`` is the transcript's mean word confidence: a suggestion built on words the
    recogniser itself doubts is not routed automatically.
    """
    policy = policy or TriagePolicy()
    # Read per call by default: a supervisor's edit applies to the next voicemail, no restart.
    lexicons = lexicons_from_environ(os.environ) if lexicons is None else lexicons
    language = language.split("-")[0].split("_")[0].lower()
    lexicon = lexicons.get(language)
    if lexicon is None:
        return TriageResult(
            language, FALLBACK_SERVICE, 0.0, False, (), (), (f"no lexicon for {language!r}",)
        )
    normalised = normalise(text)
    scores = sorted(
        (
            ServiceScore(service, sum(t.weight for t in terms), tuple(t.text for t in terms))
            for service, terms in (
                (name, [t for t in terms if t.matches(normalised)])
                for name, terms in lexicon.services.items()
            )
            if terms
        ),
        key=lambda s: (-s.score, SERVICES.index(s.service)),
    )
    urgency = tuple(
        UrgencyFlag(flag, tuple(t.text for t in terms if t.matches(normalised)))
        for flag, terms in lexicon.urgency.items()
        if any(t.matches(normalised) for t in terms)
    )
    reasons: list[str] = []
    if not normalised:
        reasons.append("empty transcript")
    if not scores:
        if normalised:
            reasons.append("no service keyword matched")
        return TriageResult(language, FALLBACK_SERVICE, 0.0, False, (), urgency, tuple(reasons))
    top = scores[0]
    total = sum(s.score for s in scores)
    # Share: how clearly one service stands out. Strength: how much evidence there is at all.
    confidence = round((top.score / total) * min(1.0, top.score / policy.strong_score), 3)
    if len(scores) > 1 and scores[1].score == top.score:
        reasons.append(f"tie between {top.service} and {scores[1].service}")
    if confidence < policy.threshold:
        reasons.append(f"triage confidence {confidence:.2f} below {policy.threshold:.2f}")
    if asr_confidence is not None and asr_confidence < policy.min_asr_confidence:
        reasons.append(
            f"speech recognition confidence {asr_confidence:.2f} below "
            f"{policy.min_asr_confidence:.2f}"
        )
    return TriageResult(
        language, top.service, confidence, not reasons, tuple(scores), urgency, tuple(reasons)
    )
