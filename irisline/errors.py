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
    """Bad input. `field=` names the offending field, or `fields={name: message}` several; the
    JSON answer always carries `fields`."""

    status = 422
    error_id = "invalid-input"

    @property
    def fields(self) -> dict[str, str]:
        fields = self.details.get("fields")
        if isinstance(fields, dict):
            return {str(k): str(v) for k, v in fields.items()}
        if "field" in self.details:
            return {str(self.details["field"]): self.message}
        return {}

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["fields"] = self.fields
        body.get("details", {}).pop("fields", None)
        if body.get("details") == {}:
            del body["details"]
        return body


class Conflict(DomainError):
    status = 409
    error_id = "conflict"
