"""The emulator's memory: calls, messages, recordings, queues and the debugger's notifications,
plus an append-only JSONL log of every event (the crash tests read it to prove nobody was
dialled twice). Nothing is kept in the application's database."""

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
    status_callback_method: str = "POST"
    sequence: int = 0
    status: str = "queued"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    answered_by: str | None = None
    machine_detection: str | None = None
    heard: list[str] = field(default_factory=list)
    said: list[dict[str, str | None]] = field(default_factory=list)
    twiml: str | None = None
    queue_time: int = 0
    # Set by a REST update while the call runs: ("redirect", url, method) or ("hangup", status).
    pending: tuple[str, ...] | None = None

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
            "queue_time": str(self.queue_time),
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


@dataclass
class Recording:
    sid: str
    account_sid: str
    call_sid: str
    duration: int
    audio: bytes
    source: str = "RecordVerb"
    status: str = "completed"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{self.sid}.json"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "call_sid": self.call_sid,
            "conference_sid": None,
            "api_version": "2010-04-01",
            "channels": 1,
            "duration": str(self.duration),
            "status": self.status,
            "source": self.source,
            "start_time": rfc2822(self.created),
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.created),
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "encryption_details": None,
            "track": "both",
            "uri": uri,
            "media_url": uri.replace(".json", ""),
            "subresource_uris": {
                "transcriptions": uri.replace(".json", "/Transcriptions.json"),
            },
        }


@dataclass
class Member:
    call_sid: str
    enqueued: float  # simulated seconds of the member's call
    joined: datetime = field(default_factory=lambda: datetime.now(UTC))
    # What took the member out of the queue: ("bridged", dequeuer sid) or ("redirect", url, m)
    taken: tuple[str, ...] | None = None


@dataclass
class Queue:
    sid: str
    account_sid: str
    friendly_name: str
    max_size: int = 1000
    members: list[Member] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def average_wait(self) -> int:
        return round(sum(self.waits) / len(self.waits)) if self.waits else 0

    def to_json(self) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Queues/{self.sid}.json"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "current_size": len(self.members),
            "max_size": self.max_size,
            "average_wait_time": self.average_wait(),
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.created),
            "uri": uri,
            "subresource_uris": {"members": uri.replace(".json", "/Members.json")},
        }

    def member_json(self, member: Member) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "call_sid": member.call_sid,
            "queue_sid": self.sid,
            "date_enqueued": rfc2822(member.joined),
            "position": self.members.index(member) + 1 if member in self.members else 0,
            "wait_time": int((now - member.joined).total_seconds()),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Queues/{self.sid}/Members/"
            f"{member.call_sid}.json",
        }


class Store:
    def __init__(self, log_path: str | Path | None = None) -> None:
        self.calls: dict[str, Call] = {}
        self.messages: dict[str, Message] = {}
        self.recordings: dict[str, Recording] = {}
        self.queues: dict[str, Queue] = {}
        self.notifications: list[dict[str, Any]] = []
        self.log_path = Path(log_path) if log_path else None
        self.lock = threading.RLock()

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

    def add_recording(self, recording: Recording) -> None:
        with self.lock:
            self.recordings[recording.sid] = recording
        self.log(
            "recording.created",
            sid=recording.sid,
            call_sid=recording.call_sid,
            duration=recording.duration,
        )

    def notify(self, call_sid: str, notification: Any) -> None:
        entry = {"call_sid": call_sid, **notification.to_json()}
        with self.lock:
            self.notifications.append(entry)
        self.log("notification", **entry)

    # --- queues --------------------------------------------------------------------------

    def queue(self, name: str, account_sid: str, create: bool = True) -> Queue | None:
        with self.lock:
            for queue in self.queues.values():
                if queue.friendly_name == name:
                    return queue
            if not create:
                return None
            queue = Queue(new_sid("QU"), account_sid, name)
            self.queues[queue.sid] = queue
            return queue

    def join(self, queue: Queue, call_sid: str, at: float) -> Member | None:
        """Add a call at the back; None when the queue is full."""
        with self.lock:
            if len(queue.members) >= queue.max_size:
                return None
            member = Member(call_sid, at)
            queue.members.append(member)
        self.log("queue.joined", queue=queue.friendly_name, call_sid=call_sid)
        return member

    def leave(self, queue: Queue, member: Member, waited: float) -> None:
        with self.lock:
            if member in queue.members:
                queue.members.remove(member)
            queue.waits.append(waited)
        self.log("queue.left", queue=queue.friendly_name, call_sid=member.call_sid)

    def take_front(self, queue: Queue, taken: tuple[str, ...]) -> Member | None:
        with self.lock:
            for member in queue.members:
                if member.taken is None:
                    member.taken = taken
                    return member
        return None
