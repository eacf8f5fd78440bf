"""The public JSON API and the agents' API, through the Flask test client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner
from redis import Redis
from rq import Queue
from sqlalchemy import select

from callbacks.models import Notification, Ticket
from irisline.cli import main
from irisline.settings import Settings
from ivr import create_app

from .conftest import OPEN_NOW, bxl

BODY = {"phone": "0470 12 34 56", "service": "housing", "language": "nl"}


@pytest.fixture
def api(app: Any) -> Any:
    app.extensions["irisline.clock"] = lambda: OPEN_NOW
    return app.test_client()


def test_services(api: Any) -> None:
    response = api.get("/api/services")
    assert response.status_code == 200
    services = response.get_json()
    ids = [s["id"] for s in services]
    assert ids == [
        "taxes",
        "housing",
        "mobility",
        "employment",
        "social",
        "urbanism",
        "civil_status",
        "general",
    ]
    # Housing's hours in routing/services.yaml: Tuesdays 09:00-12:30 and 13:30-16:00.
    housing = services[1]
    assert set(housing["names"]) == {"fr", "nl", "en"}
    assert housing["names"]["nl"] == "Huisvesting"
    assert housing["open_now"] is True
    assert datetime.fromisoformat(housing["next_opening"]) == bxl(2026, 6, 2, 13, 30)
    urbanism = services[5]
    assert urbanism["open_now"] is True  # Tuesdays 09:00-12:00
    assert datetime.fromisoformat(urbanism["next_opening"]) == bxl(2026, 6, 3, 13, 0)


def test_create_status_cancel(api: Any, app: Any, redis_conn: Redis) -> None:
    response = api.post("/api/callbacks", json={**BODY, "note": "about my rent"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "scheduled"
    assert created["reference"].isdigit() and created["token"]
    window = created["expected_window"]
    assert datetime.fromisoformat(window["start"]) == OPEN_NOW
    assert datetime.fromisoformat(window["end"]) == bxl(2026, 6, 2, 12, 30)
    assert Queue("notify", connection=redis_conn).count == 1
    ref, token = created["reference"], created["token"]

    assert api.get(f"/api/callbacks/{ref}").status_code == 403
    assert api.get(f"/api/callbacks/{ref}?token=wrong").status_code == 403
    assert api.get("/api/callbacks/99999999?token=x").status_code == 404
    assert api.get("/api/callbacks/x%00y?token=x").status_code == 404
    status = api.get(f"/api/callbacks/{ref}?token={token}")
    assert status.status_code == 200 and status.get_json()["reference"] == ref
    by_header = api.get(f"/api/callbacks/{ref}", headers={"X-Callback-Token": token})
    assert by_header.get_json()["status"] == "scheduled"

    again = api.post("/api/callbacks", json={**BODY, "phone": "+32470123456"})
    assert again.status_code == 201
    assert again.get_json()["reference"] == ref and again.get_json()["merged"] is True
    assert "token" not in again.get_json()

    cancelled = api.post(f"/api/callbacks/{ref}/cancel", headers={"X-Callback-Token": token})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.delete(f"/api/callbacks/{ref}?token={token}").status_code == 200
    with app.extensions["irisline.db"].session() as session:
        kinds = [n.kind for n in session.scalars(select(Notification).order_by(Notification.id))]
        assert kinds == ["confirmation", "merged", "cancelled"]


def test_preferred_window(api: Any) -> None:
    ok = api.post(
        "/api/callbacks",
        json={
            **BODY,
            "preferred_window": {"start": "2026-06-04T14:00", "end": "2026-06-04T16:00:00+02:00"},
        },
    )
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["expected_window"] == {
        "start": "2026-06-04T14:00:00+02:00",
        "end": "2026-06-04T16:00:00+02:00",
    }
    assert ok.get_json()["preferred_window"]["start"] == "2026-06-04T14:00:00+02:00"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"phone", "service", "language"}),
        ({**BODY, "phone": "0900 12 345"}, {"phone"}),
        ({**BODY, "phone": "112"}, {"phone"}),
        ({**BODY, "phone": "+1 202 555 0143"}, {"phone"}),
        ({**BODY, "phone": 470123456}, {"phone"}),
        ({**BODY, "phone": "0470\x00123456"}, {"phone"}),
        ({**BODY, "service": "pizza"}, {"service"}),
        ({**BODY, "language": "de"}, {"language"}),
        ({**BODY, "note": "x" * 5000}, {"note"}),
        ({**BODY, "note": ["a"]}, {"note"}),
        ({**BODY, "preferred_window": "tomorrow"}, {"preferred_window"}),
        ({**BODY, "preferred_window": {"start": "yesterday", "end": 3}}, {"preferred_window"}),
        (
            {**BODY, "preferred_window": {"start": "2026-06-04T16:00", "end": "2026-06-04T14:00"}},
            {"preferred_window"},
        ),
        (
            {**BODY, "preferred_window": {"start": "2026-06-04T19:00", "end": "2026-06-04T22:00"}},
            {"preferred_window"},
        ),
        (
            {**BODY, "preferred_window": {"start": "2020-01-01T09:00", "end": "2020-01-01T10:00"}},
            {"preferred_window"},
        ),
        ([1, 2], {"body"}),
        ("just a string", {"body"}),
        (None, {"body"}),
    ],
)
def test_invalid_input_is_422_with_fields(api: Any, body: Any, fields: set[str]) -> None:
    response = api.post("/api/callbacks", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["error"] == "invalid-input"
    assert set(answer["fields"]) == fields


@pytest.mark.parametrize(
    "raw", [b"{not json", b"\xff\xfe\x00", b"", b'{"phone": {"$gt": ""}}', b"[" * 5000]
)
def test_garbage_bodies_never_500(api: Any, raw: bytes) -> None:
    for content_type in ("application/json", "text/plain"):
        response = api.post("/api/callbacks", data=raw, content_type=content_type)
        assert response.status_code == 422


def test_rate_limits(settings: Settings) -> None:
    app = create_app(
        {
            **settings.as_environ(),
            "TESTING": True,
            "IRISLINE_RATE_LIMIT_PER_NUMBER": "2",
            "IRISLINE_RATE_LIMIT_PER_ADDRESS": "4",
        }
    )
    app.extensions["irisline.clock"] = lambda: OPEN_NOW
    client = app.test_client()
    try:
        codes = [client.post("/api/callbacks", json=BODY).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        other = client.post("/api/callbacks", json={**BODY, "phone": "0470 99 88 77"})
        assert other.status_code == 201
        limited = client.post("/api/callbacks", json={**BODY, "phone": "0470 99 88 66"})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.get_json()["error"] == "rate-limited"
    finally:
        app.extensions["irisline.db"].dispose()
        app.extensions["irisline.redis"].close()


def test_default_per_number_limit(api: Any) -> None:
    codes = [api.post("/api/callbacks", json=BODY).status_code for _ in range(8)]
    assert codes[0] == 201 and 429 in codes


def test_agent_api(api: Any, app: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in settings.as_environ().items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        main, ["agent", "create", "ana", "--services", "housing,taxes", "--languages", "nl,fr"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}

    assert api.post("/api/agent/claim").status_code == 401
    assert api.post("/api/agent/claim", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert api.get("/api/agent/me", headers=auth).get_json()["services"] == ["housing", "taxes"]
    assert api.post("/api/agent/claim", headers=auth).get_json() == {"ticket": None}

    ref = api.post("/api/callbacks", json=BODY).get_json()["reference"]
    claimed = api.post("/api/agent/claim", headers=auth).get_json()["ticket"]
    assert claimed["reference"] == ref and claimed["status"] == "claimed"
    assert claimed["phone"] == "+32470123456"
    note = api.post(f"/api/agent/tickets/{ref}/note", headers=auth, json={"text": "call after 3"})
    assert "call after 3" in note.get_json()["note"]
    bad = api.post(f"/api/agent/tickets/{ref}/outcome", headers=auth, json={"outcome": 7})
    assert bad.status_code == 422 and "outcome" in bad.get_json()["fields"]
    done = api.post(
        f"/api/agent/tickets/{ref}/outcome", headers=auth, json={"outcome": "no-answer"}
    )
    assert done.status_code == 200 and done.get_json()["status"] == "retry"
    moved = api.post(f"/api/agent/tickets/{ref}/transfer", headers=auth, json={"service": "taxes"})
    assert moved.get_json()["service"] == "taxes"
    again = api.post(
        f"/api/agent/tickets/{ref}/outcome", headers=auth, json={"outcome": "completed"}
    )
    assert again.status_code == 409
    with app.extensions["irisline.db"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "scheduled" and ticket.service == "taxes"


def test_sla_hours_setting_sets_the_deadline_and_the_sweep_escalates(settings: Settings) -> None:
    from datetime import timedelta

    from workers import jobs, runtime

    app = create_app({**settings.as_environ(), "TESTING": True, "IRISLINE_SLA_HOURS": "2"})
    app.extensions["irisline.clock"] = lambda: OPEN_NOW
    rt = runtime.Runtime.from_settings(settings.replace(IRISLINE_SLA_HOURS="2"))
    runtime.install(rt)
    try:
        assert app.test_client().post("/api/callbacks", json=BODY).status_code == 201
        with app.extensions["irisline.db"].session() as session:
            ticket = session.scalars(select(Ticket)).one()
            assert ticket.sla_deadline == OPEN_NOW + timedelta(hours=2)
        # OPEN_NOW is in the past: the deadline has passed, so the periodic sweep escalates.
        assert jobs.sweep_callbacks()["escalated"] == [ticket.reference]
        with app.extensions["irisline.db"].session() as session:
            ticket = session.scalars(select(Ticket)).one()
            assert ticket.escalated_at is not None and ticket.priority == 1
    finally:
        runtime.install(None)
        rt.db.dispose()
        rt.redis.close()
        app.extensions["irisline.db"].dispose()
        app.extensions["irisline.redis"].close()
