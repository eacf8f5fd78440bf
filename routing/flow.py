"""The menu's call flow as a pure state machine: given the menu, where the caller is (State)
and what they did (Input), `step` says what happens next (Step).

The web layer renders a Step as TwiML (`say` in order, then a `<Gather>` whose action URL
carries `state.to_params()`, or the hand-over to `target`), and calls `step` again with the
caller's answer. A silent caller is never left looping: silences, wrong answers and answers of
any kind are counted, and past the menu's limits the caller is sent to the way out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from .menu import NODE_ID, Key, Menu, Node, Option, Target, Utterance, WayOut
from .textmatch import best_match, spoken_digit


class Outcome(StrEnum):
    ENTER = "enter"  # arrived at a node: its menu is said
    REPEAT = "repeat"  # the repeat key: said again
    BACK = "back"  # the back key: the previous node
    NO_INPUT = "no_input"  # silence: counted, asked again
    INVALID = "invalid"  # an answer that isn't an option: counted, said so, asked again
    LANGUAGE = "language"  # a language is set; the main menu follows
    CHANGE_LANGUAGE = "change_language"  # back to the language menu
    REACHED = "reached"  # an option's target: the menu is done
    WAY_OUT = "way_out"  # too many failures or turns: the way-out target, the menu is done
    RESTART = "restart"  # the state doesn't fit this menu (e.g. republished mid-call)


_LANG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class State:
    """Where a caller is in the menu. Small and flat so it fits in a URL's query string."""

    node: str
    lang: str | None = None  # None while in the language menu
    trail: tuple[str, ...] = ()  # the nodes before this one, for the back key
    no_input: int = 0  # silences in a row at this node
    invalid: int = 0  # wrong answers at this node
    turns: int = 0  # answers of any kind in this call

    def to_params(self) -> dict[str, str]:
        return {
            "node": self.node,
            "lang": self.lang or "",
            "trail": ".".join(self.trail),
            "no_input": str(self.no_input),
            "invalid": str(self.invalid),
            "turns": str(self.turns),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> State:
        """The state `to_params` wrote; ValueError naming the bad parameter otherwise."""
        node = params.get("node", "")
        if not NODE_ID.match(node):
            raise ValueError(f"menu state: bad node {node!r}")
        lang = params.get("lang") or None
        if lang is not None and not _LANG.match(lang):
            raise ValueError(f"menu state: bad lang {lang!r}")
        trail = tuple(t for t in params.get("trail", "").split(".") if t)
        if not all(NODE_ID.match(t) for t in trail):
            raise ValueError(f"menu state: bad trail {params.get('trail')!r}")
        counters = {}
        for name in ("no_input", "invalid", "turns"):
            raw = params.get(name, "0")
            if not raw.isdigit() or len(raw) > 4:
                raise ValueError(f"menu state: bad {name} {raw!r}")
            counters[name] = int(raw)
        return cls(node, lang, trail, **counters)


@dataclass(frozen=True)
class Input:
    """What the caller did: keys pressed (Twilio's Digits), words said (SpeechResult), or
    nothing (the Gather timed out)."""

    digits: str | None = None
    speech: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.digits or "").strip() and not (self.speech or "").strip()


@dataclass(frozen=True)
class Gather:
    """How to listen for the answer: `<Gather input="dtmf speech" numDigits timeout
    language hints>`."""

    timeout: int
    speech_locale: str
    hints: tuple[str, ...]
    num_digits: int = 1
    input: str = "dtmf speech"


@dataclass(frozen=True)
class Step:
    outcome: Outcome
    state: State
    say: tuple[Utterance, ...] = ()
    gather: Gather | None = None  # set while the menu goes on
    target: Target | None = None  # set when the menu is done: hand the call over to it
    language: str | None = None  # chosen by the caller in this step: remember it

    @property
    def done(self) -> bool:
        return self.target is not None


# ---- entry points --------------------------------------------------------------------------


def start(menu: Menu, language: str | None = None) -> Step:
    """The first step of a call. A remembered `language` (if still enabled) skips the language
    menu and mentions the key to change it; so does a menu with one language."""
    enabled = menu.languages.enabled
    if language in enabled or len(enabled) == 1:
        lang = language if language in enabled else enabled[0]
        assert lang is not None
        state = State(menu.main, lang)
        say = _menu_prompts(menu, menu.nodes[menu.main], state)
        if len(enabled) > 1:
            say += _system(menu, "change_language", lang)
        return _ask(menu, Outcome.ENTER, state, say)
    state = State(menu.start)
    return _ask(menu, Outcome.ENTER, state, _language_prompts(menu, menu.nodes[menu.start], True))


def step(menu: Menu, state: State, given: Input) -> Step:
    """What happens after the caller's answer `given` at `state`."""
    node = menu.nodes.get(state.node)
    if not _fits(menu, node, state):
        restarted = start(menu, state.lang)
        # Counting on keeps a caller bounced by republishing within the turn limit.
        new_state = replace(restarted.state, turns=state.turns + 1)
        return replace(restarted, outcome=Outcome.RESTART, state=new_state)
    assert node is not None
    state = replace(state, turns=state.turns + 1)
    if state.turns > menu.limits.max_turns:
        return _way_out(menu, node, state, ())
    if given.empty:
        return _no_input(menu, node, state)
    digit = (given.digits or "").strip()
    if not digit and given.speech:
        digit = spoken_digit(given.speech, state.lang) or ""
    if digit:
        return _on_digit(menu, node, state, digit)
    return _on_speech(menu, node, state, given.speech or "")


# ---- answers -------------------------------------------------------------------------------


def _fits(menu: Menu, node: Node | None, state: State) -> bool:
    if node is None:
        return False
    if node.kind == "language":
        return True
    return state.lang in menu.languages.enabled


def _on_digit(menu: Menu, node: Node, state: State, digit: str) -> Step:
    keys = menu.keys
    if digit == keys.repeat.digit:
        return _repeat(menu, node, state)
    if digit == keys.back.digit:
        return _back(menu, node, state)
    if digit == _change_digit(menu, node):
        return _change_language(menu, state)
    for option in active_options(menu, node):
        if option.digit == digit:
            return _choose(menu, node, state, option)
    return _invalid(menu, node, state)


def _on_speech(menu: Menu, node: Node, state: State, said: str) -> Step:
    options = active_options(menu, node)
    keys: list[tuple[int, Iterable[str]]] = [
        (-1, _key_words(menu.keys.repeat, state.lang)),
        (-2, _key_words(menu.keys.back, state.lang)),
    ]
    if _change_digit(menu, node) and menu.keys.change_language:
        keys.append((-3, _key_words(menu.keys.change_language, state.lang)))
    found = best_match(
        said, [*keys, *((i, o.keywords_for(state.lang)) for i, o in enumerate(options))]
    )
    if found is None:
        return _invalid(menu, node, state)
    if found == -1:
        return _repeat(menu, node, state)
    if found == -2:
        return _back(menu, node, state)
    if found == -3:
        return _change_language(menu, state)
    return _choose(menu, node, state, options[found])


def _key_words(key: Key, lang: str | None) -> tuple[str, ...]:
    if lang is None:
        return tuple(w for words in key.keywords.values() for w in words)
    return key.keywords.get(lang, ()) + key.keywords.get("*", ())


def _change_digit(menu: Menu, node: Node) -> str | None:
    change = menu.keys.change_language
    if node.kind == "language" or change is None or len(menu.languages.enabled) < 2:
        return None
    return change.digit


def _choose(menu: Menu, node: Node, state: State, option: Option) -> Step:
    target = option.target
    if target.kind == "goto":
        # Coming back to a node already on the trail cuts the trail there, so "back" never
        # walks a loop the caller went round.
        trail = (*state.trail, node.id)
        if target.value in trail:
            trail = trail[: trail.index(target.value)]
        return _enter(menu, Outcome.ENTER, _moved(state, target.value, trail))
    if target.kind == "language":
        new_state = _moved(state, menu.main, ())
        new_state = replace(new_state, lang=target.value)
        say = _menu_prompts(menu, menu.nodes[menu.main], new_state)
        return _ask(menu, Outcome.LANGUAGE, new_state, say, language=target.value)
    lang = state.lang or menu.languages.default
    say = _present([menu.utter(target.message, lang)]) if target.kind == "hangup" else ()
    return Step(Outcome.REACHED, state, say, target=target)


def _repeat(menu: Menu, node: Node, state: State) -> Step:
    return _ask(menu, Outcome.REPEAT, state, _prompts(menu, node, state, first=False))


def _back(menu: Menu, node: Node, state: State) -> Step:
    if not state.trail:
        return _ask(menu, Outcome.BACK, state, _prompts(menu, node, state, first=False))
    return _enter(menu, Outcome.BACK, _moved(state, state.trail[-1], state.trail[:-1]))


def _change_language(menu: Menu, state: State) -> Step:
    new_state = replace(_moved(state, menu.start, ()), lang=None)
    say = _language_prompts(menu, menu.nodes[menu.start], True)
    return _ask(menu, Outcome.CHANGE_LANGUAGE, new_state, say)


def _no_input(menu: Menu, node: Node, state: State) -> Step:
    state = replace(state, no_input=state.no_input + 1)
    if state.no_input >= menu.limits.no_input:
        return _way_out(menu, node, state, ())
    say = _system(menu, "no_input", state.lang) + _prompts(menu, node, state, first=False)
    return _ask(menu, Outcome.NO_INPUT, state, say)


def _invalid(menu: Menu, node: Node, state: State) -> Step:
    state = replace(state, invalid=state.invalid + 1, no_input=0)
    said_so = _system(menu, "invalid", state.lang)
    if state.invalid >= menu.limits.invalid:
        return _way_out(menu, node, state, said_so)
    return _ask(menu, Outcome.INVALID, state, said_so + _prompts(menu, node, state, first=False))


def _way_out(menu: Menu, node: Node, state: State, before: tuple[Utterance, ...]) -> Step:
    """Past a limit. In the language menu with no way out of its own, the caller goes on in
    the default language (one more chance in a menu they understand); elsewhere, the node's or
    the menu's way-out target."""
    if node.kind == "language" and node.way_out is None and state.turns <= menu.limits.max_turns:
        lang = menu.languages.default
        new_state = replace(_moved(state, menu.main, ()), lang=lang)
        return _ask(
            menu, Outcome.LANGUAGE, new_state, _menu_prompts(menu, menu.nodes[menu.main], new_state)
        )
    way_out: WayOut = node.way_out or menu.way_out
    lang = state.lang or menu.languages.default
    message = menu.utter(way_out.message, lang) if way_out.message else menu.system("way_out", lang)
    return Step(Outcome.WAY_OUT, state, before + _present((message,)), target=way_out.target)


# ---- what is said --------------------------------------------------------------------------


def _moved(state: State, node: str, trail: tuple[str, ...]) -> State:
    return replace(state, node=node, trail=trail, no_input=0, invalid=0)


def _enter(menu: Menu, outcome: Outcome, state: State) -> Step:
    node = menu.nodes[state.node]
    return _ask(menu, outcome, state, _prompts(menu, node, state, first=True))


def _prompts(menu: Menu, node: Node, state: State, first: bool) -> tuple[Utterance, ...]:
    if node.kind == "language":
        return _language_prompts(menu, node, first)
    return _menu_prompts(menu, node, state)


def _menu_prompts(menu: Menu, node: Node, state: State) -> tuple[Utterance, ...]:
    assert state.lang is not None
    said = [menu.utter(node.prompt, state.lang)]
    if node.id != menu.main:
        said.append(menu.system("navigation", state.lang))
    return _present(said)


def _language_prompts(menu: Menu, node: Node, first: bool) -> tuple[Utterance, ...]:
    """A language menu speaks several languages: its greeting (on arrival only) in each enabled
    language that has one, then each choice in its own language(s)."""
    enabled = menu.languages.enabled
    said = [menu.utter(node.prompt, lang) for lang in enabled] if first else []
    for option in active_options(menu, node):
        said += [menu.utter(option.prompt, lang) for lang in enabled]
    return _present(said)


def _system(menu: Menu, key: str, lang: str | None) -> tuple[Utterance, ...]:
    """A system prompt in the caller's language, or in every enabled language in the language
    menu, where we don't know theirs yet."""
    langs = (lang,) if lang else menu.languages.enabled
    return _present(menu.system(key, each) for each in langs)


def _present(items: Iterable[Utterance | None]) -> tuple[Utterance, ...]:
    return tuple(u for u in items if u is not None)


def _ask(
    menu: Menu,
    outcome: Outcome,
    state: State,
    say: tuple[Utterance, ...],
    language: str | None = None,
) -> Step:
    return Step(outcome, state, say, gather=_gather(menu, state), language=language)


def _gather(menu: Menu, state: State) -> Gather:
    node = menu.nodes[state.node]
    lang = state.lang or menu.languages.default
    voice = menu.languages.voices.get(lang)
    hints: list[str] = []
    for option in active_options(menu, node):
        hints += option.keywords_for(state.lang)
    keys = [menu.keys.repeat, menu.keys.back]
    if _change_digit(menu, node) and menu.keys.change_language:
        keys.append(menu.keys.change_language)
    for key in keys:
        hints += _key_words(key, state.lang)
    return Gather(
        timeout=menu.limits.timeout_seconds,
        speech_locale=voice.locale if voice else lang,
        hints=tuple(dict.fromkeys(hints)),
    )


def active_options(menu: Menu, node: Node) -> tuple[Option, ...]:
    """The options a caller can use at `node`. In a language menu, a choice of a language that
    isn't enabled is left out, and so is a link to a further language menu with nothing left
    in it: "more languages" only exists while some are enabled."""
    if node.kind != "language":
        return node.options
    return tuple(o for o in node.options if _leads_somewhere(menu, o, set()))


def _leads_somewhere(menu: Menu, option: Option, seen: set[str]) -> bool:
    target = option.target
    if target.kind == "language":
        return target.value in menu.languages.enabled
    if target.kind != "goto":
        return True
    node = menu.nodes.get(target.value)
    if node is None or node.id in seen:
        return False
    if node.kind != "language":
        return True
    seen.add(node.id)
    return any(_leads_somewhere(menu, o, seen) for o in node.options)
