"""Reading supervisor-edited YAML: strict parsing and typed field access that reports problems
(file, node, field) instead of raising, so one run lists everything to fix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys: PyYAML silently keeps the last one, which would
    drop a whole node a supervisor pasted twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the base class reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {str(key)!r} (first at line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


# Dates stay text until the reader parses them: PyYAML raises a bare ValueError on 2025-02-30,
# and turns "2025-03-30 02:30" into a naive datetime, both of which we'd rather explain.
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def read_text_file(path: str | Path) -> tuple[str | None, list[Problem]]:
    """A menu or directory file's text, or the one problem saying why it can't be read."""
    try:
        return Path(path).read_text(encoding="utf-8"), []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [Problem(str(path), None, None, f"can't read the file: {reason}")]


def parse_yaml(text: str, report: Report) -> Any:
    """The document in `text`, or None with a problem in `report` when it isn't valid YAML."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "unreadable"
        if mark and _bare_star(text, mark.line):
            what += " (a bare * starts a YAML alias: write the key in quotes, '*')"
        report.add(None, None, f"invalid YAML{where}: {what}")
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        report.add(None, None, f"invalid YAML: {exc}")
    return None


def _bare_star(text: str, line: int) -> bool:
    lines = text.splitlines()
    return 0 <= line < len(lines) and any(
        token in lines[line] for token in (": *", "- *", "[*", ", *")
    )


def type_name(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def join(path: str | None, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path or ''}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class Report:
    """Collects problems for one file. `kind` is what a problem's `node` names."""

    file: str
    kind: str = "node"
    problems: list[Problem] = field(default_factory=list)

    def add(self, node: str | None, path: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, node, path, message, self.kind))

    def mapping(self, node: str | None, path: str | None, value: object) -> dict[str, Any] | None:
        if isinstance(value, dict):
            bad = [k for k in value if not isinstance(k, str)]
            for k in bad:
                self.add(node, path, f"key {k!r} must be text (quote it)")
            return {k: v for k, v in value.items() if isinstance(k, str)}
        self.add(node, path, f"expected a mapping (key: value lines), got {type_name(value)}")
        return None

    def fields(
        self,
        node: str | None,
        path: str | None,
        value: object,
        allowed: Iterable[str],
        required: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """`value` as a mapping with only `allowed` keys; unknown keys (typos) and missing
        required keys are reported."""
        mapping = self.mapping(node, path, value)
        if mapping is None:
            return None
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.add(
                    node, join(path, key), f"unknown field (expected one of {', '.join(allowed)})"
                )
        for key in required:
            if key not in mapping:
                self.add(node, join(path, key), "missing")
        return mapping

    def sequence(self, node: str | None, path: str | None, value: object) -> list[Any] | None:
        if isinstance(value, list):
            return value
        self.add(node, path, f"expected a list, got {type_name(value)}")
        return None

    def text(self, node: str | None, path: str | None, value: object) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, str):
            self.add(node, path, "is empty")
        else:
            self.add(node, path, f"expected text, got {type_name(value)}")
        return None

    def integer(
        self, node: str | None, path: str | None, value: object, minimum: int = 0
    ) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(node, path, f"expected a whole number, got {type_name(value)}")
            return None
        if value < minimum:
            self.add(node, path, f"must be at least {minimum}, got {value}")
            return None
        return value

    def text_list(self, node: str | None, path: str | None, value: object) -> tuple[str, ...]:
        items = self.sequence(node, path, value)
        if items is None:
            return ()
        out = []
        for i, item in enumerate(items):
            text = self.text(node, join(path, i), item)
            if text is not None:
                out.append(text)
        return tuple(out)
