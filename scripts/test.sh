#!/usr/bin/env bash
# Sets everything up and runs the whole check: ruff (lint and format), mypy on the domain
# packages, and pytest against the real Redis and PostgreSQL on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${IRISLINE_VENV:-.venv}"

# redis-server: the tests use a running Redis; espeak-ng and sox make test audio.
bash scripts/setup.sh --dev --os-packages "redis-server espeak-ng sox"

bin="$VENV/bin"
echo "== ruff"
"$bin/ruff" check .
"$bin/ruff" format --check .
echo "== mypy"
"$bin/mypy" routing callbacks transcription workers irisline ivr
echo "== pytest"
"$bin/pytest" "$@"
