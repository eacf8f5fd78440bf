"""Remembering each caller's language."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .models import Caller


def remembered_language(session: Session, phone: str | None) -> str | None:
    if not phone:
        return None
    caller = session.get(Caller, phone)
    return caller.language if caller else None


def remember_language(session: Session, phone: str | None, language: str) -> None:
    if not phone:
        return
    caller = session.get(Caller, phone)
    if caller is None:
        session.add(Caller(phone=phone, language=language))
    else:
        caller.language = language
