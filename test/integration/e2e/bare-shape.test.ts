import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { traceSearchAttributes } from '../../../common/search-attributes';
import { waitFor } from '../../../platform/net';
import { bareQueue, bareTaskQueues } from '../../../bench/bare';
import { breakdown, shapeDifferences } from '../../../bench/breakdown';
import { e2e, vm } from './fixture';

/**
 * The benchmark's limit is only as good as the bare tree's likeness: its real request/bare
 * ratios mean something while the bare request has the workflows, activities per task queue
 * and child hops of a real one. A change of the real request's shape fails here, naming what
 * to change in bench/workflows.ts.
 */
describe("the benchmark's bare-Temporal request", () => {
  it('has the shape of a real single unmanaged VM request', async function () {
    this.timeout(180_000);
    const t = await e2e();
    const alice = await t.requester('alice');
    const name = `bare-${Date.now().toString(36)}`;
    const { requestId, traceId } = await t.submit(alice, { resources: [vm(name)] });
    const view = await t.settle(alice, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));

    const { client, nativeConnection, namespace } = t.stack;
    const workers = await Promise.all(
      bareTaskQueues.map((taskQueue) =>
        Worker.create({
          connection: nativeConnection,
          namespace,
          taskQueue,
          activities: { async noop() {} },
          ...(taskQueue === bareQueue('orchestrator')
            ? { workflowsPath: require.resolve('../../../bench/workflows') }
            : {}),
        }),
      ),
    );
    const ids = { traceId: `bare-shape-${Date.now().toString(36)}`, requestId: 'req' };
    const run = client.workflow.execute('bareRequest', {
      taskQueue: bareQueue('orchestrator'),
      workflowId: `${ids.traceId}/${ids.requestId}`,
      args: [ids],
      typedSearchAttributes: traceSearchAttributes(ids),
    });
    await Promise.all(workers.map((w) => w.runUntil(run)));
    // The bare resource workflow lives for its lease, as a real one does: not past this test.
    await client.workflow.getHandle(`${ids.traceId}/${ids.requestId}/resource`).terminate('test over');

    // Visibility lists a tree's last workflows a moment after they start.
    let differences: string[] = [];
    await waitFor(
      'both trees listed whole',
      async () => {
        const [real, bare] = await Promise.all([breakdown(client, traceId), breakdown(client, ids.traceId)]);
        differences = shapeDifferences(real.shape, bare.shape, { rounds: false, slack: 2 });
        return differences.length === 0;
      },
      10_000,
      250,
    ).catch(() => undefined);
    assert.deepEqual(differences, []);
  });
});
