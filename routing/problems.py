"""Problems found in a menu or service-directory file, said so a supervisor can fix them."""

from __future__ import annotations

from dataclasses import dataclass

from irisline.errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, node, field) and what.

    `str(problem)` reads like `menu.yaml: node 'taxes': options[2].digit: duplicate digit '2'
    (also on options[0])`. `kind` names what `node` is: a menu node, or a service in the
    service directory.
    """

    file: str
    node: str | None
    field: str | None
    message: str
    kind: str = "node"

    def __str__(self) -> str:
        where = [self.file]
        if self.node is not None:
            where.append(f"{self.kind} '{self.node}'")
        if self.field:
            where.append(self.field)
        return ": ".join([*where, self.message])


class MenuError(InvalidInput):
    """A menu or service directory that can't be used; `problems` says why, one per line."""

    error_id = "invalid-menu"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems), problems=[str(p) for p in problems])
        self.problems = problems
