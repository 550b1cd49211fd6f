#!/usr/bin/env bash
# Makes .tools/venv hold exactly scripts/python-requirements.txt: created when missing, rebuilt
# when the requirements changed since it was made (their SHA-256 is kept in the venv) or when
# its Python is gone. Installs python3-venv with apt-get when root on Debian and the venv module
# is missing; otherwise stops with the reason. Prints the venv's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv
requirements=scripts/python-requirements.txt
stamp="$venv/.requirements.sha256"
mkdir -p .tools

python=$(command -v python3 || true)
if [ -z "$python" ]; then
  echo "[setup] python3 is not on the PATH: install Python 3.9 or later (the conformance tests need it)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
  echo "[setup] $("$python" --version 2>&1) is too old: the Python tools need 3.9 or later" >&2
  exit 1
fi

want=$("$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")
up_to_date() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }

# One process builds at a time (npm test and npm start may both be starting).
if command -v flock >/dev/null; then
  exec 9>.tools/venv.lock
  flock 9
fi
if ! up_to_date; then
  # Debian's python3 lacks venv until python3-venv is installed.
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "[setup] installing python3-venv (Debian) for .tools/venv" >&2
      apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
    else
      echo "[setup] $python has no venv module: install python3-venv (Debian/Ubuntu) or your distribution's equivalent" >&2
      exit 1
    fi
  fi
  echo "[setup] building $venv from $requirements" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  echo "$want" >"$stamp"
fi
echo "$PWD/$venv"
