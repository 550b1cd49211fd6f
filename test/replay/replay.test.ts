/**
 * Replays the recorded interpreter and request histories against today's workflow code: a change that would
 * break workflows already running (nondeterminism) fails here. Re-record after an intended,
 * compatible change with `bash test/replay/record-histories.sh`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { workflowsPath } from '../../workers/workers';
import { historyFromJsonText } from './history-json';

const historiesDir = path.join(__dirname, 'histories');

describe('replay of recorded template histories', function () {
  this.timeout(120_000);
  let workflowBundle: WorkflowBundle;
  const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

  before(async () => {
    workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  });

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 8, `only ${files.length} histories in ${historiesDir}`);
  });

  it('covers the failed-request paths: failed, paused then retried, aborted, timed out', () => {
    for (const scenario of [
      'request-failed',
      'request-pause-retry',
      'request-pause-abort',
      'request-pause-timeout',
    ])
      assert.ok(
        files.some((f) => f.startsWith(`${scenario}-`)),
        `no ${scenario} history: re-record with test/replay/record-histories.sh`,
      );
  });

  it('covers a fan-out step paused, then retried or aborted', () => {
    for (const file of ['fan-out-pause-retry.json', 'fan-out-pause-abort.json'])
      assert.ok(files.includes(file), `no ${file}: re-record with test/replay/record-histories.sh`);
  });

  it('covers a day-2 change of an unmanaged and of a managed VM', () => {
    for (const scenario of ['request-update-', 'request-update-managed-'])
      assert.ok(
        files.some((f) => f.startsWith(scenario)),
        `no ${scenario} history: re-record with test/replay/record-histories.sh`,
      );
  });

  it('covers the resource workflow: lease set and changed, expired and decommissioned, continued as new, a change queued behind a change, a lease approved', () => {
    for (const scenario of [
      'resource-extend-',
      'resource-lease-',
      'resource-continue-as-new',
      'resource-queue',
      'resource-lease-approval-',
    ])
      assert.ok(
        files.some((f) => f.startsWith(scenario)),
        `no ${scenario} history: re-record with test/replay/record-histories.sh`,
      );
  });

  it('replays every history without a nondeterminism error', async () => {
    const histories = files.map((file) =>
      historyFromJsonText(readFileSync(path.join(historiesDir, file), 'utf8')),
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });

  it('reports a history the code no longer matches (so the test above can fail)', async () => {
    // The recorded run scheduled test:record first; pretend it had scheduled another activity.
    const text = readFileSync(path.join(historiesDir, 'parallel-steps.json'), 'utf8');
    const { workflowId, history } = historyFromJsonText(text);
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'test:something-else';
    const results: { error?: Error }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle }, [{ workflowId, history }]))
      results.push(r);
    assert.equal(results[0]?.error?.name, 'DeterminismViolationError');
  });
});
