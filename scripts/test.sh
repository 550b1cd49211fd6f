#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test (unit, simulators, activities,
# integration on a real Temporal dev server and PostgreSQL, replay). Arguments narrow the run:
# `npm test -- 'test/unit/**/*.test.ts'` or `npm test -- --grep readyz`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
specs=()
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *) specs+=("$arg") ;;
  esac
done
if [ ${#specs[@]} -eq 0 ]; then
  set -- 'test/**/*.test.ts' "$@"
fi
exec npx mocha "$@"
