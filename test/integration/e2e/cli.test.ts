/**
 * The operator's path through the Temporal CLI, exactly as the README gives it: find a request's
 * whole tree by trace ID, and re-run a failed request with a reset once its cause is fixed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from '../../../platform/temporal/cli';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';

describe('the Temporal CLI on a request', () => {
  let t: E2e;
  let erin: string;
  let temporal: (...args: string[]) => string;
  before(async () => {
    t = await e2e();
    erin = await t.requester('erin');
    const cli = ensureTemporalCli();
    temporal = (...args) =>
      execFileSync(cli, [...args, '--address', t.stack.temporalAddress, '--namespace', t.stack.namespace], {
        encoding: 'utf8',
      });
  });

  it("lists a request's whole tree by its trace ID", async () => {
    const { requestId, traceId } = await t.submit(erin, {
      resources: [vm(`tree-${Date.now().toString(36)}`)],
    });
    assert.equal((await t.settle(erin, requestId)).status, 'succeeded');
    let listed: { execution: { workflowId: string }; type: { name: string } }[] = [];
    await waitFor(
      'the tree in visibility',
      async () => {
        listed = JSON.parse(
          temporal('workflow', 'list', '--query', `TraceId='${traceId}'`, '--output', 'json') || '[]',
        );
        return listed.length >= 3;
      },
      20_000,
    );
    const ids = listed.map((w) => w.execution.workflowId).sort();
    assert.ok(
      ids.every((id) => id.startsWith(`${traceId}/${requestId}`)),
      ids.join('\n'),
    );
    assert.ok(ids.includes(`${traceId}/${requestId}`), 'the request itself');
    assert.ok(
      ids.some((id) => id.includes('/vm-create-unmanaged[')),
      'its template',
    );
    assert.ok(
      ids.some((id) => id.includes('/build')),
      "the template's AWX sub-template",
    );
  });

  it('re-runs a failed request with a reset once the cause is fixed; the ledger follows', async () => {
    const name = `reset-${Date.now().toString(36)}`;
    const rule = t.stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { extra_vars: `"${name}"` },
      outcome: 'failed',
      message: 'no capacity',
    });
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)] });
    assert.equal((await t.settle(erin, requestId)).status, 'failed');
    t.stack.sims.world.removeFault(rule.id);

    const failed = JSON.parse(
      temporal(
        'workflow',
        'list',
        '--query',
        `TraceId='${traceId}' AND WorkflowType='requestWorkflow'`,
        '--output',
        'json',
      ),
    ) as { execution: { workflowId: string } }[];
    assert.deepEqual(
      failed.map((w) => w.execution.workflowId),
      [`${traceId}/${requestId}`],
    );
    temporal(
      'workflow',
      'reset',
      '--workflow-id',
      `${traceId}/${requestId}`,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'AWX capacity restored',
    );

    let view = await t.settle(erin, requestId);
    // The reset run starts by recording `running`; wait for it to end again.
    await waitFor(
      'the reset run to end',
      async () => {
        view = await t.settle(erin, requestId);
        return view.status === 'succeeded';
      },
      90_000,
      500,
    );
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    const { rows } = await t.stack.pool.query(
      'SELECT status FROM request_status_events WHERE request_id = $1 ORDER BY id',
      [requestId],
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['received', 'running', 'failed', 'running', 'succeeded'],
    );
  });
});
