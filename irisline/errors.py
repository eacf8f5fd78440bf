"""Typed domain errors. Each carries the HTTP status and error id the web layer answers with;
`ivr.errors` is the one place that turns them into responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    error_id = "domain-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error_id, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status = 404
    error_id = "not-found"


class InvalidInput(DomainError):
    status = 422
    error_id = "invalid-input"


class Conflict(DomainError):
    status = 409
    error_id = "conflict"
