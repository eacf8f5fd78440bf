"""The emulator's memory: calls and messages, plus an append-only log of every REST request
that created something (the crash tests read it to prove nobody was dialled twice)."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def rfc2822(at: datetime | None) -> str | None:
    return format_datetime(at, usegmt=True) if at else None


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    method: str
    status_callback: str | None
    status_callback_events: list[str]
    direction: str = "outbound-api"
    status: str = "queued"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    answered_by: str | None = None
    heard: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}.json"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "to_formatted": self.to,
            "from": self.from_,
            "from_formatted": self.from_,
            "status": self.status,
            "direction": self.direction,
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.updated),
            "start_time": rfc2822(self.start_time),
            "end_time": rfc2822(self.end_time),
            "duration": None if self.duration is None else str(self.duration),
            "answered_by": self.answered_by,
            "api_version": "2010-04-01",
            "parent_call_sid": None,
            "price": None,
            "price_unit": "USD",
            "caller_name": None,
            "forwarded_from": None,
            "group_sid": None,
            "phone_number_sid": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": uri,
            "subresource_uris": {
                "recordings": uri.replace(".json", "/Recordings.json"),
                "notifications": uri.replace(".json", "/Notifications.json"),
            },
        }


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status: str = "queued"
    direction: str = "outbound-api"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status": self.status,
            "direction": self.direction,
            "num_segments": "1",
            "num_media": "0",
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.created),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "api_version": "2010-04-01",
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}.json",
            "subresource_uris": {},
        }


class Store:
    def __init__(self, log_path: str | Path | None = None) -> None:
        self.calls: dict[str, Call] = {}
        self.messages: dict[str, Message] = {}
        self.log_path = Path(log_path) if log_path else None
        self.lock = threading.Lock()

    def log(self, event: str, **fields: Any) -> None:
        if self.log_path is None:
            return
        line = json.dumps({"at": datetime.now(UTC).isoformat(), "event": event, **fields})
        with self.lock, self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def add_call(self, call: Call) -> None:
        with self.lock:
            self.calls[call.sid] = call
        self.log(
            "call.created",
            sid=call.sid,
            to=call.to,
            url=call.url,
            status_callback=call.status_callback,
        )

    def add_message(self, message: Message) -> None:
        with self.lock:
            self.messages[message.sid] = message
        self.log("message.created", sid=message.sid, to=message.to, body=message.body)
