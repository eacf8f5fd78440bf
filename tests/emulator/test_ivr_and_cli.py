"""The emulator against our IVR, and `irisline call` through its entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from callbacks.models import Ticket, Voicemail
from irisline.cli import main
from irisline.emulator.callers import ScriptedCaller, parse_script, synth_wav
from irisline.emulator.interpreter import CallSession, Outcome
from irisline.emulator.transport import FlaskTransport
from irisline.settings import Settings

from ..conftest import PUBLIC_BASE_URL
from ..helpers import CLOSED_NOW, OPEN_NOW


def _call(app: Any, settings: Settings, script: str, **kwargs: Any) -> Outcome:
    moment = kwargs.pop("now", OPEN_NOW)
    app.extensions["irisline.clock"] = lambda: moment
    session = CallSession(
        FlaskTransport(app),
        settings.auth_token,
        ScriptedCaller(parse_script(script), **kwargs),
        account_sid=settings.account_sid,
        from_="+32470123456",
        to=settings.TWILIO_PHONE_NUMBER,
    )
    return session.run(PUBLIC_BASE_URL + "/voice/incoming")


def test_callback_through_the_ivr(app: Any, settings: Settings) -> None:
    outcome = _call(app, settings, "2,7")
    assert outcome.error is None and outcome.ended_by == "service"
    languages = [e.language for e in outcome.events if e.kind == "say"]
    assert languages[:2] == ["fr-BE", "nl-BE"] and "en-GB" in languages[:5]
    assert languages[-1] == "nl-BE"
    with app.extensions["irisline.db"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.call_sid == outcome.call_sid and ticket.language == "nl"
    assert " ".join(ticket.reference) in outcome.heard()[-1]
    assert all(x.status == 200 for x in outcome.exchanges)


def test_voicemail_through_the_ivr(app: Any, settings: Settings) -> None:
    outcome = _call(app, settings, "3,6,#", voicemail=(synth_wav(4.0), 4.0))
    assert len(outcome.recordings) == 1 and outcome.error is None
    assert outcome.heard()[-1].startswith("Thank you")
    with app.extensions["irisline.db"].session() as session:
        voicemail = session.scalars(select(Voicemail)).one()
        assert voicemail.recording_sid == outcome.recordings[0]
        assert voicemail.duration == 4 and voicemail.ticket is not None


def test_silent_caller_is_let_go(app: Any, settings: Settings) -> None:
    # Silence everywhere: the language menu, then the main menu in French, then the way out
    # (general information, closed at night): the offer, then voicemail.
    outcome = _call(app, settings, ",".join(["-"] * 12), now=CLOSED_NOW)
    assert outcome.error is None
    paths = [x.url.split("?")[0] for x in outcome.exchanges]
    assert paths[-1].endswith("/voice/voicemail") and len(paths) < 20
    assert any("Information générale" in said for said in outcome.heard())


def _env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "IRISLINE_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "",
        "PUBLIC_BASE_URL": "",
    }


def test_call_script_prints_the_transcript_and_plays_the_callback(
    settings: Settings, tmp_path: Path, always_open: Path
) -> None:
    result = CliRunner().invoke(main, ["call", "--script", "3,7"], env=_env(settings, tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "[fr-BE] Région de Bruxelles-Capitale, bonjour." in out
    assert "[en-GB] For English, press 3." in out
    assert "> keys 3" in out and "> keys 7" in out
    assert "Ended: call-back ticket" in out
    assert "[en-GB] Hello, this is the Brussels-Capital Region calling you back" in out
    assert "Call-back: call-back CA" in out and out.rstrip().endswith("completed")


def test_call_voicemail_file(settings: Settings, tmp_path: Path) -> None:
    wav = tmp_path / "message.wav"
    wav.write_bytes(synth_wav(2.0))
    result = CliRunner().invoke(
        main,
        ["call", "--from", "0470 11 22 33", "--script", "1,6", "--voicemail", str(wav)],
        env=_env(settings, tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "records 2 s of audio" in result.output and "voicemail recorded (RE" in result.output


def test_call_speech_in_a_script(settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["call", "--script", "1", "--say", "je voudrais être rappelé", "--no-callback"],
        env=_env(settings, tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert '> says "je voudrais être rappelé"' in result.output or "rappel" in result.output
    assert "Ended: call-back ticket" in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--script", "1,x"], "'x' is not a key sequence"),
        (["--from", "banana", "--script", "1"], "is not a phone number"),
        (["--script", "1", "--voicemail", "/nonexistent.wav"], "cannot read voicemail file"),
        (["--script", "1", "--url", "ftp://nowhere"], "--url must be an http(s) URL"),
        (["--script", "1", "--url", "http://127.0.0.1:9"], "cannot reach the service"),
        (["--load", "0"], "--load"),
        (["--load", "3", "--paths", "1,z=2"], "--paths"),
    ],
)
def test_call_bad_input_is_one_line(
    settings: Settings, tmp_path: Path, args: list[str], fragment: str
) -> None:
    result = CliRunner().invoke(main, ["call", *args], env=_env(settings, tmp_path))
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_call_corrupt_voicemail_file(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....not audio")
    result = CliRunner().invoke(
        main, ["call", "--script", "1,6", "--voicemail", str(bad)], env=_env(settings, tmp_path)
    )
    assert result.exit_code == 2 and "not a readable WAV file" in result.output


def test_call_against_a_running_service(
    settings: Settings, tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from werkzeug.serving import make_server

    from ivr import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    live = settings.replace(PUBLIC_BASE_URL=base)
    app = create_app({**live.as_environ(), "TESTING": True})
    server = make_server("127.0.0.1", port, app, threaded=True)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**_env(settings, tmp_path), "SECRET_KEY": settings.SECRET_KEY}
        result = CliRunner().invoke(
            main, ["call", "--url", base, "--script", "1,7", "--no-callback"], env=env
        )
        assert result.exit_code == 0, result.output
        assert "Ended: call-back ticket" in result.output
        wrong = {**env, "SECRET_KEY": "another-secret-key-entirely"}
        result = CliRunner().invoke(main, ["call", "--url", base, "--script", "1"], env=wrong)
        assert result.exit_code == 1 and "11200" in result.output and "403" in result.output
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["irisline.db"].dispose()
        app.extensions["irisline.redis"].close()


def test_load_mode(settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["call", "--load", "12", "--rate", "0", "--seed", "3", "--concurrency", "2"],
        env=_env(settings, tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "12 calls in" in result.output and "webhook latency: p50" in result.output
    assert "call-back requested" in result.output and "errors: none" in result.output
