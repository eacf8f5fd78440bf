"""The minimal emulator answers the twilio client the way Twilio's API does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from irisline.emulator import Store, create_emulator_app
from irisline.settings import Settings
from irisline.telephony import EmulatorHttpClient, ProviderRejected, TwilioProvider, make_client


@pytest.fixture
def emulated(settings: Settings, serve: Callable[[Any], Any]) -> tuple[Settings, Store]:
    store = Store()
    served = serve(create_emulator_app(settings, store=store, drive=False))
    return settings.replace(IRISLINE_EMULATOR_URL=served.url), store


def test_calls_create_fetch_list(emulated: tuple[Settings, Store]) -> None:
    settings, store = emulated
    client = make_client(settings)
    call = client.calls.create(to="+32470123456", from_="+3228001000", url="http://x/answer")
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued" and call.direction == "outbound-api"
    assert client.calls(call.sid).fetch().to == "+32470123456"
    assert [c.sid for c in client.calls.list(to="+32470123456")] == [call.sid]
    assert list(store.calls) == [call.sid]


def test_messages_create_and_list(emulated: tuple[Settings, Store]) -> None:
    settings, store = emulated
    client = make_client(settings)
    message = client.messages.create(to="+32470123456", from_="+3228001000", body="Bonjour")
    assert message.sid.startswith("SM")
    assert [m.body for m in client.messages.list(to="+32470123456")] == ["Bonjour"]


def test_invalid_number_is_error_21211(emulated: tuple[Settings, Store]) -> None:
    settings, _ = emulated
    with pytest.raises(TwilioRestException) as info:
        make_client(settings).calls.create(to="+3212", from_="+3228001000", url="http://x/a")
    assert (info.value.status, info.value.code) == (400, 21211)
    with pytest.raises(ProviderRejected):
        TwilioProvider(settings).place_callback_call(to="+3212", reference="1", attempt_key="1-1")


def test_wrong_credentials_are_refused(emulated: tuple[Settings, Store]) -> None:
    settings, store = emulated
    http = EmulatorHttpClient(settings.IRISLINE_EMULATOR_URL)
    client = Client(settings.account_sid, "wrong", http_client=http)
    with pytest.raises(TwilioRestException) as info:
        client.calls.create(to="+32470123456", from_="+3228001000", url="http://x/a")
    assert (info.value.status, info.value.code) == (401, 20003)
    assert store.calls == {}


def test_unknown_call_is_404(emulated: tuple[Settings, Store]) -> None:
    settings, _ = emulated
    with pytest.raises(TwilioRestException) as info:
        make_client(settings).calls("CA" + "0" * 32).fetch()
    assert info.value.status == 404
