/** A request runs only the template it was planned with: `templates:resolve-plan` checks the digest. */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { taskCatalog } from '../../../activities/registry';
import { runTask, type AnyTask } from '../../../activities/task';
import { resolvePlan } from '../../../activities/templates/resolve-plan';
import { hashOf } from '../../../platform/canonical-json';
import { loadTemplateLibrary, templatesDir } from '../../../templates/library';

describe('template digest', () => {
  const library = loadTemplateLibrary(templatesDir, taskCatalog);
  const resolve = (input: unknown) =>
    runTask(resolvePlan as AnyTask<unknown>, input, {
      deps: { library },
      signal: new AbortController().signal,
      heartbeat: () => undefined,
      resumeFrom: undefined,
      idempotencyKey: 'test',
      attempt: 1,
    });

  it('resolves the planned template, and refuses one edited since it was planned', async () => {
    const planned = library.plan(library.resolve('vm-create-unmanaged')!);
    assert.deepEqual(await resolve({ name: 'vm-create-unmanaged', digest: hashOf(planned) }), planned);
    await assert.rejects(
      resolve({ name: 'vm-create-unmanaged', digest: `sha256:${'0'.repeat(64)}` }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'PlanChanged' &&
        err.nonRetryable &&
        /changed since the request was planned/.test(err.message),
    );
  });
});
