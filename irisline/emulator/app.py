"""The emulator's REST API, shaped like Twilio's 2010-04-01 API for the resources we use:
Calls (create, fetch, update, list), Messages (create, list), Recordings (list, fetch, media),
Queues and their Members (https://www.twilio.com/docs/voice/api)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from flask import Flask, Response, jsonify, request

from irisline.settings import Settings

from .driver import Driver
from .fates import Fates
from .store import Call, Message, Store, new_sid
from .transport import Transport

API = "/2010-04-01/Accounts/<account_sid>"


def twilio_error(status: int, code: int, message: str) -> tuple[Response, int]:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return jsonify(body), status


def _valid_number(raw: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, None))
    except phonenumbers.NumberParseException:
        return False


def _parse_when(raw: str) -> datetime | None:
    """Twilio's date filters: YYYY-MM-DD, or the twilio library's YYYY-MM-DDTHH:MM:SSZ."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _started_filter(calls: list[Call], args: Any) -> list[Call]:
    """StartTime>, StartTime>=, StartTime<, StartTime<=: a call not yet dialled has no start
    time and never matches."""
    for param, keep in (
        ("StartTime>", lambda t, w: t >= w),
        ("StartTime>=", lambda t, w: t >= w),
        ("StartTime<", lambda t, w: t < w),
        ("StartTime<=", lambda t, w: t <= w),
    ):
        when = _parse_when(args.get(param, ""))
        if when is not None:
            calls = [c for c in calls if c.start_time is not None and keep(c.start_time, when)]
    return calls


def create_emulator_app(
    settings: Settings,
    *,
    store: Store | None = None,
    drive: bool = True,
    transport: Transport | None = None,
    fates: Fates | None = None,
) -> Flask:
    """`transport` carries webhooks to the app (default: HTTP to the URLs in the TwiML);
    `fates` decide what happens to each number dialled."""
    app = Flask("irisline.emulator")
    store = store if store is not None else Store()
    driver = Driver(settings, store, transport=transport, fates=fates)
    app.extensions["emulator.store"] = store
    app.extensions["emulator.driver"] = driver

    def page(key: str, items: list[dict[str, Any]], account_sid: str) -> Response:
        uri = f"/2010-04-01/Accounts/{account_sid}/{key.capitalize()}.json"
        return jsonify(
            {
                key: items,
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": len(items) or 50,
                "start": 0,
                "end": max(len(items) - 1, 0),
            }
        )

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        if not request.path.startswith("/2010-04-01/"):
            return None
        auth = request.authorization
        if (
            auth is None
            or auth.username != settings.account_sid
            or auth.password != settings.auth_token
        ):
            return twilio_error(401, 20003, "Authenticate")
        if request.view_args and request.view_args.get("account_sid") != settings.account_sid:
            return twilio_error(404, 20404, "The requested resource was not found")
        return None

    @app.post(f"{API}/Calls.json")
    def create_call(account_sid: str) -> tuple[Response, int]:
        form = request.form
        to, from_ = form.get("To", ""), form.get("From", "")
        if not to:
            return twilio_error(400, 21201, "No 'To' number is specified")
        if not from_:
            return twilio_error(400, 21213, "No 'From' number is specified")
        if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
            return twilio_error(400, 21205, "Url parameter is required.")
        # A "client:<identity>" target rings a Twilio Client (an agent's softphone).
        if not to.startswith("client:") and not _valid_number(to):
            return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        method = form.get("Method", "POST").upper()
        if method not in ("GET", "POST"):
            return twilio_error(400, 21209, f"Invalid Method: {method}")
        call = Call(
            sid=new_sid("CA"),
            account_sid=account_sid,
            to=to,
            from_=from_,
            url=form.get("Url"),
            method=method,
            status_callback=form.get("StatusCallback"),
            # Twilio's default: only the final event (completed, busy, no-answer, ...).
            status_callback_events=form.getlist("StatusCallbackEvent") or ["completed"],
            status_callback_method=form.get("StatusCallbackMethod", "POST").upper(),
            machine_detection=form.get("MachineDetection"),
            twiml=form.get("Twiml"),
        )
        store.add_call(call)
        if drive:
            threading.Thread(target=driver.run_outbound, args=(call,), daemon=True).start()
        return jsonify(call.to_json()), 201

    @app.get(f"{API}/Calls/<sid>.json")
    def fetch_call(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        call = store.calls.get(sid)
        if call is None:
            return twilio_error(
                404, 20404, f"The requested resource /Calls/{sid}.json was not found"
            )
        return jsonify(call.to_json())

    @app.post(f"{API}/Calls/<sid>.json")
    def update_call(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        """Hang up (Status=completed), cancel (Status=canceled) or redirect (Url) a call."""
        call = store.calls.get(sid)
        if call is None:
            return twilio_error(
                404, 20404, f"The requested resource /Calls/{sid}.json was not found"
            )
        form = request.form
        live = call.status in ("queued", "initiated", "ringing", "in-progress")
        if not live:
            return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        status = form.get("Status")
        if status in ("completed", "canceled"):
            if status == "canceled" and call.status == "in-progress":
                return jsonify(call.to_json())  # Twilio: cancel does not end an answered call
            call.pending = ("hangup", status)
        elif status:
            return twilio_error(400, 21218, f"Invalid Status: {status}")
        elif form.get("Url"):
            call.pending = ("redirect", form["Url"], form.get("Method", "POST").upper())
        elif form.get("Twiml"):
            return twilio_error(400, 21205, "Twiml updates are not emulated; use Url")
        store.log("call.updated", sid=sid, pending=list(call.pending or ()))
        return jsonify(call.to_json())

    @app.get(f"{API}/Calls.json")
    def list_calls(account_sid: str) -> Response:
        calls = sorted(store.calls.values(), key=lambda c: c.created, reverse=True)
        if to := request.args.get("To"):
            calls = [c for c in calls if c.to == to]
        if status := request.args.get("Status"):
            calls = [c for c in calls if c.status == status]
        calls = _started_filter(calls, request.args)
        return page("calls", [c.to_json() for c in calls], account_sid)

    @app.post(f"{API}/Messages.json")
    def create_message(account_sid: str) -> tuple[Response, int]:
        form = request.form
        to, body = form.get("To", ""), form.get("Body", "")
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not _valid_number(to):
            return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not body:
            return twilio_error(400, 21602, "Message body is required.")
        message = Message(
            sid=new_sid("SM"), account_sid=account_sid, to=to, from_=form.get("From", ""), body=body
        )
        store.add_message(message)
        return jsonify(message.to_json()), 201

    @app.get(f"{API}/Messages.json")
    def list_messages(account_sid: str) -> Response:
        messages = sorted(store.messages.values(), key=lambda m: m.created, reverse=True)
        if to := request.args.get("To"):
            messages = [m for m in messages if m.to == to]
        return page("messages", [m.to_json() for m in messages], account_sid)

    # --- recordings ----------------------------------------------------------------------

    @app.get(f"{API}/Recordings.json")
    @app.get(f"{API}/Calls/<call_sid>/Recordings.json")
    def list_recordings(account_sid: str, call_sid: str | None = None) -> Response:
        recordings = sorted(store.recordings.values(), key=lambda r: r.created, reverse=True)
        call_sid = call_sid or request.args.get("CallSid")
        if call_sid:
            recordings = [r for r in recordings if r.call_sid == call_sid]
        return page("recordings", [r.to_json() for r in recordings], account_sid)

    @app.get(f"{API}/Recordings/<sid>.json")
    def fetch_recording(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        recording = store.recordings.get(sid)
        if recording is None:
            return twilio_error(
                404, 20404, f"The requested resource /Recordings/{sid} was not found"
            )
        return jsonify(recording.to_json())

    @app.get(f"{API}/Recordings/<sid>")
    @app.get(f"{API}/Recordings/<sid>.wav")
    def recording_media(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        recording = store.recordings.get(sid)
        if recording is None:
            return twilio_error(
                404, 20404, f"The requested resource /Recordings/{sid} was not found"
            )
        return Response(recording.audio, mimetype="audio/x-wav")

    # --- queues ----------------------------------------------------------------------------

    def find_queue(sid: str) -> Any:
        return store.queues.get(sid)

    @app.get(f"{API}/Queues.json")
    def list_queues(account_sid: str) -> Response:
        return page("queues", [q.to_json() for q in store.queues.values()], account_sid)

    @app.post(f"{API}/Queues.json")
    def create_queue(account_sid: str) -> tuple[Response, int]:
        name = request.form.get("FriendlyName", "")
        if not name or len(name) > 64:
            return twilio_error(400, 20002, "Invalid FriendlyName")
        if store.queue(name, account_sid, create=False) is not None:
            return twilio_error(400, 22003, f"A queue named {name} already exists")
        queue = store.queue(name, account_sid)
        assert queue is not None
        if max_size := request.form.get("MaxSize"):
            queue.max_size = int(max_size)
        return jsonify(queue.to_json()), 201

    @app.get(f"{API}/Queues/<sid>.json")
    def fetch_queue(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        queue = find_queue(sid)
        if queue is None:
            return twilio_error(
                404, 20404, f"The requested resource /Queues/{sid}.json was not found"
            )
        return jsonify(queue.to_json())

    @app.post(f"{API}/Queues/<sid>.json")
    def update_queue(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        queue = find_queue(sid)
        if queue is None:
            return twilio_error(
                404, 20404, f"The requested resource /Queues/{sid}.json was not found"
            )
        if max_size := request.form.get("MaxSize"):
            queue.max_size = int(max_size)
        if name := request.form.get("FriendlyName"):
            queue.friendly_name = name
        return jsonify(queue.to_json())

    @app.get(f"{API}/Queues/<sid>/Members.json")
    def list_members(account_sid: str, sid: str) -> Response | tuple[Response, int]:
        queue = find_queue(sid)
        if queue is None:
            return twilio_error(404, 20404, f"The requested resource /Queues/{sid} was not found")
        return page("queue_members", [queue.member_json(m) for m in queue.members], account_sid)

    def find_member(queue: Any, call_sid: str) -> Any:
        if call_sid == "Front":
            return next((m for m in queue.members if m.taken is None), None)
        return next((m for m in queue.members if m.call_sid == call_sid), None)

    @app.get(f"{API}/Queues/<sid>/Members/<call_sid>.json")
    def fetch_member(account_sid: str, sid: str, call_sid: str) -> Response | tuple[Response, int]:
        queue = find_queue(sid)
        member = find_member(queue, call_sid) if queue else None
        if member is None:
            return twilio_error(
                404, 20404, f"The requested resource /Members/{call_sid} was not found"
            )
        return jsonify(queue.member_json(member))

    @app.post(f"{API}/Queues/<sid>/Members/<call_sid>.json")
    def dequeue_member(
        account_sid: str, sid: str, call_sid: str
    ) -> Response | tuple[Response, int]:
        """Dequeue a member: its call leaves the queue and runs the TwiML at Url."""
        queue = find_queue(sid)
        member = find_member(queue, call_sid) if queue else None
        if member is None:
            return twilio_error(
                404, 20404, f"The requested resource /Members/{call_sid} was not found"
            )
        url = request.form.get("Url")
        if not url:
            return twilio_error(400, 21205, "Url parameter is required.")
        body = queue.member_json(member)
        member.taken = ("redirect", url, request.form.get("Method", "POST").upper())
        return jsonify(body)

    @app.get("/")
    def index() -> Response:
        now = datetime.now(UTC).isoformat()
        return jsonify(
            {
                "emulator": "irisline Twilio emulator",
                "at": now,
                "calls": [
                    c.to_json() | {"heard": c.heard, "said": c.said} for c in store.calls.values()
                ],
                "messages": [m.to_json() for m in store.messages.values()],
                "recordings": [r.to_json() for r in store.recordings.values()],
                "queues": [q.to_json() for q in store.queues.values()],
                "notifications": list(store.notifications),
            }
        )

    return app
