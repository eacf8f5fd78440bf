"""What changed between two menus, in lines a supervisor reads before publishing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TypeVar

from .menu import Key, Menu, Node, Option, Prompt, PromptPart, Voice, WayOut

K = TypeVar("K")

_SHOWN = 60  # characters of a prompt shown in a change line


def diff(old: Menu, new: Menu) -> list[str]:
    """Human-readable changes from `old` to `new`; empty when they behave the same."""
    lines: list[str] = []
    if old.languages.enabled != new.languages.enabled:
        lines.append(
            f"languages enabled: {', '.join(old.languages.enabled)} -> "
            f"{', '.join(new.languages.enabled)}"
        )
    if old.languages.default != new.languages.default:
        lines.append(f"default language: {old.languages.default} -> {new.languages.default}")
    for lang in sorted(set(old.languages.voices) | set(new.languages.voices)):
        a, b = old.languages.voices.get(lang), new.languages.voices.get(lang)
        if a != b:
            lines.append(f"voice for {lang}: {_voice(a)} -> {_voice(b)}")
    for name in ("start", "main"):
        if getattr(old, name) != getattr(new, name):
            lines.append(f"{name} node: '{getattr(old, name)}' -> '{getattr(new, name)}'")
    for name in ("repeat", "back", "change_language"):
        a_key, b_key = getattr(old.keys, name), getattr(new.keys, name)
        if a_key != b_key:
            lines.append(f"{name} key: {_key(a_key)} -> {_key(b_key)}")
    for f in dataclasses.fields(old.limits):
        a_val, b_val = getattr(old.limits, f.name), getattr(new.limits, f.name)
        if a_val != b_val:
            lines.append(f"limit {f.name}: {a_val} -> {b_val}")
    lines += _way_out_changes("way out", old.way_out, new.way_out)
    for key in _ordered(old.system_prompts, new.system_prompts):
        lines += _prompt_changes(
            f"system prompt '{key}'", old.system_prompts.get(key), new.system_prompts.get(key)
        )
    for node_id in _ordered(old.nodes, new.nodes):
        a_node, b_node = old.nodes.get(node_id), new.nodes.get(node_id)
        if a_node is None:
            lines.append(f"node '{node_id}' added")
        elif b_node is None:
            lines.append(f"node '{node_id}' removed")
        else:
            lines += _node_changes(a_node, b_node)
    return lines


def _node_changes(a: Node, b: Node) -> list[str]:
    where = f"node '{a.id}'"
    lines = []
    if a.kind != b.kind:
        lines.append(f"{where}: kind {a.kind} -> {b.kind}")
    lines += _prompt_changes(f"{where}: prompt", a.prompt, b.prompt)
    lines += _way_out_changes(f"{where}: way out", a.way_out, b.way_out)
    a_opts = {o.digit: o for o in a.options}
    b_opts = {o.digit: o for o in b.options}
    for digit in _ordered(a_opts, b_opts):
        a_opt, b_opt = a_opts.get(digit), b_opts.get(digit)
        if a_opt is None:
            assert b_opt is not None
            lines.append(f"{where}: option {digit} added: {b_opt.target.describe()}")
        elif b_opt is None:
            lines.append(f"{where}: option {digit} removed (was {a_opt.target.describe()})")
        else:
            lines += _option_changes(f"{where}: option {digit}", a_opt, b_opt)
    a_order = [o.digit for o in a.options if o.digit in b_opts]
    b_order = [o.digit for o in b.options if o.digit in a_opts]
    if a_order != b_order:
        lines.append(f"{where}: options reordered: {' '.join(a_order)} -> {' '.join(b_order)}")
    return lines


def _option_changes(where: str, a: Option, b: Option) -> list[str]:
    lines = []
    if a.target.describe() != b.target.describe():
        lines.append(f"{where}: {a.target.describe()} -> {b.target.describe()}")
    lines += _prompt_changes(f"{where}: hang-up message", a.target.message, b.target.message)
    for lang in _ordered(a.keywords, b.keywords):
        before, after = a.keywords.get(lang, ()), b.keywords.get(lang, ())
        added = [w for w in after if w not in before]
        removed = [w for w in before if w not in after]
        label = "keywords" if lang == "*" else f"keywords in {lang}"
        parts = []
        if added:
            parts.append("added " + ", ".join(f"'{w}'" for w in added))
        if removed:
            parts.append("removed " + ", ".join(f"'{w}'" for w in removed))
        if parts:
            lines.append(f"{where}: {label}: {'; '.join(parts)}")
    lines += _prompt_changes(f"{where}: prompt", a.prompt, b.prompt)
    return lines


def _prompt_changes(where: str, a: Prompt | None, b: Prompt | None) -> list[str]:
    a_parts = a.parts if a else {}
    b_parts = b.parts if b else {}
    lines = []
    for lang in _ordered(a_parts, b_parts):
        before, after = a_parts.get(lang), b_parts.get(lang)
        if before == after:
            continue
        if before is None:
            lines.append(f"{where} added in {lang}: {_show(after)}")
        elif after is None:
            lines.append(f"{where} removed in {lang} (was {_show(before)})")
        else:
            lines.append(f"{where} changed in {lang}: {_show(before)} -> {_show(after)}")
    return lines


def _way_out_changes(where: str, a: WayOut | None, b: WayOut | None) -> list[str]:
    if a == b:
        return []
    if a is None or b is None:
        before = a.target.describe() if a else "the menu's"
        after = b.target.describe() if b else "the menu's"
        return [f"{where}: {before} -> {after}"]
    lines = []
    if a.target != b.target:
        lines.append(f"{where}: {a.target.describe()} -> {b.target.describe()}")
    return lines + _prompt_changes(f"{where} message", a.message, b.message)


def _show(part: PromptPart | None) -> str:
    if part is None:
        return "nothing"
    if part.url:
        return f"audio {part.url}"
    text = " ".join((part.text or "").split())
    text = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return f"'{text}'"


def _voice(voice: Voice | None) -> str:
    if voice is None:
        return "none"
    return f"{voice.locale} {voice.voice}" if voice.voice else voice.locale


def _key(key: Key | None) -> str:
    return "off" if key is None else f"'{key.digit}'"


def _ordered(a: Mapping[K, object], b: Mapping[K, object]) -> list[K]:
    """Keys of `a` in order, then those only in `b`."""
    return [*a, *(k for k in b if k not in a)]
