#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole stack in the foreground (scripts/stack.ts).
# npm runs its scripts through `sh -c` and forwards SIGINT and SIGTERM to that shell only: the
# `exec` in package.json's script and the one below make the launcher that very process, so a
# signal sent to npm reaches it (same for `npm test` and mocha).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec node --import tsx scripts/stack.ts "$@"
