/**
 * Two lanes, end to end (docs/waits.md, "Two lanes"): a requester who already has
 * DEFAULT_BULK_AFTER requests received or running gets their next one in the bulk lane, whole (its
 * workflows, its children, the orchestrator's own activities), and it builds there as it would in
 * the interactive lane; another requester's request at the same moment stays interactive.
 */
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { requestWorkflowId } from '../../../common/ids';
import { waitFor } from '../../../platform/net';
import { DEFAULT_BULK_AFTER, TaskQueues } from '../../../common/task-queues';
import { e2e, vm, type E2e } from './fixture';

/** The task queues of a request's tree: its workflows' and the activities they scheduled. */
async function queuesOfTree(t: E2e, traceId: string) {
  const workflows = new Set<string>();
  const activities = new Set<string>();
  for await (const wf of t.stack.client.workflow.list({ query: `TraceId = '${traceId}'` })) {
    // The resource workflow outlives the request; it is started in the request's lane too.
    workflows.add(wf.taskQueue);
    const history = await t.stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.taskQueue?.name) activities.add(scheduled.taskQueue.name);
    }
  }
  return { workflows: [...workflows].sort(), activities };
}

/** The task queue a request's workflow started on, once the API has started it (just after its answer). */
async function startedLane(t: E2e, request: { traceId: string; requestId: string }): Promise<string> {
  const handle = t.stack.client.workflow.getHandle(requestWorkflowId(request.traceId, request.requestId));
  let taskQueue = '';
  await waitFor(
    `the workflow of ${request.requestId} to start`,
    async () => {
      taskQueue = await handle.describe().then(
        (d) => d.taskQueue,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return '';
          throw err;
        },
      );
      return taskQueue !== '';
    },
    30_000,
    100,
  );
  return taskQueue;
}

describe('two lanes: a requester with several unfinished requests goes bulk', function () {
  this.timeout(240_000);
  let t: E2e;
  const stamp = Date.now().toString(36);

  before(async () => {
    t = await e2e();
  });

  it("starts a busy requester's next request in the bulk lane, and another requester's in the interactive one", async () => {
    const fern = await t.requester(`fern-${stamp}`);
    const gus = await t.requester(`gus-${stamp}`);
    // Fern's first requests stay unfinished: each waits for its capacity approval (or its turn).
    const waiting: { requestId: string; traceId: string }[] = [];
    try {
      for (let i = 0; i < DEFAULT_BULK_AFTER; i++)
        waiting.push(
          await t.submit(fern, { resources: [vm(`lane-big-${i}-${stamp}`, { cpu: 12, memoryGb: 32 })] }),
        );
      for (const w of waiting)
        assert.equal(
          await startedLane(t, w),
          TaskQueues.orchestrator,
          'the first of a burst stay interactive',
        );

      const bulk = await t.submit(fern, { resources: [vm(`lane-bulk-${stamp}`)] });
      const interactive = await t.submit(gus, { resources: [vm(`lane-gus-${stamp}`)] });
      const [bulkView, interactiveView] = await Promise.all([
        t.settle(fern, bulk.requestId),
        t.settle(gus, interactive.requestId),
      ]);
      assert.equal(bulkView.status, 'succeeded', JSON.stringify(bulkView.resources));
      assert.equal(interactiveView.status, 'succeeded', JSON.stringify(interactiveView.resources));

      const bulkTree = await queuesOfTree(t, bulk.traceId);
      assert.deepEqual(bulkTree.workflows, [TaskQueues.orchestratorBulk]);
      assert.ok(bulkTree.activities.has(TaskQueues.orchestratorBulk), [...bulkTree.activities].join());
      assert.ok(!bulkTree.activities.has(TaskQueues.orchestrator), [...bulkTree.activities].join());
      assert.ok(bulkTree.activities.has(TaskQueues.vcenter), 'end-system calls stay on their queues');

      const interactiveTree = await queuesOfTree(t, interactive.traceId);
      assert.deepEqual(interactiveTree.workflows, [TaskQueues.orchestrator]);
      assert.ok(!interactiveTree.activities.has(TaskQueues.orchestratorBulk));
    } finally {
      // Whatever happened above, the waiting requests end here: later suites wait for every
      // request workflow to end.
      for (const w of waiting)
        await t.api
          .call('POST', `/v1/requests/${w.requestId}/cancel`, { token: fern })
          .catch(() => undefined);
      for (const w of waiting) await t.settle(fern, w.requestId);
    }
  });
});
