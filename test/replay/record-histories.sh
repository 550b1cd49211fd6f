#!/usr/bin/env bash
# Re-records test/replay/histories/ from the engine's integration tests and the end-to-end
# request tests (request workflows and their whole trees, failed, paused and resumed ones too, day-2
# changes) on a
# real dev server.
# Run after an intended change to workflow code, then commit the histories with the change
# (see docs/workflow-changes.md for when a change needs patched() instead).
set -euo pipefail
cd "$(dirname "$0")/../.."
find test/replay/histories -name '*.json' -delete
RECORD_HISTORIES=1 npx mocha 'test/integration/engine/**/*.test.ts' 'test/integration/e2e/vm-request.test.ts' \
  'test/integration/e2e/failed-requests.test.ts' 'test/integration/e2e/lifecycle.test.ts' \
  'test/integration/e2e/dependencies.test.ts' \
  'test/integration/resources/day2.test.ts'
ls test/replay/histories
