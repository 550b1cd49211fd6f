/**
 * The interpreter on the real Temporal dev server, one semantic per test. Order and overlap are
 * read from event histories, never timed with a clock.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { approvalsWaitingByGroup } from '../../../api/routes/metrics';
import type { AnyTask } from '../../../activities/task';
import { ApprovalGroups, TraceId } from '../../../common/search-attributes';
import type { TaskQueue } from '../../../common/task-queues';
import { countApprovalsWaiting, registry } from '../../../platform/metrics';
import type { Template, TemplateResult } from '../../../common/template';
import { progressQuery, approveSignal, resumeStepSignal } from '../../../workflows/definitions';
import { getStack } from '../../harness/stack';
import {
  activityTimeline,
  childConcurrency,
  eventually,
  failedResult,
  historyOf,
  recordHistory,
  startTemplate,
  type Started,
  testQueue,
  withEngine,
} from './engine-fixture';
import { engineTasks } from './test-tasks';

const anyInput = { type: 'object' };

function template(name: string, steps: Template['steps'], extra: Partial<Template> = {}): Template {
  return { name, version: '1.0.0', description: `engine test: ${name}`, input: anyInput, steps, ...extra };
}

function stateOf(result: TemplateResult, id: string) {
  const step = result.steps.find((s) => s.id === id);
  assert.ok(step, `no step ${id}`);
  return step;
}

describe('template interpreter (integration)', function () {
  this.timeout(120_000);
  before(async function () {
    this.timeout(300_000);
    await getStack();
  });

  it('runs independent steps in parallel and a dependent one after both', async () => {
    const queue = testQueue('parallel');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const t = template('parallel-steps', [
      { id: 'a', task: 'test:record', input: { label: 'a', meet: 'ab' } },
      { id: 'b', task: 'test:record', input: { label: 'b', meet: 'ab' } },
      { id: 'c', task: 'test:record', needs: ['a', 'b'], input: { label: 'c-after-${steps.a.output.id}' } },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [t], {});
      const result = await handle.result();
      assert.equal(result.status, 'succeeded');
      const timeline = activityTimeline(await historyOf(workflowId));
      // Both were scheduled before either completed: the workflow did not wait for one to start the other.
      assert.deepEqual(timeline.slice(0, 2).sort(), ['scheduled a', 'scheduled b']);
      assert.deepEqual(timeline.slice(2, 4).sort(), ['completed a', 'completed b']);
      assert.deepEqual(timeline.slice(4), ['scheduled c-after-id-a', 'completed c-after-id-a']);
      assert.deepEqual(stateOf(result, 'a').externalIds, { thing: 'id-a' });
      await recordHistory('parallel-steps', workflowId);
    });
  });

  it('skips a step whose condition is false and the steps that need only it', async () => {
    const queue = testQueue('when');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const t = template(
      'conditional-steps',
      [
        { id: 'off', task: 'test:record', when: '${input.enabled}', input: { label: 'off' } },
        { id: 'afterOff', task: 'test:record', needs: ['off'], input: { label: 'afterOff' } },
        {
          id: 'always',
          task: 'test:record',
          needs: ['off'],
          ifNeedsSkipped: 'run',
          input: { label: 'always' },
        },
        { id: 'on', task: 'test:record', when: '${$not(input.enabled)}', input: { label: 'on' } },
        { id: 'mixed', task: 'test:record', needs: ['off', 'on'], input: { label: 'mixed' } },
        { id: 'pause', wait: { duration: '${input.pause}' }, needs: ['mixed'] },
      ],
      { output: { on: '${steps.on.output.label}', off: '${steps.off.state}' } },
    );
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [t], {
        enabled: false,
        pause: '150 ms',
      });
      const result = await handle.result();
      const states = Object.fromEntries(result.steps.map((s) => [s.id, s.state]));
      assert.deepEqual(states, {
        off: 'skipped',
        afterOff: 'skipped',
        always: 'succeeded',
        on: 'succeeded',
        mixed: 'succeeded',
        pause: 'succeeded',
      });
      const timers = (await historyOf(workflowId)).filter((e) => e.timerStartedEventAttributes);
      assert.deepEqual(
        timers.map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.nanos) / 1e6),
        [150],
        'the wait step is one durable timer of the duration its expression gave',
      );
      assert.match(stateOf(result, 'off').skipReason!, /condition .* is false/);
      assert.match(stateOf(result, 'afterOff').skipReason!, /every step it needs was skipped/);
      assert.deepEqual(result.output, { on: 'on', off: 'skipped' });
      assert.deepEqual(log.filter((l) => l.startsWith('start:')).sort(), [
        'start:always',
        'start:mixed',
        'start:on',
      ]);
      await recordHistory('conditional-steps', workflowId);
    });
  });

  it('fans out one child workflow per item, keyed by item, never more than the cap at once', async () => {
    const queue = testQueue('fanout');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const t = template(
      'fan-out',
      [
        {
          id: 'each',
          task: 'test:record',
          forEach: { items: '${input.vms}', key: '${item.name}', concurrency: 2 },
          input: { label: '${item.name}', ms: 300 },
          externalIds: { vm: '${output.id}' },
        },
      ],
      { output: '${steps.each.output.label}' },
    );
    const vms = ['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e'].map((name) => ({ name }));
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId, trace } = await startTemplate(queue, tasks, [t], { vms });
      const result = await handle.result();
      assert.deepEqual(result.output, ['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e']);
      const { max, started } = childConcurrency(await historyOf(workflowId));
      assert.equal(max, 2, 'the cap is reached and never passed');
      assert.deepEqual(
        started,
        vms.map((v) => `${workflowId}/each[${v.name}]`),
      );
      const each = stateOf(result, 'each');
      assert.deepEqual(each.items, { total: 5, running: 0, succeeded: 5, failed: 0 });
      assert.equal(each.externalIds['vm-c:vm'], 'id-vm-c');

      // Every workflow of the tree carries the trace: the parent and each child.
      const { client } = await getStack();
      const ids = await eventually(async () => {
        const found: string[] = [];
        for await (const w of client.workflow.list({ query: `TraceId = '${trace.traceId}'` }))
          found.push(w.workflowId);
        return found.length === 6 ? found.sort() : undefined;
      }, 'the trace search attribute on the whole tree');
      assert.deepEqual(ids, [workflowId, ...started].sort());
      const child = await client.workflow.getHandle(started[0]!).describe();
      assert.equal(child.typedSearchAttributes.get(TraceId), trace.traceId);
      await recordHistory('fan-out', workflowId);
      await recordHistory('fan-out-item', started[0]!);
    });
  });

  it('a failing sub-template item fails the fan-out and cancels the items still running', async () => {
    const queue = testQueue('fanout-fail');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const item = template('fan-out-item-template', [
      {
        id: 'work',
        task: 'test:record',
        input: { label: '${input.name}', ms: '${input.ms}', fail: '${input.fail}' },
        timeouts: { heartbeatTimeout: '2 seconds' },
      },
    ]);
    const parent = template('fan-out-templates', [
      {
        id: 'each',
        template: { name: 'fan-out-item-template', version: '1.0.0' },
        forEach: { items: '${input.items}', key: '${item.name}', concurrency: 3 },
        input: '${item}',
      },
      { id: 'after', task: 'test:record', needs: ['each'], input: { label: 'after' } },
    ]);
    const items = [
      { name: 'slow-1', ms: 60_000 },
      { name: 'slow-2', ms: 60_000 },
      { name: 'bad', fail: 'fatal' },
      { name: 'never', ms: 0 },
    ];
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [parent, item], { items });
      const { result } = await failedResult(handle);
      assert.equal(result.error?.stepId, 'each');
      assert.equal(result.error?.type, 'JobFailed');
      const each = stateOf(result, 'each');
      assert.deepEqual(each.items, { total: 4, running: 0, succeeded: 0, failed: 3 });
      assert.deepEqual(
        each.children,
        ['slow-1', 'slow-2', 'bad'].map((k) => `${workflowId}/each[${k}]`),
      );
      assert.deepEqual(log.filter((l) => l.startsWith('cancelled:')).sort(), [
        'cancelled:slow-1',
        'cancelled:slow-2',
      ]);
      assert.ok(!log.includes('start:never'), 'no item starts after one failed');
      const { client } = await getStack();
      const statuses = await Promise.all(
        each.children!.map(async (id) => (await client.workflow.getHandle(id).describe()).status.name),
      );
      assert.deepEqual(statuses, ['CANCELLED', 'CANCELLED', 'FAILED']);
      await recordHistory('fan-out-fail', workflowId);
    });
  });

  for (const onFailure of ['continue', 'fail'] as const) {
    it(`onFailure ${onFailure}: ${onFailure === 'continue' ? 'records the failure and goes on' : 'fails the template'}`, async () => {
      const queue = testQueue(onFailure);
      const log: string[] = [];
      const tasks = engineTasks(log);
      const t = template(`on-failure-${onFailure}`, [
        {
          id: 'bad',
          task: 'test:record',
          onFailure,
          input: { label: 'bad', fail: onFailure === 'continue' ? 'retryable' : 'fatal' },
          retry: { maximumAttempts: 2, initialInterval: '100 ms' },
        },
        { id: 'dep', task: 'test:record', needs: ['bad'], input: { label: 'dep' } },
        { id: 'other', task: 'test:record', input: { label: 'other' } },
        { id: 'last', task: 'test:record', needs: ['other'], input: { label: 'last' } },
      ]);
      await withEngine(queue, tasks, async () => {
        const { handle, workflowId } = await startTemplate(queue, tasks, [t], {});
        if (onFailure === 'continue') {
          const result = await handle.result();
          assert.equal(result.status, 'succeeded');
          const bad = stateOf(result, 'bad');
          assert.equal(bad.state, 'failed');
          assert.equal(bad.attempts, 2, 'the step retry policy allowed two attempts');
          assert.deepEqual(bad.lastError?.type, 'UpstreamUnavailable');
          assert.equal(stateOf(result, 'dep').state, 'skipped');
          assert.match(stateOf(result, 'dep').skipReason!, /needs bad, which failed/);
          assert.equal(stateOf(result, 'last').state, 'succeeded');
          assert.equal(log.filter((l) => l === 'start:bad').length, 2);
        } else {
          const { result, message } = await failedResult(handle);
          assert.match(message, /failed at step bad: bad failed for good/);
          assert.equal(result.status, 'failed');
          assert.deepEqual(result.error, {
            stepId: 'bad',
            message: 'bad failed for good',
            type: 'JobFailed',
            system: 'test',
            externalId: 'job-bad',
          });
          assert.equal(stateOf(result, 'bad').attempts, 1, 'a non-retryable failure is not retried');
          assert.equal(stateOf(result, 'dep').state, 'pending');
          assert.ok(!log.includes('start:dep'));
        }
        await recordHistory(`on-failure-${onFailure}`, workflowId);
      });
    });
  }

  it('runs the undo of succeeded steps in reverse completion order and says what was compensated', async () => {
    const queue = testQueue('undo');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const undo = (label: string) => ({ task: 'test:undo', input: { label, id: '${output.id}' } });
    const t = template('undo-order', [
      { id: 'first', task: 'test:record', input: { label: 'first' }, undo: undo('first') },
      {
        id: 'second',
        task: 'test:record',
        needs: ['first'],
        input: { label: 'second' },
        undo: undo('second'),
      },
      {
        id: 'many',
        task: 'test:record',
        needs: ['second'],
        forEach: { items: '${input.items}', key: '${item}', concurrency: 1 },
        input: { label: 'many-${item}' },
        undo: { task: 'test:undo', input: { label: 'many-${item}', id: '${output.id}' } },
      },
      {
        id: 'kept',
        task: 'test:record',
        needs: ['many'],
        input: { label: 'kept' },
        undo: { when: '${output.label = "never"}', task: 'test:undo', input: { label: 'kept' } },
      },
      { id: 'plain', task: 'test:record', needs: ['first'], input: { label: 'plain', ms: 300 } },
      {
        id: 'third',
        task: 'test:record',
        needs: ['kept', 'plain'],
        input: { label: 'third' },
        undo: undo('third'),
      },
      { id: 'boom', task: 'test:record', needs: ['third'], input: { label: 'boom', fail: 'fatal' } },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [t], { items: ['x', 'y'] });
      const { result } = await failedResult(handle);
      assert.deepEqual(
        log.filter((l) => l.startsWith('undo:')),
        ['undo:third', 'undo:many-y', 'undo:many-x', 'undo:second', 'undo:first'],
      );
      assert.deepEqual(result.compensations, [
        { stepId: 'third', state: 'succeeded' },
        { stepId: 'many', itemKey: 'y', state: 'succeeded' },
        { stepId: 'many', itemKey: 'x', state: 'succeeded' },
        { stepId: 'second', state: 'succeeded' },
        { stepId: 'first', state: 'succeeded' },
      ]);
      const states = Object.fromEntries(result.steps.map((s) => [s.id, s.state]));
      assert.deepEqual(states, {
        first: 'compensated',
        second: 'compensated',
        many: 'compensated',
        kept: 'succeeded',
        plain: 'succeeded',
        third: 'compensated',
        boom: 'failed',
      });
      for (const step of result.steps.filter((s) => s.state !== 'pending')) {
        assert.ok(
          step.startedAt && step.endedAt && step.startedAt <= step.endedAt,
          `${step.id} has its times`,
        );
        assert.equal(step.attempts, 1);
      }
      await recordHistory('undo-order', workflowId);
    });
  });

  it('passes an approval signalled by an allowed group and ignores other groups', async () => {
    const queue = testQueue('approve');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const t = template('approval-pass', [
      { id: 'gate', approval: { groups: ['ops'], timeout: '1 minute' } },
      {
        id: 'after',
        task: 'test:record',
        needs: ['gate'],
        input: { label: 'approved-by-${steps.gate.output.approvedBy}' },
      },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [t], {});
      await eventually(async () => {
        const p = await handle.query(progressQuery);
        return p.steps[0]!.state === 'running' ? true : undefined;
      }, 'the approval step to run');
      // While it waits, the workflow carries the groups that may decide, and the gauge counts it.
      const { client } = await getStack();
      const waitingFor = async () => (await handle.describe()).typedSearchAttributes.get(ApprovalGroups);
      await eventually(
        async () => (JSON.stringify(await waitingFor()) === '["ops"]' ? true : undefined),
        'ApprovalGroups to name ops',
      );
      await eventually(
        async () => ((await approvalsWaitingByGroup(client)).get('ops') ?? 0) >= 1 || undefined,
        'the waiting approval to be counted for ops',
      );
      const stop = countApprovalsWaiting(() => approvalsWaitingByGroup(client));
      try {
        assert.match(
          await registry.getSingleMetricAsString('oo_approvals_waiting'),
          /oo_approvals_waiting\{group="ops"\} [1-9]/,
        );
      } finally {
        stop();
      }
      await handle.signal(approveSignal, {
        stepId: 'gate',
        decision: 'approve',
        by: 'mallory',
        groups: ['dev'],
      });
      const still = await handle.query(progressQuery);
      assert.equal(still.steps[0]!.state, 'running', 'a member of another group cannot approve');
      await handle.signal(approveSignal, {
        stepId: 'gate',
        decision: 'approve',
        by: 'alice',
        groups: ['ops'],
        comment: 'ok',
      });
      const result = await handle.result();
      assert.equal(stateOf(result, 'gate').approval?.by, 'alice');
      assert.ok(log.includes('end:approved-by-alice'));
      assert.equal(await waitingFor(), undefined, 'decided: no group is waited for any more');
      await recordHistory('approval-pass', workflowId);
    });
  });

  it('fails an approval nobody gives before its timeout', async () => {
    const queue = testQueue('approval-timeout');
    const tasks = engineTasks([]);
    const t = template('approval-timeout', [
      { id: 'gate', approval: { groups: ['ops'], timeout: '1 second' } },
      { id: 'after', task: 'test:record', needs: ['gate'], input: { label: 'after' } },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [t], {});
      const { result } = await failedResult(handle);
      const gate = stateOf(result, 'gate');
      assert.equal(gate.state, 'failed');
      assert.equal(gate.lastError?.type, 'ApprovalDenied');
      assert.match(gate.lastError!.message, /no approval from ops within 1 second/);
      await recordHistory('approval-timeout', workflowId);
    });
  });

  describe('a fan-out step whose item fails, with a pause timeout (onFailure "pause")', () => {
    // One item at a time: `ok` succeeds, `bad` fails while its fault is held, `later` never starts.
    const items = ['ok', 'bad', 'later'];
    const pausing = (name: string) =>
      template(
        name,
        [
          {
            id: 'each',
            task: 'test:record',
            forEach: { items: '${input.items}', key: '${item}', concurrency: 1 },
            input: { label: '${item}', failWhile: '${item}' },
            undo: { task: 'test:undo', input: { label: '${item}', id: '${output.id}' } },
          },
          { id: 'after', task: 'test:record', needs: ['each'], input: { label: 'after' } },
        ],
        { output: '${steps.each.output}' },
      );
    const starts = (log: string[]) => log.filter((l) => l.startsWith('start:'));
    const decide = (action: 'retry' | 'abort') => ({
      action,
      by: 'engine-tests',
      at: new Date().toISOString(),
      stepId: 'each',
    });

    /** Starts the template as a request with `"onFailure": "pause"` would, with an hour to decide. */
    const startPausing = (name: string, queue: TaskQueue, tasks: AnyTask<unknown>[]) =>
      startTemplate(queue, tasks, [pausing(name)], { items }, { pauseTimeout: '1 hour' });

    /** Waits until the template pauses, and checks the pause shows the failed item's reason. */
    async function pausedAt(handle: Started['handle'], log: string[]): Promise<void> {
      const progress = await eventually(async () => {
        const p = await handle.query(progressQuery);
        return p.status === 'paused' ? p : undefined;
      }, 'the fan-out step to pause');
      assert.equal(progress.paused?.length, 1);
      assert.equal(progress.paused[0]!.stepId, 'each');
      assert.equal(progress.paused[0]!.error.type, 'JobFailed');
      assert.match(progress.paused[0]!.error.message, /bad failed for good/);
      const each = progress.steps.find((s) => s.id === 'each')!;
      assert.equal(each.state, 'paused');
      assert.deepEqual(each.items, { total: 3, running: 0, succeeded: 1, failed: 1 });
      assert.deepEqual(starts(log), ['start:ok', 'start:bad'], 'nothing undone, nothing more started');
      assert.ok(!log.some((l) => l.startsWith('undo:')));
    }

    it('pauses at the fan-out; retry runs only the failed and unstarted items, as new launches', async () => {
      const queue = testQueue('fanout-pause-retry');
      const log: string[] = [];
      const faults = new Set(['bad']);
      const tasks = engineTasks(log, faults);
      await withEngine(queue, tasks, async () => {
        const { handle, workflowId } = await startPausing('fan-out-pause-retry', queue, tasks);
        await pausedAt(handle, log);
        faults.delete('bad');
        await handle.signal(resumeStepSignal, decide('retry'));
        const result = await handle.result();
        assert.equal(result.status, 'succeeded');
        assert.deepEqual(
          result.output,
          items.map((i) => ({ label: i, id: `id-${i}`, externalIds: { thing: `id-${i}` } })),
          'every item has its output, the one that succeeded before the pause too',
        );
        assert.deepEqual(starts(log), ['start:ok', 'start:bad', 'start:bad', 'start:later', 'start:after']);
        const badKeys = log.filter((l) => l.startsWith('key:bad:'));
        assert.equal(new Set(badKeys).size, 2, 'the retried item launched anew, under another key');
        const each = stateOf(result, 'each');
        assert.equal(each.state, 'succeeded');
        assert.equal(each.attempts, 2);
        assert.deepEqual(each.items, { total: 3, running: 0, succeeded: 3, failed: 0 });
        assert.deepEqual(
          each.children,
          items.map((i) => `${workflowId}/each[${i}]`),
        );
        assert.deepEqual(Object.keys(each.externalIds).sort(), items.map((i) => `${i}:thing`).sort());
        assert.deepEqual(
          result.resumes?.map((r) => r.action),
          ['retry'],
        );
        assert.equal(result.paused, undefined);
        const { client } = await getStack();
        const runs = await eventually(async () => {
          const found: string[] = [];
          for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}/each[bad]'` }))
            found.push(w.status.name);
          return found.length === 2 ? found.sort() : undefined;
        }, 'both runs of the retried item');
        assert.deepEqual(runs, ['COMPLETED', 'FAILED'], 'the failed run stays failed; a new run succeeded');
        await recordHistory('fan-out-pause-retry', workflowId);
      });
    });

    it('abort undoes the items that succeeded and fails the template', async () => {
      const queue = testQueue('fanout-pause-abort');
      const log: string[] = [];
      const tasks = engineTasks(log, new Set(['bad']));
      await withEngine(queue, tasks, async () => {
        const { handle, workflowId } = await startPausing('fan-out-pause-abort', queue, tasks);
        await pausedAt(handle, log);
        await handle.signal(resumeStepSignal, decide('abort'));
        const { result } = await failedResult(handle);
        assert.equal(result.error?.stepId, 'each');
        assert.equal(result.error?.type, 'JobFailed');
        assert.deepEqual(result.compensations, [{ stepId: 'each', itemKey: 'ok', state: 'succeeded' }]);
        assert.deepEqual(
          log.filter((l) => l.startsWith('undo:')),
          ['undo:ok'],
        );
        assert.deepEqual(starts(log), ['start:ok', 'start:bad'], 'nothing ran again');
        assert.equal(stateOf(result, 'each').state, 'failed');
        assert.equal(stateOf(result, 'after').state, 'pending');
        assert.deepEqual(
          result.resumes?.map((r) => r.action),
          ['abort'],
        );
        await recordHistory('fan-out-pause-abort', workflowId);
      });
    });
  });

  it('a sub-template tells new external IDs once its quick calls are done, and once it succeeded its result carries the rest', async () => {
    const queue = testQueue('told');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const child = template('told-child', [
      {
        id: 'find',
        task: 'test:record',
        input: { label: 'find' },
        externalIds: { jobTemplate: '${output.id}' },
      },
      {
        id: 'launch',
        task: 'test:record',
        needs: ['find'],
        input: { label: 'launch' },
        externalIds: { job: '${output.id}' },
      },
      { id: 'wait', task: 'test:wait', needs: ['launch'], input: { label: 'wait', ms: 5_000 } },
      {
        id: 'last',
        task: 'test:record',
        needs: ['wait'],
        input: { label: 'last' },
        externalIds: { report: '${output.id}' },
      },
    ]);
    const parent = template('told-parent', [
      { id: 'sub', template: { name: 'told-child', version: '1.0.0' }, input: {} },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [parent, child], {});
      // The job's ID reaches the parent while the child still waits on it.
      await eventually(async () => {
        const sub = (await handle.query(progressQuery)).steps.find((s) => s.id === 'sub');
        return sub?.externalIds.job === 'id-launch' ? true : undefined;
      }, "the child's job ID in the parent's progress");
      assert.ok(!log.includes('end:wait'), 'told while the child was still waiting');

      const result = await handle.result();
      // (test:record's output names an external ID of its own, `thing`, at every step.)
      assert.deepEqual(stateOf(result, 'sub').externalIds, {
        jobTemplate: 'id-find',
        job: 'id-launch',
        report: 'id-last',
        thing: 'id-last',
      });
      const signals = (await historyOf(workflowId)).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'templateProgress',
      );
      assert.equal(
        signals.length,
        1,
        "the find's and the launch's IDs together as the wait began; the wait's and the last's with the result",
      );
    });
  });

  it('cancellation reaches running steps and children, then compensates', async () => {
    const queue = testQueue('cancel');
    const log: string[] = [];
    const tasks = engineTasks(log);
    const child = template('cancel-child', [
      {
        id: 'prep',
        task: 'test:record',
        input: { label: 'prep' },
        undo: { task: 'test:undo', input: { label: 'prep' } },
      },
      {
        id: 'long',
        task: 'test:record',
        needs: ['prep'],
        input: { label: 'long', ms: 60_000 },
        timeouts: { heartbeatTimeout: '2 seconds' },
      },
    ]);
    const parent = template('cancel-parent', [
      {
        id: 'first',
        task: 'test:record',
        input: { label: 'first' },
        undo: { task: 'test:undo', input: { label: 'first' } },
      },
      { id: 'sub', template: { name: 'cancel-child', version: '1.0.0' }, needs: ['first'], input: {} },
    ]);
    await withEngine(queue, tasks, async () => {
      const { handle, workflowId } = await startTemplate(queue, tasks, [parent, child], {});
      await eventually(
        async () => (log.includes('start:long') ? true : undefined),
        'the child step to start',
      );
      await handle.cancel();
      await assert.rejects(
        handle.result(),
        (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
      );
      assert.ok(log.includes('cancelled:long'), 'the running activity in the child saw the cancellation');
      assert.deepEqual(
        log.filter((l) => l.startsWith('undo:')),
        ['undo:prep', 'undo:first'],
        'the child compensated itself, then the parent',
      );
      const { client } = await getStack();
      const childId = `${workflowId}/sub`;
      assert.equal((await client.workflow.getHandle(childId).describe()).status.name, 'CANCELLED');
      const progress = await handle.query(progressQuery);
      assert.equal(progress.status, 'cancelled');
      assert.equal(progress.steps.find((s) => s.id === 'first')!.state, 'compensated');
      assert.deepEqual(progress.steps.find((s) => s.id === 'sub')!.children, [childId]);
      await recordHistory('cancel-parent', workflowId);
      await recordHistory('cancel-child', childId);
    });
  });
});
