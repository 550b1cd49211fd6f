import assert from 'node:assert/strict';
import { issueToken } from '../../../api/auth/tokens';
import type { TemplateProgress } from '../../../common/template';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';

interface Progressing {
  status: string;
  resources: { progress?: { steps: { id: string; state: string }[] } }[];
}

/** Waits until the request's first resource is held at its `capacity` approval step. */
async function capacityStepWaiting(t: E2e, token: string, requestId: string): Promise<void> {
  await waitFor(
    'the capacity step to wait',
    async () => {
      const view = (await t.api.call<Progressing>('GET', `/v1/requests/${requestId}`, { token })).body;
      return (
        view.resources[0]?.progress?.steps.some((s) => s.id === 'capacity' && s.state === 'running') ?? false
      );
    },
    60_000,
    250,
  );
}

describe('approvals: a large VM waits for the capacity group', () => {
  let t: E2e;
  let carol: string;
  before(async () => {
    t = await e2e();
    carol = await t.requester('carol');
  });

  it('refuses a requester and an approver outside the group, then builds once the group approves', async () => {
    const name = `big-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(carol, { resources: [vm(name, { cpu: 12, memoryGb: 32 })] });
    const submitted = new Date().toISOString();
    await capacityStepWaiting(t, carol, requestId);
    // The status says what waits, for whom, since when (told by the template a moment after it waits).
    let waiting: { resource: string; stepId: string; groups: string[]; since: string }[] = [];
    await waitFor(
      'the status to list the waiting approval',
      async () => {
        waiting = (
          await t.api.call<{ waiting: typeof waiting }>('GET', `/v1/requests/${requestId}`, { token: carol })
        ).body.waiting;
        return waiting.length > 0;
      },
      30_000,
      250,
    );
    assert.deepEqual(
      waiting.map((w) => [w.resource, w.stepId, w.groups, w.since >= submitted.slice(0, 19)]),
      [[name, 'capacity', ['capacity'], true]],
    );
    const approve = (token: string, stepId = 'capacity') =>
      t.api.call<{ error?: { type: string; message: string } }>('POST', `/v1/requests/${requestId}/approve`, {
        token,
        body: { stepId, decision: 'approve', comment: 'fits the cluster' },
      });

    assert.equal((await approve(carol)).status, 403, 'a requester does not approve');
    const network = (
      await issueToken(
        t.stack.pool,
        { subject: 'nora@example.test', role: 'approver', groups: ['network'] },
        'test',
      )
    ).token;
    const refused = await approve(network);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error!.message, /approved by capacity/);
    const capacity = (
      await issueToken(
        t.stack.pool,
        { subject: 'cap@example.test', role: 'approver', groups: ['capacity'] },
        'test',
      )
    ).token;
    assert.equal((await approve(capacity, 'no-such-step')).status, 409);
    assert.equal((await approve(capacity)).status, 200);

    const decidedAt = new Date().toISOString();
    const view = await t.settle(carol, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    // After the end the status still says who decided, and when.
    const after = (
      await t.api.call<{ waiting: unknown[]; approvals: { stepId: string; by: string; at: string }[] }>(
        'GET',
        `/v1/requests/${requestId}`,
        { token: carol },
      )
    ).body;
    assert.deepEqual(after.waiting, []);
    assert.deepEqual(
      after.approvals.map((a) => [a.stepId, a.by, a.at <= decidedAt]),
      [['capacity', 'cap@example.test', true]],
    );
    const [summary] = await t.vcenter.listVms({ names: name });
    assert.equal((await t.vcenter.readVm(summary!.vm))?.cpu?.count, 12);
    assert.equal((await approve(capacity)).status, 409, 'nothing waits once the request has ended');
  });

  it('lets an admin outside every group decide the step, and records that an admin did', async () => {
    const name = `big-admin-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(carol, { resources: [vm(name, { cpu: 12, memoryGb: 32 })] });
    await capacityStepWaiting(t, carol, requestId);
    const ada = (await issueToken(t.stack.pool, { subject: 'ada@example.test', role: 'admin' }, 'test'))
      .token;
    const decided = await t.api.call<{ by: string; asAdmin: boolean }>(
      'POST',
      `/v1/requests/${requestId}/approve`,
      { token: ada, body: { stepId: 'capacity', decision: 'approve', comment: 'capacity group away' } },
    );
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.deepEqual([decided.body.by, decided.body.asAdmin], ['ada@example.test', true]);

    const view = await t.settle(carol, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    // The template's own record of the step (its workflow answers the query after it has ended).
    const template = (view.resources[0] as { workflowId?: string }).workflowId!;
    const progress = await t.stack.client.workflow.getHandle(template).query<TemplateProgress>('progress');
    const approval = progress.steps.find((s) => s.id === 'capacity')?.approval;
    assert.deepEqual(approval && { by: approval.by, asAdmin: approval.asAdmin, comment: approval.comment }, {
      by: 'ada@example.test',
      asAdmin: true,
      comment: 'capacity group away',
    });
  });
});

describe('the placement matrix (admin)', () => {
  let t: E2e;
  before(async () => {
    t = await e2e();
  });

  it('lists and changes the matrix for admins only, naming an unknown cluster', async () => {
    const admin = await t.api.tokenFor('admin');
    const requester = await t.requester('dave');
    const listed = await t.api.call<{
      matrix: { cluster: string; datastore: string; allowed: boolean; weight: number }[];
    }>('GET', '/v1/admin/placement', { token: admin });
    assert.equal(listed.status, 200);
    const cell = listed.body.matrix[0]!;
    assert.equal((await t.api.call('GET', '/v1/admin/placement', { token: requester })).status, 403);
    assert.equal(
      (await t.api.call('PUT', '/v1/admin/placement', { token: requester, body: { ...cell } })).status,
      403,
    );
    const changed = await t.api.call<{ weight: number; updatedBy: string }>('PUT', '/v1/admin/placement', {
      token: admin,
      body: {
        cluster: cell.cluster,
        datastore: cell.datastore,
        allowed: cell.allowed,
        weight: cell.weight + 1,
      },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.weight, cell.weight + 1);
    const unknown = await t.api.call<{ error: { fields: { path: string }[] } }>(
      'PUT',
      '/v1/admin/placement',
      {
        token: admin,
        body: { cluster: 'NOPE', datastore: cell.datastore, allowed: true },
      },
    );
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      unknown.body.error.fields.map((f) => f.path),
      ['body.cluster'],
    );
    // Put it back for the other tests.
    await t.api.call('PUT', '/v1/admin/placement', { token: admin, body: cell });
  });
});

describe('cancelling a request', () => {
  let t: E2e;
  before(async () => {
    t = await e2e();
  });

  it('cancels a request waiting for approval: it ends cancelled, its address is free, nothing is built', async () => {
    const frank = await t.requester('frank');
    const name = `cancel-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(frank, { resources: [vm(name, { cpu: 16 })] });
    await capacityStepWaiting(t, frank, requestId);
    const other = await t.requester('grace');
    assert.equal(
      (await t.api.call('POST', `/v1/requests/${requestId}/cancel`, { token: other })).status,
      404,
    );
    assert.equal(
      (await t.api.call('POST', `/v1/requests/${requestId}/cancel`, { token: frank })).status,
      202,
    );
    const view = await t.settle(frank, requestId);
    assert.equal(view.status, 'cancelled');
    assert.equal(view.resources[0]!.state, 'cancelled');
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
    const { rows } = await t.stack.pool.query(
      'SELECT count(*)::int AS n FROM ip_allocations WHERE resource_name = $1 AND released_at IS NULL',
      [name],
    );
    assert.equal(rows[0].n, 0);
    assert.equal(
      (await t.api.call('POST', `/v1/requests/${requestId}/cancel`, { token: frank })).status,
      409,
    );
  });
});
