#!/usr/bin/env bash
# Re-records test/replay/histories/ from the engine's integration tests on a real dev server.
# Run after an intended change to the interpreter, then commit the histories with the change.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f test/replay/histories/*.json
RECORD_HISTORIES=1 npx mocha 'test/integration/engine/**/*.test.ts'
ls test/replay/histories
