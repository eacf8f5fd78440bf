"""`irisline menu ...`: the menu commands that need no database. The lead's CLI registers this
group and adds the ones that do (import, publish, rollback, list, diff of versions)."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from .menu import read_menu_file
from .menudiff import diff
from .problems import Problem
from .services import default_services, read_services_file
from .validation import validate

_SERVICES_HELP = "service directory to check service ids against [default: the bundled one]"


@click.group("menu")
def menu() -> None:
    """Check and compare IVR menus."""


@menu.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--services", "services_file", type=click.Path(dir_okay=False), help=_SERVICES_HELP)
def validate_command(file: str, services_file: str | None) -> None:
    """Check the menu in FILE: print OK, or each problem on its own line and exit 1."""
    if services_file is None:
        directory = default_services()
    else:
        found, problems = read_services_file(services_file)
        if found is None:
            _fail(problems)
        directory = found
    loaded, problems = read_menu_file(file)
    if loaded is not None:
        problems = validate(loaded, directory)
    if problems or loaded is None:
        _fail(problems)
    click.echo(
        f"OK: {file}: {len(loaded.nodes)} nodes, languages {', '.join(loaded.languages.enabled)}"
    )


@menu.command("compare")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
def compare_command(old: str, new: str) -> None:
    """Show what changes from menu file OLD to menu file NEW."""
    a, problems_a = read_menu_file(old)
    b, problems_b = read_menu_file(new)
    if a is None or b is None:
        _fail([*problems_a, *problems_b])
    lines = diff(a, b)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no changes")


def _fail(problems: list[Problem]) -> NoReturn:
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem(s)", err=True)
    sys.exit(1)
