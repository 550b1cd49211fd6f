/**
 * The worker bundles its workflows in a child process: the bundle holds the workflows and the
 * interceptor modules asked for, and workflows that do not bundle reject with the bundler's
 * own message (the worker then refuses to start, naming it), leaving no scratch folder behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowInterceptorModules } from '../../../workers/metrics';
import { bundleWorkflowsApart } from '../../../workers/workflow-bundle';
import { workflowsPath } from '../../../workers/workers';

describe('workflow bundle built apart', function () {
  this.timeout(120_000);
  let dir: string;
  const scratchFolders = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('oo-workflow-bundle-'));
  let before: string[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'oo-bundle-test-'));
    before = scratchFolders();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(scratchFolders(), before);
  });

  it('holds the project’s workflows and its interceptor modules', async () => {
    const { code } = await bundleWorkflowsApart({ workflowsPath, workflowInterceptorModules });
    assert.match(code, /function requestWorkflow\b/);
    assert.match(code, /workflows\/metrics-interceptors/);
  });

  it('rejects with the bundler’s message when the workflows do not bundle', async () => {
    const workflows = path.join(dir, 'workflows.ts');
    writeFileSync(workflows, `import { gone } from './no-such-module';\nexport const w = gone;\n`);
    await assert.rejects(bundleWorkflowsApart({ workflowsPath: workflows }), (err: Error) => {
      assert.match(err.message, /^the workflows did not bundle: /);
      assert.match(err.message, /no-such-module/);
      return true;
    });
  });
});
