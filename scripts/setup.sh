#!/usr/bin/env bash
# Sets up a development machine: a virtualenv with irisline and, when asked, the OS packages.
#   scripts/setup.sh [--dev] [--os-packages "pkg ..."]
# OS packages are installed with apt-get only where that is allowed (root, or sudo without a
# password); otherwise the script says what to install and goes on.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${IRISLINE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
EXTRAS=""
OS_PACKAGES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) EXTRAS="[dev]" ;;
    --os-packages) OS_PACKAGES="$2"; shift ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'irisline setup: %s\n' "$*"; }

can_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! can_apt; then
    say "please install these OS packages: ${missing[*]} (apt-get install ${missing[*]})"
    return 1
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  say "installing OS packages: ${missing[*]}"
  if [ ! -e /tmp/.irisline-apt-updated ]; then
    $sudo apt-get update -qq && touch /tmp/.irisline-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv || exit 1
    "$PYTHON" -m venv "$VENV"
  fi
fi

stamp="$VENV/.irisline-installed$EXTRAS"
if [ ! -e "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing irisline$EXTRAS into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".$EXTRAS"
  touch "$stamp"
fi

if [ -n "$OS_PACKAGES" ]; then
  # shellcheck disable=SC2086
  apt_install $OS_PACKAGES || true
fi
