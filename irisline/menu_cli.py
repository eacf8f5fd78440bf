"""`irisline menu import|publish|rollback|list|diff|install-default`: menu versions in the
database at DATABASE_URL. `validate` and `compare` (files only) come from routing.cli."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from routing import versions
from routing.cli import menu
from routing.menudiff import diff
from routing.validation import check_menu_text

from .db import Database
from .errors import DomainError
from .settings import Settings


def _database() -> Database:
    return Database(Settings.load().DATABASE_URL)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _problems(exc: DomainError) -> None:
    for line in exc.details.get("problems", []):
        click.echo(line)
    raise click.ClickException(exc.message)


@menu.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", default="", help="what changed, for the version list")
@click.option("--publish", "and_publish", is_flag=True, help="publish it at once if valid")
def import_command(file: str, note: str, and_publish: bool) -> None:
    """Store the menu in FILE as a new draft version (and report its problems)."""
    try:
        source = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"can't read {file}: {exc}") from exc
    problems = check_menu_text(source, source=file)
    database = _database()
    try:
        with database.session() as session:
            draft = versions.import_draft(session, source, created_by=_actor(), note=note)
            number = draft.number
            if and_publish and not problems:
                versions.publish(session, number, check_menu_text, actor=_actor())
    finally:
        database.dispose()
    click.echo(f"imported version {number} as draft")
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s): it can't be published as is")
    if and_publish:
        click.echo(f"published version {number}")


@menu.command("publish")
@click.argument("version", type=int)
def publish_command(version: int) -> None:
    """Make VERSION the live menu (new calls use it; calls in progress keep theirs)."""
    database = _database()
    try:
        with database.session() as session:
            versions.publish(session, version, check_menu_text, actor=_actor())
    except DomainError as exc:
        _problems(exc)
    finally:
        database.dispose()
    click.echo(f"published version {version}")


@menu.command("rollback")
@click.argument("version", type=int, required=False)
def rollback_command(version: int | None) -> None:
    """Publish VERSION again, or by default the version published before the live one."""
    database = _database()
    try:
        with database.session() as session:
            back = versions.rollback(session, check_menu_text, actor=_actor(), number=version)
            number = back.number
    except DomainError as exc:
        _problems(exc)
    finally:
        database.dispose()
    click.echo(f"rolled back: version {number} is live")


@menu.command("list")
def list_command() -> None:
    """The stored versions, newest last; the live one is marked with *."""
    database = _database()
    try:
        with database.session() as session:
            rows = versions.list_versions(session)
            lines = [
                f"{'*' if v.live else ' '} {v.number:>4}  {v.status:<9}  "
                f"{v.created_at:%Y-%m-%d %H:%M}  {v.created_by}  {v.note}".rstrip()
                for v in rows
            ]
    finally:
        database.dispose()
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no menu versions: the bundled default menu is live")


@menu.command("diff")
@click.argument("old", type=int)
@click.argument("new", type=int)
def diff_command(old: int, new: int) -> None:
    """What changes from stored version OLD to version NEW."""
    database = _database()
    try:
        with database.session() as session:
            a = versions.menu_of(versions.get_version(session, old))
            b = versions.menu_of(versions.get_version(session, new))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        database.dispose()
    lines = diff(a, b)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no changes")


@menu.command("install-default")
def install_default_command() -> None:
    """Import and publish the bundled default menu, if the database has no menu yet."""
    database = _database()
    try:
        with database.session() as session:
            installed = versions.ensure_default(session, check_menu_text)
    finally:
        database.dispose()
    click.echo("installed the default menu" if installed else "a menu is already installed")
