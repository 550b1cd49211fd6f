#!/usr/bin/env bash
# Re-records test/replay/histories/ from the engine's integration tests and the end-to-end
# request tests (request workflows and their whole trees) on a real dev server.
# Run after an intended change to the interpreter, then commit the histories with the change.
# A change that keeps the old path behind patched(): first rename the histories of the old path
# to pre-<change>-<name>.json, so they stay and go on being replayed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# pre-*.json are histories of code paths kept behind patched() for workflows already running:
# they stay, since the code must still replay them.
find test/replay/histories -name '*.json' ! -name 'pre-*' -delete
RECORD_HISTORIES=1 npx mocha 'test/integration/engine/**/*.test.ts' 'test/integration/e2e/vm-request.test.ts'
ls test/replay/histories
