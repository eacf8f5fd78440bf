"""Checking a menu against itself and the service directory, with precise messages: every
check a supervisor's edit could break (unknown target, unreachable node, a loop with no way
out, duplicate digit, a prompt missing in an enabled language, unknown service, depth)."""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from . import speech
from .flow import active_options
from .menu import (
    SYSTEM_PROMPTS,
    Menu,
    Node,
    Prompt,
    Target,
    placeholders,
    read_menu,
    read_menu_file,
)
from .problems import Problem
from .services import ServiceDirectory, default_services, read_services_file
from .textmatch import normalise

_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def validate(menu: Menu, directory: ServiceDirectory) -> list[Problem]:
    """Every problem with `menu` (and with the parts of `directory` it relies on); empty when
    the menu can be published."""
    check = _Checker(menu, directory)
    check.languages()
    check.entry_nodes()
    check.keys()
    check.prompts()
    check.way_out(None, "way_out", menu.way_out.target)
    for node in menu.nodes.values():
        check.node(node)
    if not check.problems:  # the graph checks assume sound targets
        check.graph()
    check.services()
    order = {node_id: i for i, node_id in enumerate(menu.nodes)}
    return sorted(
        check.problems,
        key=lambda p: (p.file != menu.source, -1 if p.node is None else order.get(p.node, 0)),
    )


def check_menu_text(
    text: str, directory: ServiceDirectory | None = None, source: str = "menu.yaml"
) -> list[Problem]:
    """The problems of the menu in YAML `text` (empty: it can be published), against
    `directory` (default: the bundled service directory). Fits `routing.versions.Validator`."""
    menu, problems = read_menu(text, source)
    if menu is None:
        return problems
    return validate(menu, directory or default_services())


def check_menu_file(path: str | Path, services_path: str | Path | None = None) -> list[Problem]:
    """The problems of a menu file, against `services_path` (default: the bundled directory)."""
    if services_path is None:
        directory = default_services()
    else:
        found, problems = read_services_file(services_path)
        if found is None:
            return problems
        directory = found
    menu, problems = read_menu_file(path)
    return problems if menu is None else validate(menu, directory)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Checker:
    def __init__(self, menu: Menu, directory: ServiceDirectory) -> None:
        self.menu = menu
        self.directory = directory
        self.problems: list[Problem] = []

    def add(self, node: str | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(self.menu.source, node, field, message))

    # ---- file-level ----

    def languages(self) -> None:
        langs = self.menu.languages
        seen: set[str] = set()
        for i, lang in enumerate(langs.enabled):
            path = f"languages.enabled[{i}]"
            if lang in seen:
                self.add(None, path, f"'{lang}' is listed twice")
            seen.add(lang)
            if lang not in langs.voices:
                self.add(None, path, f"no voice for '{lang}': add it under languages.voices")
            if lang not in speech.SUPPORTED:
                supported = ", ".join(speech.SUPPORTED)
                self.add(
                    None, path, f"dates and times can't be said in '{lang}' yet ({supported} can)"
                )
        if langs.default not in langs.enabled:
            self.add(None, "languages.default", f"'{langs.default}' is not an enabled language")

    def entry_nodes(self) -> None:
        nodes = self.menu.nodes
        for field, node_id, kind in (
            ("start", self.menu.start, "language"),
            ("main", self.menu.main, "menu"),
        ):
            node = nodes.get(node_id)
            if node is None:
                self.add(None, field, f"unknown node '{node_id}'{_did_you_mean(node_id, nodes)}")
            elif node.kind != kind:
                self.add(None, field, f"node '{node_id}' must be of kind '{kind}'")

    def keys(self) -> None:
        keys = self.menu.keys
        named = [("repeat", keys.repeat.digit), ("back", keys.back.digit)]
        if keys.change_language:
            named.append(("change_language", keys.change_language.digit))
        taken: dict[str, str] = {}
        for name, digit in named:
            if digit == "#":
                self.add(None, f"keys.{name}", "'#' can't be used: it ends keypad input")
            elif digit in taken:
                self.add(None, f"keys.{name}", f"'{digit}' is already the {taken[digit]} key")
            taken.setdefault(digit, name)

    def prompts(self) -> None:
        langs = self.menu.languages
        for node, path, prompt, required in self.menu.prompts():
            for lang in prompt.parts:
                if lang not in langs.voices:
                    known = ", ".join(langs.voices)
                    self.add(node, f"{path}.{lang}", f"unknown language '{lang}' (known: {known})")
            if required:
                self.missing(node, path, prompt, langs.enabled)
        for key, prompt in self.menu.system_prompts.items():
            allowed = SYSTEM_PROMPTS.get(key)
            if allowed is None:
                continue
            for lang, part in prompt.parts.items():
                for name in sorted(placeholders(part.text or "") - set(allowed)):
                    shown = ", ".join("{" + a + "}" for a in allowed) or "none"
                    self.add(
                        None,
                        f"system_prompts.{key}.{lang}",
                        f"unknown placeholder {{{name}}} (allowed: {shown})",
                    )

    def missing(self, node: str | None, path: str, prompt: Prompt, langs: Iterable[str]) -> None:
        for lang in langs:
            if lang not in prompt.parts:
                self.add(node, path, f"missing in enabled language '{lang}'")

    def way_out(self, node: str | None, path: str, target: Target) -> None:
        if not target.terminal:
            self.add(
                node,
                path,
                f"must lead out of the menu (a service, voicemail, call-back, transfer or "
                f"hang-up), not to {target.describe()}",
            )
        else:
            self.target(node, path, target)

    def target(self, node: str | None, path: str, target: Target) -> None:
        field = f"{path}.{target.kind}"
        if target.kind == "goto" and target.value not in self.menu.nodes:
            hint = _did_you_mean(target.value, self.menu.nodes)
            self.add(node, field, f"unknown node '{target.value}'{hint}")
        elif target.kind in ("service", "voicemail", "callback"):
            if target.value not in self.directory:
                hint = _did_you_mean(target.value, self.directory.services)
                self.add(node, field, f"unknown service '{target.value}'{hint}")
        elif target.kind == "language" and target.value not in self.menu.languages.voices:
            self.add(node, field, f"unknown language '{target.value}'")
        elif target.kind == "transfer" and not (
            _PHONE.match(target.value) or target.value.startswith("sip:")
        ):
            self.add(
                node,
                field,
                f"expected a number like '+3228001234' or a 'sip:' address, got '{target.value}'",
            )

    # ---- per node ----

    def node(self, node: Node) -> None:
        reserved = self.menu.keys.reserved()
        if node.kind == "language" and self.menu.keys.change_language:
            reserved.pop(self.menu.keys.change_language.digit, None)
        first_with: dict[str, int] = {}
        for i, option in enumerate(node.options):
            path = f"options[{i}]"
            digit = option.digit
            if digit in reserved:
                self.add(node.id, f"{path}.digit", f"'{digit}' is reserved ({reserved[digit]})")
            elif digit in first_with:
                self.add(
                    node.id,
                    f"{path}.digit",
                    f"duplicate digit '{digit}' (also on options[{first_with[digit]}])",
                )
            first_with.setdefault(digit, i)
            self.target(node.id, path, option.target)
            if node.kind == "language":
                self.language_option(node, i)
            elif option.target.kind == "language":
                self.add(
                    node.id, f"{path}.language", "a language choice belongs in a language menu"
                )
            elif option.target.kind == "goto" and self.kind_of(option.target.value) == "language":
                self.add(
                    node.id,
                    f"{path}.goto",
                    f"node '{option.target.value}' is a language menu: the change-language key "
                    "leads there",
                )
        if node.way_out:
            self.way_out(node.id, "way_out", node.way_out.target)
        self.keywords(node)

    def kind_of(self, node_id: str) -> str | None:
        node = self.menu.nodes.get(node_id)
        return node.kind if node else None

    def language_option(self, node: Node, i: int) -> None:
        option = node.options[i]
        path = f"options[{i}]"
        target = option.target
        parts = option.prompt.parts if option.prompt else {}
        if target.kind == "language":
            if target.value not in parts:
                self.add(
                    node.id,
                    f"{path}.prompt",
                    f"missing in '{target.value}', the language it offers",
                )
        elif target.kind == "goto":
            if self.kind_of(target.value) == "menu":
                self.add(
                    node.id,
                    f"{path}.goto",
                    f"a language menu leads to languages or another language menu, not to "
                    f"node '{target.value}'",
                )
            enabled = self.menu.languages.enabled
            if option in active_options(self.menu, node) and not any(
                lang in parts for lang in enabled
            ):
                self.add(
                    node.id, f"{path}.prompt", "missing: say it in at least one enabled language"
                )
        else:
            self.add(
                node.id,
                path,
                f"a language menu leads to languages or another language menu, not to "
                f"{target.describe()}",
            )

    def keywords(self, node: Node) -> None:
        first_with: dict[tuple[str, str], int] = {}
        for i, option in enumerate(node.options):
            for lang, words in option.keywords.items():
                path = f"options[{i}].keywords" + ("" if lang == "*" else f".{lang}")
                if lang != "*" and lang not in self.menu.languages.voices:
                    self.add(node.id, path, f"unknown language '{lang}'")
                for word in words:
                    key = (lang, normalise(word))
                    if not key[1]:
                        self.add(node.id, path, f"keyword '{word}' has no letters or digits")
                    elif key in first_with and first_with[key] != i:
                        self.add(
                            node.id,
                            path,
                            f"keyword '{word}' is also on options[{first_with[key]}]",
                        )
                    first_with.setdefault(key, i)

    # ---- the graph ----

    def graph(self) -> None:
        nodes = self.menu.nodes
        edges = {
            node.id: [o.target.value for o in node.options if o.target.kind == "goto"]
            for node in nodes.values()
        }
        # A language choice leads to main; a remembered language starts there.
        reached = self.reach([self.menu.start, self.menu.main], edges)
        for node_id in nodes:
            if node_id not in reached:
                self.add(node_id, None, "unreachable: no option leads here")
        self.dead_loops(edges)
        self.depth(edges)
        self.choosable_languages()

    @staticmethod
    def reach(roots: list[str], edges: dict[str, list[str]]) -> set[str]:
        seen = set(roots)
        todo = deque(roots)
        while todo:
            for nxt in edges.get(todo.popleft(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def dead_loops(self, edges: dict[str, list[str]]) -> None:
        """Loops a caller can't leave through any option. Reported once per loop, at its first
        node in the file."""
        nodes = self.menu.nodes
        exits = {
            node.id for node in nodes.values() if any(o.target.kind != "goto" for o in node.options)
        }
        backward: dict[str, list[str]] = {n: [] for n in nodes}
        for src, dsts in edges.items():
            for dst in dsts:
                backward[dst].append(src)
        alive = self.reach(sorted(exits), backward)
        dead = [n for n in nodes if n not in alive]
        reported: set[str] = set()
        for node_id in dead:
            if node_id in reported:
                continue
            loop = self.reach([node_id], edges)
            # Part of a loop only if it can come back to itself.
            if not any(node_id in edges[n] for n in loop):
                continue
            members = [n for n in nodes if n in loop and node_id in self.reach([n], edges)]
            reported.update(members)
            names = ", ".join(f"'{n}'" for n in members)
            self.add(
                node_id,
                "options",
                f"loop with no way out through {names}: no option there leads to a service, "
                "voicemail, call-back, transfer, hang-up or language",
            )

    def depth(self, edges: dict[str, list[str]]) -> None:
        limit = self.menu.limits.max_depth
        parent: dict[str, str | None] = {self.menu.main: None}
        level = {self.menu.main: 1}
        todo = deque([self.menu.main])
        while todo:
            current = todo.popleft()
            for nxt in edges.get(current, []):
                if nxt in level or self.kind_of(nxt) != "menu":
                    continue
                level[nxt], parent[nxt] = level[current] + 1, current
                todo.append(nxt)
                if level[nxt] == limit + 1:
                    path = [nxt]
                    while (up := parent[path[-1]]) is not None:
                        path.append(up)
                    self.add(
                        nxt,
                        None,
                        f"depth {limit + 1} is over the limit of {limit} "
                        f"({' > '.join(reversed(path))})",
                    )

    def choosable_languages(self) -> None:
        chosen: set[str] = set()
        seen: set[str] = set()
        todo = [self.menu.start]
        while todo:
            node = self.menu.nodes[todo.pop()]
            seen.add(node.id)
            for option in active_options(self.menu, node):
                if option.target.kind == "language":
                    chosen.add(option.target.value)
                elif option.target.kind == "goto" and option.target.value not in seen:
                    todo.append(option.target.value)
        if len(self.menu.languages.enabled) < 2:
            return  # the language menu is skipped
        for i, lang in enumerate(self.menu.languages.enabled):
            if lang not in chosen:
                self.add(
                    None,
                    f"languages.enabled[{i}]",
                    f"'{lang}' can't be chosen: no language menu offers it",
                )

    # ---- the service directory, as far as this menu needs it ----

    def services(self) -> None:
        for service in self.directory.services.values():
            for lang in self.menu.languages.enabled:
                if lang not in service.names:
                    self.problems.append(
                        Problem(
                            self.directory.source,
                            service.id,
                            "name",
                            f"missing in enabled language '{lang}'",
                            kind="service",
                        )
                    )
