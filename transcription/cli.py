"""``irisline transcribe``: transcribe one recording, or score the models on a labelled set.

One file::

    irisline transcribe message.wav --language fr [--json] [--triage] [--model DIR]

Evaluation (``--eval MANIFEST``): word error rate (jiwer) and real-time factor over a set.
The manifest is JSON Lines (one object per line) or, if its name ends in ``.csv``, CSV with a
header row. Fields: ``path`` (relative to the manifest's folder), ``text`` (the reference
transcript; empty for silence) and optionally ``language`` (else ``--language``). Example::

    {"path": "a.wav", "text": "je voudrais une attestation", "language": "fr"}

Models come from ``IRISLINE_VOSK_MODEL_<LANG>``, or ``--model`` for the chosen language.
Bad input exits 1 with a one-line reason; a language without a model exits 3 ("needs listening").
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .audio import DEFAULT_MAX_SECONDS, decode
from .errors import TranscriptionError
from .registry import ModelRegistry, from_environ, normalise_language
from .transcript import NeedsListening, Transcript
from .voicemail import analyse
from .voicemail import transcribe as transcribe_recording

EXIT_BAD_INPUT = 1
EXIT_NEEDS_LISTENING = 3


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"irisline transcribe: {message}", err=True)
    sys.exit(code)


@click.command("transcribe")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--language", "-l", help="Language code (fr, nl, en...). Default: the only model.")
@click.option("--json", "as_json", is_flag=True, help="Print the transcript as JSON.")
@click.option("--triage", "with_triage", is_flag=True, help="Add triage and redacted text.")
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    help="A Vosk model directory for --language (instead of IRISLINE_VOSK_MODEL_<LANG>).",
)
@click.option(
    "--eval",
    "manifest",
    type=click.Path(path_type=Path),
    help="Score a labelled set (JSONL or CSV manifest) instead of transcribing FILE.",
)
@click.option(
    "--max-seconds",
    type=float,
    default=DEFAULT_MAX_SECONDS,
    show_default=True,
    help="Reject longer recordings.",
)
def transcribe(
    file: Path | None,
    language: str | None,
    as_json: bool,
    with_triage: bool,
    model_dir: Path | None,
    manifest: Path | None,
    max_seconds: float,
) -> None:
    """Transcribe FILE offline with Vosk, or evaluate with --eval MANIFEST."""
    if (file is None) == (manifest is None):
        raise click.UsageError("give either FILE or --eval MANIFEST")
    try:
        language = normalise_language(language) if language else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--language") from exc
    registry = _registry(language, model_dir)
    if manifest is not None:
        _evaluate(manifest, language, registry, max_seconds, as_json)
        return
    assert file is not None
    language = language or _only_language(registry)
    try:
        # Decode first: a bad file is reported at once, before seconds of model loading.
        audio = decode(file, max_seconds=max_seconds)
        if registry.path_for(language) is not None:
            registry.preload([language])
        result = transcribe_recording(audio, language, registry=registry)
    except TranscriptionError as exc:
        _fail(f"{file}: {exc.reason}")
        return
    if isinstance(result, NeedsListening):
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        _fail(f"{file}: needs listening: {result.reason}", EXIT_NEEDS_LISTENING)
        return
    payload = result.to_dict()
    if with_triage:
        analysis = analyse(result)
        payload["triage"] = analysis.triage.to_dict() if analysis.triage else None
        payload["display_text"] = analysis.display_text
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo(result.text)
    if with_triage:
        click.echo(json.dumps(payload["triage"], ensure_ascii=False), err=True)
    click.echo(
        f"[{result.model}] {result.audio_duration:.1f}s audio, RTF {result.real_time_factor:.2f}, "
        f"mean confidence {_fmt(result.mean_confidence)}",
        err=True,
    )


def _registry(language: str | None, model_dir: Path | None) -> ModelRegistry:
    registry = from_environ(os.environ)
    if model_dir is None:
        return registry
    if language is None:
        raise click.UsageError("--model needs --language")
    paths = {lang: registry.path_for(lang) for lang in registry.languages}
    return ModelRegistry({**{k: v for k, v in paths.items() if v}, language: model_dir})


def _only_language(registry: ModelRegistry) -> str:
    if len(registry.languages) == 1:
        return registry.languages[0]
    configured = ", ".join(registry.languages) or "none: set IRISLINE_VOSK_MODEL_<LANG>"
    raise click.UsageError(f"give --language (configured models: {configured})")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestItem:
    path: Path
    text: str
    language: str | None


def read_manifest(manifest: Path) -> list[ManifestItem]:
    """Parse a JSONL or CSV manifest; raises ``click.ClickException`` with the bad line."""
    try:
        raw = manifest.read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{manifest}: can't be read ({exc.strerror})") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    if manifest.suffix.lower() == ".csv":
        reader = csv.DictReader(raw.splitlines())
        if not reader.fieldnames or not {"path", "text"} <= set(reader.fieldnames):
            raise click.ClickException(f"{manifest}: the CSV header needs 'path' and 'text'")
        rows = [(n + 2, dict(row)) for n, row in enumerate(reader)]
    else:
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{manifest}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise click.ClickException(f"{manifest}:{number}: expected a JSON object")
            rows.append((number, row))
    items = []
    for number, row in rows:
        if not isinstance(row.get("path"), str) or not isinstance(row.get("text", ""), str):
            raise click.ClickException(f"{manifest}:{number}: needs a 'path' and a 'text'")
        language = row.get("language") or None
        try:
            language = normalise_language(language) if language else None
        except (ValueError, AttributeError) as exc:
            raise click.ClickException(f"{manifest}:{number}: bad language {language!r}") from exc
        items.append(
            ManifestItem(
                path=(manifest.parent / row["path"]),
                text=row.get("text") or "",
                language=language,
            )
        )
    if not items:
        raise click.ClickException(f"{manifest}: no entries")
    return items


def _evaluate(
    manifest: Path,
    language: str | None,
    registry: ModelRegistry,
    max_seconds: float,
    as_json: bool,
) -> None:
    import jiwer

    items = read_manifest(manifest)
    wanted = {item.language or language for item in items} - {None}
    load_started = time.perf_counter()
    try:
        registry.preload(sorted(w for w in wanted if w))
    except TranscriptionError as exc:
        raise click.ClickException(exc.reason) from exc
    load_seconds = time.perf_counter() - load_started

    rows: list[dict[str, Any]] = []
    with click.progressbar(items, label="transcribing", file=sys.stderr) as progress:
        for item in progress:
            rows.append(_evaluate_one(item, item.language or language, registry, max_seconds))

    scored = [r for r in rows if r["error"] is None]
    counts = _error_counts(jiwer, scored)
    audio = sum(r["audio_duration"] for r in scored)
    processing = sum(r["processing_time"] for r in scored)
    summary = {
        "items": len(rows),
        "failed": len(rows) - len(scored),
        "reference_words": counts["reference_words"],
        "wer": counts["errors"] / counts["reference_words"] if counts["reference_words"] else None,
        "errors": counts["errors"],
        "audio_seconds": audio,
        "processing_seconds": processing,
        "real_time_factor": processing / audio if audio else None,
        "model_load_seconds": load_seconds,
    }
    if as_json:
        click.echo(json.dumps({"summary": summary, "items": rows}, ensure_ascii=False))
    else:
        for row in rows:
            if row["error"]:
                click.echo(f"FAILED {row['path']}: {row['error']}")
        click.echo(
            f"{summary['items']} items, {summary['failed']} failed, "
            f"WER {_fmt(summary['wer'])}, RTF {_fmt(summary['real_time_factor'])}, "
            f"model load {load_seconds:.1f}s"
        )
    if summary["failed"]:
        sys.exit(EXIT_BAD_INPUT)


def _evaluate_one(
    item: ManifestItem, language: str | None, registry: ModelRegistry, max_seconds: float
) -> dict[str, Any]:
    row: dict[str, Any] = {"path": str(item.path), "reference": item.text, "language": language}
    try:
        result = transcribe_recording(
            item.path, language, registry=registry, max_seconds=max_seconds
        )
    except TranscriptionError as exc:
        return {**row, "error": exc.reason}
    if isinstance(result, NeedsListening):
        return {**row, "error": f"needs listening: {result.reason}"}
    return {**row, **_timing(result), "hypothesis": result.text, "error": None}


def _timing(result: Transcript) -> dict[str, Any]:
    return {
        "audio_duration": result.audio_duration,
        "processing_time": result.processing_time,
        "real_time_factor": result.real_time_factor,
    }


def _error_counts(jiwer: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
    transform = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    errors = reference_words = 0
    for row in rows:
        reference, hypothesis = row["reference"].strip(), row["hypothesis"].strip()
        if not reference:
            # jiwer refuses empty references; against silence every word heard is an insertion.
            errors += len(hypothesis.split())
            row["wer"] = None
            continue
        output = jiwer.process_words(
            reference,
            hypothesis,
            reference_transform=transform,
            hypothesis_transform=transform,
        )
        item_errors = output.substitutions + output.deletions + output.insertions
        item_words = output.hits + output.substitutions + output.deletions
        errors += item_errors
        reference_words += item_words
        row["wer"] = item_errors / item_words if item_words else None
    return {"errors": errors, "reference_words": reference_words}
