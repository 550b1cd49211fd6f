#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test (unit, simulators, activities,
# integration on a real Temporal dev server and PostgreSQL, replay). Mocha's arguments narrow the
# run: spec files (`npm test -- 'test/unit/**/*.test.ts'`), `--grep readyz`, or both. A run that
# names no spec runs every one; a run that matches no test fails (.mocharc.json's fail-zero).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# Whether the arguments name a spec is mocha's own parser's answer (it knows which options take a value).
names_a_spec='process.exit(require("mocha/lib/cli/options.cjs").loadOptions(process.argv.slice(1))._.length ? 0 : 1)'
if ! node -e "$names_a_spec" -- "$@"; then
  set -- 'test/**/*.test.ts' "$@"
fi
exec npx mocha "$@"
