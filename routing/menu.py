"""The IVR menu as data: the dataclasses a loaded menu is made of, and reading them from YAML.

Reading only checks shapes and types (and reports every problem it can); cross-references,
reachability, loops, languages and services are checked by `routing.validation`.
The format is described in `routing/menus/README.md`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from .problems import MenuError, Problem
from .yamldoc import Report, join, parse_yaml, read_text_file, type_name

TARGET_KINDS = ("goto", "service", "voicemail", "callback", "transfer", "hangup", "language")
TERMINAL_KINDS = ("service", "voicemail", "callback", "transfer", "hangup")
DTMF_KEYS = "0123456789*#"
ANY_LANGUAGE = "*"  # keywords given as a plain list count in every language
NODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")

# System prompts the call flow needs, with the placeholders each may use.
SYSTEM_PROMPTS: dict[str, tuple[str, ...]] = {
    "no_input": (),
    "invalid": (),
    "way_out": (),
    "navigation": (),
    "change_language": (),
    "closed": ("service", "when"),
    "closed_no_reopening": ("service",),
    "closed_offer": ("service",),
    "wait": ("service", "wait"),
    "long_wait_offer": ("service", "wait"),
}

NodeKind = Literal["menu", "language"]


@dataclass(frozen=True)
class Voice:
    """How one language is spoken: `locale` is `<Say language>` (fr-BE, nl-BE, en-GB...)."""

    locale: str
    voice: str | None = None


@dataclass(frozen=True)
class PromptPart:
    """One language's version of a prompt: text for `<Say>` or an audio URL for `<Play>`."""

    text: str | None = None
    url: str | None = None
    voice: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Prompt:
    parts: dict[str, PromptPart]

    def get(self, lang: str) -> PromptPart | None:
        return self.parts.get(lang)


@dataclass(frozen=True)
class Utterance:
    """A prompt ready for TwiML: `<Play>` when `url` is set, else `<Say voice language>`."""

    lang: str
    locale: str
    text: str | None = None
    url: str | None = None
    voice: str | None = None


@dataclass(frozen=True)
class Target:
    """Where an option leads. `value` is a node id (goto), a service id (service, voicemail,
    callback), a phone number or SIP address (transfer), a language code (language), or empty
    (hangup, which says `message` first)."""

    kind: str
    value: str = ""
    message: Prompt | None = None

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL_KINDS

    def describe(self) -> str:
        if self.kind == "goto":
            return f"node '{self.value}'"
        if self.kind == "hangup":
            return "hang-up"
        if self.kind == "callback":
            return f"call-back '{self.value}'"
        return f"{self.kind} '{self.value}'"


@dataclass(frozen=True)
class Option:
    digit: str
    target: Target
    # Keywords by language; ANY_LANGUAGE holds those that count in every language.
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Only in language menus, where each option announces itself in its own language.
    prompt: Prompt | None = None

    def keywords_for(self, lang: str | None) -> tuple[str, ...]:
        """The keywords in `lang`; with no language yet (language menu), all of them."""
        if lang is None:
            return tuple(k for words in self.keywords.values() for k in words)
        return self.keywords.get(lang, ()) + self.keywords.get(ANY_LANGUAGE, ())


@dataclass(frozen=True)
class WayOut:
    """Where a caller goes after too many failures, with what is said first (the system prompt
    `way_out` unless `message` is given)."""

    target: Target
    message: Prompt | None = None


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    prompt: Prompt | None
    options: tuple[Option, ...]
    way_out: WayOut | None = None


@dataclass(frozen=True)
class Key:
    digit: str
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Keys:
    repeat: Key = Key("*")
    back: Key = Key("0")
    change_language: Key | None = Key("9")

    def reserved(self) -> dict[str, str]:
        """Digits options may not use, with what they do."""
        out = {"#": "it ends keypad input", self.repeat.digit: "repeat", self.back.digit: "go back"}
        if self.change_language:
            out[self.change_language.digit] = "change language"
        return out


@dataclass(frozen=True)
class Limits:
    no_input: int = 3  # silences in a row at one node before the way out
    invalid: int = 3  # wrong answers in a row at one node before the way out
    max_turns: int = 20  # answers in one call (any kind) before the way out
    max_depth: int = 4  # menu levels from the main node (main = 1)
    timeout_seconds: int = 6  # how long a <Gather> waits


@dataclass(frozen=True)
class Languages:
    enabled: tuple[str, ...]  # in the order the language menu says them
    default: str
    voices: dict[str, Voice]  # every language the file knows, enabled or not


@dataclass(frozen=True)
class Menu:
    source: str
    name: str
    languages: Languages
    start: str  # the language menu
    main: str  # where a caller with a language begins
    keys: Keys
    limits: Limits
    way_out: WayOut
    system_prompts: dict[str, Prompt]
    nodes: dict[str, Node]

    def with_languages(self, enabled: tuple[str, ...], default: str | None = None) -> Menu:
        """This menu with other languages enabled (e.g. from the region's settings); validate
        the result, since every prompt must exist in every enabled language."""
        languages = dataclasses.replace(
            self.languages, enabled=enabled, default=default or self.languages.default
        )
        return dataclasses.replace(self, languages=languages)

    def utter(self, prompt: Prompt | None, lang: str, **values: str) -> Utterance | None:
        """`prompt` in `lang`, placeholders filled from `values`; None when it has no such
        language (a validated menu has every enabled one)."""
        part = prompt.get(lang) if prompt else None
        if part is None:
            return None
        voice = self.languages.voices.get(lang, Voice(lang))
        text = fill(part.text, values) if part.text is not None else None
        return Utterance(
            lang=lang,
            locale=part.locale or voice.locale,
            text=text,
            url=part.url,
            voice=part.voice or voice.voice,
        )

    def system(self, key: str, lang: str, **values: str) -> Utterance | None:
        return self.utter(self.system_prompts.get(key), lang, **values)

    def prompts(self) -> Iterator[tuple[str | None, str, Prompt, bool]]:
        """Every prompt with its node, field path, and whether each enabled language must
        have it (a language menu's prompts are said only in the languages they have)."""
        for key, prompt in self.system_prompts.items():
            yield None, join("system_prompts", key), prompt, True
        if self.way_out.message:
            yield None, "way_out.message", self.way_out.message, True
        for node in self.nodes.values():
            in_language = node.kind == "language"
            if node.prompt:
                yield node.id, "prompt", node.prompt, not in_language
            if node.way_out and node.way_out.message:
                yield node.id, "way_out.message", node.way_out.message, not in_language
            for i, option in enumerate(node.options):
                if option.prompt:
                    yield node.id, f"options[{i}].prompt", option.prompt, False
                if option.target.message:
                    yield node.id, f"options[{i}].hangup", option.target.message, True


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(text: str) -> set[str]:
    """Names used as {placeholders} in `text`."""
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each {name} given in `values` replaced; anything else is left as written,
    so a stray brace in a prompt can never break a call."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


# ---- reading -------------------------------------------------------------------------------


def parse_menu(text: str, source: str = "menu.yaml") -> Menu:
    """The menu in YAML `text`; raises MenuError listing every shape or type problem."""
    menu, problems = read_menu(text, source)
    if menu is None or problems:
        raise MenuError(problems)
    return menu


def read_menu(text: str, source: str = "menu.yaml") -> tuple[Menu | None, list[Problem]]:
    """Like parse_menu, but returns the problems; the menu is None when there are any."""
    report = Report(source)
    data = parse_yaml(text, report)
    if report.problems:
        return None, report.problems
    menu = _MenuReader(report).menu(data)
    if report.problems:
        return None, report.problems
    return menu, []


def read_menu_file(path: str | Path) -> tuple[Menu | None, list[Problem]]:
    text, problems = read_text_file(path)
    return (None, problems) if text is None else read_menu(text, str(path))


def default_menu_text() -> str:
    return resources.files("routing.menus").joinpath("default.yaml").read_text(encoding="utf-8")


def default_menu() -> Menu:
    return parse_menu(default_menu_text(), "default.yaml")


class _MenuReader:
    def __init__(self, report: Report) -> None:
        self.r = report

    def menu(self, data: object) -> Menu | None:
        top = self.r.fields(
            None,
            None,
            data,
            allowed=(
                "menu",
                "note",
                "languages",
                "start",
                "main",
                "keys",
                "limits",
                "way_out",
                "system_prompts",
                "nodes",
            ),
            required=("languages", "start", "main", "way_out", "system_prompts", "nodes"),
        )
        if top is None:
            return None
        name = self.r.text(None, "menu", top["menu"]) if "menu" in top else "menu"
        languages = self.languages(top.get("languages"))
        start = self.r.text(None, "start", top["start"]) if "start" in top else None
        main = self.r.text(None, "main", top["main"]) if "main" in top else None
        keys = self.keys(top["keys"]) if "keys" in top else Keys()
        limits = self.limits(top["limits"]) if "limits" in top else Limits()
        way_out = self.way_out(None, "way_out", top["way_out"]) if "way_out" in top else None
        system = self.system_prompts(top.get("system_prompts"))
        nodes = self.nodes(top.get("nodes"))
        if (
            languages is None
            or start is None
            or main is None
            or keys is None
            or limits is None
            or way_out is None
            or system is None
            or nodes is None
        ):
            return None
        return Menu(
            source=self.r.file,
            name=name or "menu",
            languages=languages,
            start=start,
            main=main,
            keys=keys,
            limits=limits,
            way_out=way_out,
            system_prompts=system,
            nodes=nodes,
        )

    def languages(self, value: object) -> Languages | None:
        m = self.r.fields(
            None, "languages", value, ("enabled", "default", "voices"), ("enabled", "default")
        )
        if m is None:
            return None
        enabled = self.r.text_list(None, "languages.enabled", m.get("enabled", []))
        if "enabled" in m and not enabled:
            self.r.add(None, "languages.enabled", "at least one language must be enabled")
        default = self.r.text(None, "languages.default", m.get("default"))
        voices: dict[str, Voice] = {}
        raw = self.r.mapping(None, "languages.voices", m.get("voices", {})) or {}
        for lang, spec in raw.items():
            path = join("languages.voices", lang)
            if isinstance(spec, str):
                voices[lang] = Voice(spec)
                continue
            v = self.r.fields(None, path, spec, ("locale", "voice"), ("locale",))
            if v is None:
                continue
            locale = self.r.text(None, join(path, "locale"), v.get("locale"))
            voice = self.r.text(None, join(path, "voice"), v["voice"]) if "voice" in v else None
            if locale:
                voices[lang] = Voice(locale, voice)
        if default is None:
            return None
        return Languages(enabled=enabled, default=default, voices=voices)

    def keys(self, value: object) -> Keys | None:
        m = self.r.fields(None, "keys", value, ("repeat", "back", "change_language"))
        if m is None:
            return None
        defaults = Keys()
        repeat = self.key("keys.repeat", m["repeat"]) if "repeat" in m else defaults.repeat
        back = self.key("keys.back", m["back"]) if "back" in m else defaults.back
        change: Key | None = defaults.change_language
        if "change_language" in m:
            # `change_language: null` turns the key off.
            raw = m["change_language"]
            change = None if raw is None else self.key("keys.change_language", raw)
        if repeat is None or back is None:
            return None
        return Keys(repeat=repeat, back=back, change_language=change)

    def key(self, path: str, value: object) -> Key | None:
        if not isinstance(value, dict):
            digit = self.digit(None, path, value)
            return Key(digit) if digit else None
        m = self.r.fields(None, path, value, ("digit", "keywords"), ("digit",))
        if m is None or "digit" not in m:
            return None
        digit = self.digit(None, join(path, "digit"), m["digit"])
        keywords = self.keywords(None, join(path, "keywords"), m.get("keywords", {}))
        return Key(digit, keywords) if digit else None

    def limits(self, value: object) -> Limits | None:
        names = [f.name for f in dataclasses.fields(Limits)]
        m = self.r.fields(None, "limits", value, names)
        if m is None:
            return None
        values: dict[str, int] = {}
        for name in names:
            if name in m:
                number = self.r.integer(None, join("limits", name), m[name], minimum=1)
                if number is not None:
                    values[name] = number
        return Limits(**values)

    def system_prompts(self, value: object) -> dict[str, Prompt] | None:
        m = self.r.mapping(None, "system_prompts", value)
        if m is None:
            return None
        out: dict[str, Prompt] = {}
        for key in SYSTEM_PROMPTS:
            if key not in m:
                self.r.add(None, join("system_prompts", key), "missing")
        for key, raw in m.items():
            prompt = self.prompt(None, join("system_prompts", key), raw)
            if prompt is not None:
                out[key] = prompt
        return out

    def way_out(self, node: str | None, path: str, value: object) -> WayOut | None:
        m = self.r.fields(node, path, value, (*TARGET_KINDS, "message"))
        if m is None:
            return None
        message = self.prompt(node, join(path, "message"), m["message"]) if "message" in m else None
        target = self.target(node, path, {k: v for k, v in m.items() if k != "message"})
        return WayOut(target, message) if target else None

    def nodes(self, value: object) -> dict[str, Node] | None:
        m = self.r.mapping(None, "nodes", value)
        if m is None:
            return None
        if not m:
            self.r.add(None, "nodes", "no nodes")
        out: dict[str, Node] = {}
        for node_id, raw in m.items():
            if not NODE_ID.match(node_id):
                self.r.add(
                    node_id, None, "a node id is lowercase letters, digits and '_', letter first"
                )
                continue
            node = self.node(node_id, raw)
            if node is not None:
                out[node_id] = node
        return out

    def node(self, node_id: str, value: object) -> Node | None:
        m = self.r.fields(
            node_id, None, value, ("kind", "note", "prompt", "options", "way_out"), ("options",)
        )
        if m is None:
            return None
        kind: NodeKind = "menu"
        if "kind" in m:
            if m["kind"] == "language":
                kind = "language"
            elif m["kind"] != "menu":
                self.r.add(node_id, "kind", f"expected 'menu' or 'language', got {m['kind']!r}")
        prompt = self.prompt(node_id, "prompt", m["prompt"]) if "prompt" in m else None
        if "prompt" not in m and kind == "menu":
            self.r.add(node_id, "prompt", "missing")
        way_out = self.way_out(node_id, "way_out", m["way_out"]) if "way_out" in m else None
        options = []
        items = self.r.sequence(node_id, "options", m.get("options", [])) or []
        if "options" in m and not items:
            self.r.add(node_id, "options", "no options: a caller here could only hang up")
        for i, raw in enumerate(items):
            option = self.option(node_id, f"options[{i}]", raw, kind)
            if option is not None:
                options.append(option)
        return Node(node_id, kind, prompt, tuple(options), way_out)

    def option(self, node: str, path: str, value: object, kind: NodeKind) -> Option | None:
        m = self.r.fields(node, path, value, ("digit", "keywords", "prompt", "note", *TARGET_KINDS))
        if m is None:
            return None
        if "digit" not in m:
            self.r.add(node, join(path, "digit"), "missing (every choice needs a key)")
        digit = self.digit(node, join(path, "digit"), m["digit"]) if "digit" in m else None
        keywords = self.keywords(node, join(path, "keywords"), m.get("keywords", {}))
        target = self.target(node, path, {k: v for k, v in m.items() if k in TARGET_KINDS})
        prompt = None
        if "prompt" in m:
            if kind != "language":
                self.r.add(
                    node, join(path, "prompt"), "only options of a language menu have a prompt"
                )
            elif isinstance(m["prompt"], str) and target and target.kind == "language":
                # A language choice announces itself in its own language.
                text = self.r.text(node, join(path, "prompt"), m["prompt"])
                prompt = Prompt({target.value: PromptPart(text=text)}) if text else None
            else:
                prompt = self.prompt(node, join(path, "prompt"), m["prompt"])
        if digit is None or target is None:
            return None
        return Option(digit, target, keywords, prompt)

    def target(self, node: str | None, path: str, m: dict[str, Any]) -> Target | None:
        given = [k for k in TARGET_KINDS if k in m]
        if not given:
            self.r.add(node, path, f"no target (one of {', '.join(TARGET_KINDS)})")
            return None
        if len(given) > 1:
            self.r.add(node, path, f"several targets ({', '.join(given)}); keep one")
            return None
        kind = given[0]
        if kind == "hangup":
            message = self.prompt(node, join(path, "hangup"), m["hangup"])
            return Target("hangup", "", message) if message else None
        value = m[kind]
        if kind == "transfer" and isinstance(value, int):
            self.r.add(node, join(path, kind), "write the number as quoted text: '+3228001234'")
            return None
        text = self.r.text(node, join(path, kind), value)
        return Target(kind, text) if text else None

    def digit(self, node: str | None, path: str, value: object) -> str | None:
        # YAML reads `digit: 1` as a number; a supervisor shouldn't have to quote it.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9:
            return str(value)
        if isinstance(value, str) and len(value.strip()) == 1 and value.strip() in DTMF_KEYS:
            return value.strip()
        shown = repr(value) if isinstance(value, str | int) else type_name(value)
        self.r.add(node, path, f"expected one key (0-9, '*' or '#'), got {shown}")
        return None

    def keywords(self, node: str | None, path: str, value: object) -> dict[str, tuple[str, ...]]:
        if isinstance(value, list):
            return {ANY_LANGUAGE: self.r.text_list(node, path, value)}
        m = self.r.mapping(node, path, value)
        if m is None:
            return {}
        return {lang: self.r.text_list(node, join(path, lang), words) for lang, words in m.items()}

    def prompt(self, node: str | None, path: str, value: object) -> Prompt | None:
        m = self.r.mapping(node, path, value)
        if m is None:
            return None
        parts: dict[str, PromptPart] = {}
        for lang, raw in m.items():
            part = self.part(node, join(path, lang), raw)
            if part is not None:
                parts[lang] = part
        if not m:
            self.r.add(node, path, "empty: give the text per language")
        return Prompt(parts)

    def part(self, node: str | None, path: str, value: object) -> PromptPart | None:
        if isinstance(value, str):
            text = self.r.text(node, path, value)
            return PromptPart(text=text) if text else None
        m = self.r.fields(node, path, value, ("say", "play", "voice", "locale"))
        if m is None:
            return None
        if ("say" in m) == ("play" in m):
            self.r.add(node, path, "give either 'say' (text) or 'play' (an audio URL)")
            return None
        voice = self.r.text(node, join(path, "voice"), m["voice"]) if "voice" in m else None
        locale = self.r.text(node, join(path, "locale"), m["locale"]) if "locale" in m else None
        if "play" in m:
            url = self.r.text(node, join(path, "play"), m["play"])
            if url and not url.startswith(("https://", "http://")):
                self.r.add(node, join(path, "play"), f"expected an http(s) URL, got {url!r}")
                return None
            return PromptPart(url=url, voice=voice, locale=locale) if url else None
        text = self.r.text(node, join(path, "say"), m["say"])
        return PromptPart(text=text, voice=voice, locale=locale) if text else None


def option_map(node: Node) -> Mapping[str, Option]:
    """Options by digit (the first one wins if a digit is duplicated; validation reports it)."""
    out: dict[str, Option] = {}
    for option in node.options:
        out.setdefault(option.digit, option)
    return out
