#!/usr/bin/env bash
# Sets everything up and runs the whole service on its embedded default (SQLite, local Redis,
# the Twilio emulator). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${IRISLINE_VENV:-.venv}"

redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
os_packages=""
# A local Redis is only needed when nothing answers on REDIS_URL; `irisline run` then starts one.
if ! command -v redis-server >/dev/null 2>&1; then
  os_packages="redis-server"
fi
bash scripts/setup.sh ${os_packages:+--os-packages "$os_packages"}
if ! command -v redis-server >/dev/null 2>&1 && \
   ! "$VENV/bin/python" -c "import redis,sys; redis.Redis.from_url('$redis_url', socket_connect_timeout=1).ping()" 2>/dev/null; then
  echo "irisline: nothing answers on $redis_url and redis-server is not installed." >&2
  echo "Install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL." >&2
  exit 1
fi
exec "$VENV/bin/irisline" run "$@"
