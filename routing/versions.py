"""Menu versions in the database: import as draft, publish (one atomic switch), roll back.

A version's YAML is stored as written. Publishing re-validates it, so a menu that fails
validation can never become live, whatever path it took into the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import Conflict, InvalidInput, NotFound

from .menu import Menu, default_menu_text, parse_menu
from .models import MenuVersion

Validator = Callable[[str], Sequence[object]]


class MenuRejected(InvalidInput):
    error_id = "menu-invalid"

    def __init__(self, problems: Sequence[object]) -> None:
        super().__init__(
            f"the menu has {len(problems)} problem(s)", problems=[str(p) for p in problems]
        )
        self.problems = list(problems)


def checksum(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def import_draft(
    session: Session, source: str, *, created_by: str = "system", note: str = ""
) -> MenuVersion:
    """Store `source` as the next version number, in draft."""
    number = (session.scalar(select(func.max(MenuVersion.number))) or 0) + 1
    version = MenuVersion(
        number=number,
        status="draft",
        source=source,
        checksum=checksum(source),
        note=note,
        created_by=created_by,
    )
    session.add(version)
    session.flush()
    return version


def get_version(session: Session, number: int) -> MenuVersion:
    version = session.scalars(select(MenuVersion).where(MenuVersion.number == number)).first()
    if version is None:
        raise NotFound(f"no menu version {number}", version=number)
    return version


def published(session: Session) -> MenuVersion | None:
    return session.scalars(select(MenuVersion).where(MenuVersion.live == 1)).first()


def list_versions(session: Session) -> list[MenuVersion]:
    return list(session.scalars(select(MenuVersion).order_by(MenuVersion.number)))


def publish(session: Session, number: int, validate: Validator, *, actor: str) -> MenuVersion:
    """Make version `number` the live menu, in one transaction.

    Calls already in progress keep the version their call record names.
    """
    # Lock the live row first so that two concurrent publishes serialise.
    current = session.scalars(
        select(MenuVersion).where(MenuVersion.live == 1).with_for_update()
    ).first()
    version = get_version(session, number)
    problems = validate(version.source)
    if problems:
        raise MenuRejected(problems)
    if current is not None and current.id == version.id:
        raise Conflict(f"menu version {number} is already published", version=number)
    if current is not None:
        current.live = None
        current.status = "archived"
        session.flush()
    version.live = 1
    version.status = "published"
    version.published_at = utcnow()
    version.published_by = actor
    session.flush()
    return version


def rollback(
    session: Session, validate: Validator, *, actor: str, number: int | None = None
) -> MenuVersion:
    """Publish an earlier version again: `number`, or the one published before the live one."""
    if number is None:
        current = published(session)
        earlier = select(MenuVersion).where(MenuVersion.published_at.is_not(None))
        if current is not None:
            earlier = earlier.where(MenuVersion.id != current.id)
        previous = session.scalars(earlier.order_by(MenuVersion.published_at.desc())).first()
        if previous is None:
            raise Conflict("no earlier published menu version to roll back to")
        number = previous.number
    return publish(session, number, validate, actor=actor)


# ---- the menu a call plays -----------------------------------------------------------------

_parsed: dict[str, Menu] = {}


def menu_of(version: MenuVersion | None) -> Menu:
    """The parsed menu of `version` (the bundled default when None), cached by checksum:
    a version's YAML never changes once stored."""
    if version is None:
        key, text, source = "default", default_menu_text(), "default.yaml"
    else:
        key, text, source = version.checksum, version.source, f"menu version {version.number}"
    menu = _parsed.get(key)
    if menu is None:
        menu = parse_menu(text, source)
        _parsed[key] = menu
    return menu


def live(session: Session) -> tuple[int | None, Menu]:
    """The published version's id and menu; with nothing published, the bundled default."""
    version = published(session)
    return (version.id if version else None), menu_of(version)


def for_call(session: Session, version_id: int | None) -> tuple[int | None, Menu]:
    """The menu of the version a call started on; the live one if that version is gone."""
    if version_id is not None:
        version = session.get(MenuVersion, version_id)
        if version is not None:
            return version.id, menu_of(version)
    return live(session)


def ensure_default(session: Session, validate: Validator, *, actor: str = "install") -> bool:
    """Import and publish the bundled default menu when no version exists yet (first run)."""
    if session.scalar(select(func.count()).select_from(MenuVersion)):
        return False
    draft = import_draft(session, default_menu_text(), created_by=actor, note="bundled default")
    publish(session, draft.number, validate, actor=actor)
    return True
