import assert from 'node:assert/strict';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { RequestId, Requester, RequestStatus, TraceId } from '../../../common/search-attributes';
import { allTaskQueues, TaskQueues } from '../../../common/task-queues';
import { migrate, readMigrations } from '../../../platform/db/migrate';
import { loadDevConfig } from '../../../platform/dev-config';
import { waitFor } from '../../../platform/net';
import { ensureSearchAttributes } from '../../../platform/temporal/dev-server';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi } from '../api/api-client';
import { temporalAt } from '../../../platform/temporal/connection';

describe('the stack', () => {
  let stack: TestStack;
  before(async () => {
    stack = await getStack();
  });

  it('runs a real workflow through a real worker on every task queue, findable by its trace ID', async () => {
    const traceId = `trc_${Date.now().toString(36)}SYSCHECK`;
    const result = await stack.client.workflow.execute('systemCheck', {
      taskQueue: TaskQueues.orchestrator,
      workflowId: `${traceId}/check`,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: TraceId, value: traceId },
        { key: RequestId, value: 'req_check' },
        { key: Requester, value: 'ops@example.test' },
      ],
    });
    assert.deepEqual(
      (result as { queues: { taskQueue: string }[] }).queues.map((q) => q.taskQueue).sort(),
      [...allTaskQueues].sort(),
    );

    // Visibility is eventually consistent: wait for the closed execution to be listed.
    let found: { workflowId: string; status: string; attrs: Record<string, unknown> }[] = [];
    await waitFor(
      'the workflow in a TraceId visibility query',
      async () => {
        found = [];
        for await (const wf of stack.client.workflow.list({
          query: `TraceId = '${traceId}' AND RequestStatus = 'succeeded'`,
        })) {
          found.push({
            workflowId: wf.workflowId,
            status: wf.status.name,
            attrs: {
              requester: wf.typedSearchAttributes.get(Requester),
              status: wf.typedSearchAttributes.get(RequestStatus),
            },
          });
        }
        return found.length === 1;
      },
      20_000,
    );
    assert.deepEqual(found, [
      {
        workflowId: `${traceId}/check`,
        status: 'COMPLETED',
        attrs: { requester: 'ops@example.test', status: 'succeeded' },
      },
    ]);
  });

  it('reports ready on /readyz once every task queue has a poller, and healthy on /healthz', async () => {
    const api = await startTestApi(stack);
    try {
      const base = api.baseUrl;
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');

      let body: { status: string; checks: { taskQueues: Record<string, { ok: boolean }> } } | undefined;
      await waitFor(
        '/readyz to say ready',
        async () => {
          const res = await fetch(`${base}/readyz`);
          body = (await res.json()) as typeof body;
          return res.status === 200;
        },
        30_000,
      );
      assert.equal(body!.status, 'ready');
      assert.deepEqual(Object.keys(body!.checks.taskQueues).sort(), [...allTaskQueues].sort());
      for (const queue of allTaskQueues) {
        const check = body!.checks.taskQueues[queue] as { state?: string; backlog?: { tasks?: unknown } };
        assert.equal(check.state, 'polling', queue);
        assert.equal(typeof check.backlog?.tasks, 'number', `${queue} reports its backlog`);
      }

      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { type: string } }).error.type, 'NotFound');
    } finally {
      await api.close();
    }
  });

  it('applies migrations once, and refuses a migration changed after it was applied', async () => {
    const applied = async () =>
      (await stack.pool.query('SELECT version, checksum FROM schema_migrations ORDER BY version')).rows;
    const before = await applied();
    assert.deepEqual(
      before.map((r) => r.version),
      readMigrations().map((m) => m.version),
    );
    assert.deepEqual(await migrate(stack.pool), []);
    const tampered = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    await assert.rejects(migrate(stack.pool, tampered), /was changed after it was applied/);
    assert.deepEqual(await applied(), before);
  });

  it('registers search attributes idempotently and refuses a type clash', async () => {
    const { searchAttributes } = loadDevConfig();
    await ensureSearchAttributes(temporalAt(stack.temporalAddress, stack.namespace), searchAttributes);
    await assert.rejects(
      ensureSearchAttributes(temporalAt(stack.temporalAddress, stack.namespace), { TraceId: 'Int' }),
      /TraceId exists .* with another type/,
    );
  });
});
