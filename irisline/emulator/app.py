"""The emulator's REST API, shaped like Twilio's 2010-04-01 API for the resources we use."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from flask import Flask, Response, jsonify, request

from irisline.settings import Settings

from .driver import Driver
from .store import Call, Message, Store, new_sid

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
    settings: Settings, *, store: Store | None = None, drive: bool = True
) -> Flask:
    app = Flask("irisline.emulator")
    store = store or Store()
    driver = Driver(settings, store)
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
        call = Call(
            sid=new_sid("CA"),
            account_sid=account_sid,
            to=to,
            from_=from_,
            url=form.get("Url"),
            method=form.get("Method", "POST"),
            status_callback=form.get("StatusCallback"),
            status_callback_events=form.getlist("StatusCallbackEvent") or ["completed"],
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

    @app.get("/")
    def index() -> Response:
        now = datetime.now(UTC).isoformat()
        return jsonify(
            {
                "emulator": "irisline Twilio emulator",
                "at": now,
                "calls": [c.to_json() | {"heard": c.heard} for c in store.calls.values()],
                "messages": [m.to_json() for m in store.messages.values()],
            }
        )

    return app
