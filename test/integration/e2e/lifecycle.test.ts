/**
 * A resource's life through the API: the inventory, a lease changed while its timer runs, the
 * reminder and the decommission at its end (a new request in the resource's trace), and the
 * refusals of bad lease changes. Reminder offsets and grace are admin settings, set here to
 * seconds so a lease can end within the test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ulid } from 'ulid';
import { issueToken } from '../../../api/auth/tokens';
import { approvalsWaitingByGroup } from '../../../api/routes/metrics';
import { requestIdFrom, traceIdFrom } from '../../../common/ids';
import { resourceWorkflowId, type ResourceLifecycle } from '../../../common/lifecycle';
import { TaskQueues } from '../../../common/task-queues';
import { waitFor } from '../../../platform/net';
import {
  actionFinishedSignal,
  changeLeaseUpdate,
  lifecycleQuery,
  requestTurnSignal,
} from '../../../workflows/definitions';
import { resourceWorkflow } from '../../../workflows/resource';
import { historiesDir } from '../engine/engine-fixture';
import { historyToJsonText } from '../../replay/history-json';
import { gitRepositories } from '../security/fixture';
import { e2e, vm, type E2e } from './fixture';

interface InventoryView {
  type: string;
  name: string;
  state: string;
  owner: string;
  leaseEnd: string | null;
  size: Record<string, unknown>;
  placement: Record<string, unknown>;
  externalIds: Record<string, unknown>;
  commit: string | null;
  traceId: string;
  workflowId: string | null;
  requests?: { requestId: string; traceId: string; action: string; status: string | null }[];
}

describe('a resource’s life: inventory, lease, removal at the lease’s end', function () {
  this.timeout(240_000);
  let t: E2e;
  let carol: string;
  let admin: string;
  const unique = (p: string) => `${p}-${Date.now().toString(36)}`;
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const resource = (token: string, name: string) =>
    t.api.call<InventoryView>('GET', `/v1/resources/virtual_machine/${name}`, { token });
  const changeLease = (token: string, name: string, body: unknown) =>
    t.api.call<InventoryView & { error?: { fields: { path: string }[] } }>(
      'POST',
      `/v1/resources/virtual_machine/${name}/lease`,
      { token, body },
    );
  /** Builds a VM of Carol's with a lease a day ahead; its inventory view once active. */
  async function built(name: string): Promise<InventoryView> {
    const { requestId } = await t.submit(carol, { resources: [vm(name, { leaseEnd: inDays(1) })] });
    assert.equal((await t.settle(carol, requestId)).status, 'succeeded');
    let view: InventoryView | undefined;
    await waitFor(`${name} active with its workflow`, async () => {
      view = (await resource(carol, name)).body;
      return view.state === 'active' && view.workflowId !== null;
    });
    return view!;
  }

  before(async () => {
    t = await e2e();
    carol = await t.requester('carol');
    admin = await t.api.tokenFor('admin');
    const set = await t.api.call('PUT', '/v1/admin/settings', {
      token: admin,
      body: { leaseReminders: ['12s'], leaseGrace: '2s' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  after(async () => {
    await t.stack.pool.query(
      `DELETE FROM settings WHERE key IN ('leaseReminders', 'leaseGrace', 'leaseApprovalGroup')`,
    );
  });
  /** The commits in the resource type's repository that removed `name`. */
  const removalCommits = (name: string) => {
    const repo = gitRepositories(t.stack).find((r) => path.basename(r).startsWith('virtual_machine'))!;
    return execFileSync('git', ['--git-dir', repo, 'log', '--all', '--format=%s'], { encoding: 'utf8' })
      .split('\n')
      .filter((s) => new RegExp(`remove ${name}\\b`).test(s));
  };

  it('lists a resource for its owner with size, placement, IDs and commit, and hides it from others', async () => {
    const name = unique('inv');
    const view = await built(name);
    assert.deepEqual(
      { owner: view.owner, cpu: view.size.cpu, network: view.placement.network },
      { owner: 'carol@example.test', cpu: 2, network: 'INTRANET_DEV' },
    );
    assert.match(String(view.externalIds.vm), /^vm-/);
    assert.match(String(view.commit), /^[0-9a-f]{40}$/);
    assert.ok(view.placement.cluster && view.placement.datastore, JSON.stringify(view.placement));
    const list = await t.api.call<{ resources: InventoryView[]; next: string | null }>(
      'GET',
      `/v1/resources?type=virtual_machine&state=active&leaseEndBefore=${encodeURIComponent(inDays(2))}&limit=200`,
      { token: carol },
    );
    assert.ok(list.body.resources.some((r) => r.name === name));
    const stranger = await t.requester('dave');
    assert.equal((await resource(stranger, name)).status, 404);
    assert.equal((await resource(stranger, unique('never'))).status, 404);
    const theirs = await t.api.call<{ resources: InventoryView[] }>('GET', '/v1/resources', {
      token: stranger,
    });
    assert.ok(!theirs.body.resources.some((r) => r.name === name));

    // Extending keeps it, on the running timer.
    const later = inDays(3);
    const extended = await changeLease(carol, name, { leaseEnd: later });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal(extended.body.leaseEnd, later);
    const life = await t.stack.client.workflow.getHandle(view.workflowId!).query(lifecycleQuery);
    assert.deepEqual([life.state, life.leaseEnd], ['active', later]);

    // Bad changes are refused naming the field, and change nothing.
    for (const [body, status, field] of [
      [{ leaseEnd: new Date(Date.now() - 60_000).toISOString() }, 422, 'body.leaseEnd'],
      [{ leaseEnd: inDays(400) }, 422, 'body.leaseEnd'],
      [{ leaseEnd: 'tomorrow' }, 400, 'body.leaseEnd'],
      [{ leaseEnd: later, extra: 1 }, 400, 'body'],
    ] as const) {
      const res = await changeLease(carol, name, body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(
        res.body.error?.fields.some((f) => f.path.startsWith(field)),
        JSON.stringify(res.body.error),
      );
    }
    assert.equal((await changeLease(stranger, name, { leaseEnd: later })).status, 404);
    assert.equal((await changeLease(carol, unique('never'), { leaseEnd: later })).status, 404);
    assert.equal((await resource(carol, name)).body.leaseEnd, later);
    await t.record('resource-extend', view.traceId);
  });

  it('shortened, reminds, then removes it under its trace: vCenter, address, git, inventory', async () => {
    const name = unique('lease');
    const view = await built(name);
    // Shortened to seconds ahead: the running timer follows at once.
    const shortened = await changeLease(carol, name, {
      leaseEnd: new Date(Date.now() + 20_000).toISOString(),
    });
    assert.equal(shortened.status, 200, JSON.stringify(shortened.body));

    const reminder = await t.stack.sims.mailbox.waitFor(
      (m) => m.subject.startsWith(`Your VM ${name} will be removed in about`),
      60_000,
    );
    assert.match(reminder.text, new RegExp(`/v1/resources/virtual_machine/${name}/lease`));
    assert.match(reminder.text, new RegExp(view.traceId));
    await t.stack.sims.mailbox.waitFor(
      (m) => m.subject.startsWith(`The lease of your VM ${name} has ended`),
      60_000,
    );

    let gone: InventoryView | undefined;
    await waitFor(
      `${name} removed`,
      async () => {
        gone = (await resource(carol, name)).body;
        return gone.state === 'removed';
      },
      120_000,
      500,
    );
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
    assert.equal(await t.liveAddresses(name), 0);
    // Its removal is committed: the inventory's commit is the one that removed its folder.
    assert.notEqual(gone!.commit, view.commit);
    const repo = gitRepositories(t.stack).find((r) => path.basename(r).startsWith('virtual_machine'))!;
    const subject = execFileSync('git', ['--git-dir', repo, 'log', '-1', '--format=%s', gone!.commit!], {
      encoding: 'utf8',
    });
    assert.match(subject, new RegExp(`remove ${name}`));
    // The create and the decommission, both in the resource's trace.
    const requests = gone!.requests!;
    assert.deepEqual(
      requests.map((r) => [r.action, r.traceId, r.status]),
      [
        ['create', view.traceId, 'succeeded'],
        ['delete', view.traceId, 'succeeded'],
      ],
    );
    assert.notEqual(requests[0]!.requestId, requests[1]!.requestId);
    const inTrace: string[] = [];
    for await (const wf of t.stack.client.workflow.list({ query: `TraceId = '${view.traceId}'` }))
      inTrace.push(wf.type);
    assert.deepEqual(
      [...new Set(inTrace)].sort(),
      ['requestWorkflow', 'resourceWorkflow', 'templateInterpreter'].sort(),
    );
    const life: ResourceLifecycle = await t.stack.client.workflow.getHandle(view.workflowId!).result();
    assert.deepEqual(
      life.events.map((e) => e.kind),
      ['set', 'changed', 'reminded', 'expired', 'decommissioned'],
    );
    // Gone: its lease can no longer change, and its name can be built again.
    assert.equal((await changeLease(carol, name, { leaseEnd: inDays(1) })).status, 404);
    await t.record('resource-lease', view.traceId);
  });

  it('with the worker stopped across the expiry, is removed once when the worker returns', async () => {
    const name = unique('down');
    const view = await built(name);
    // Nearer than the reminder offset (12 s): no reminder is due, only the end.
    const ends = Date.now() + 10_000;
    const shortened = await changeLease(carol, name, { leaseEnd: new Date(ends).toISOString() });
    assert.equal(shortened.status, 200, JSON.stringify(shortened.body));
    const startWorkers = await t.stack.stopWorkers();
    try {
      // Past the end and the grace (2 s) with no worker: nothing can happen yet.
      await new Promise((r) => setTimeout(r, ends + 4_000 - Date.now()));
      assert.equal((await resource(carol, name)).body.state, 'active');
    } finally {
      await startWorkers();
    }
    let gone: InventoryView | undefined;
    await waitFor(
      `${name} removed`,
      async () => {
        gone = (await resource(carol, name)).body;
        return gone.state === 'removed';
      },
      120_000,
      500,
    );
    const life: ResourceLifecycle = await t.stack.client.workflow.getHandle(view.workflowId!).result();
    // No late reminder; one expiry, one decommission request, one removal commit.
    assert.deepEqual(
      life.events.map((e) => e.kind),
      ['set', 'changed', 'expired', 'decommissioned'],
    );
    assert.deepEqual(
      gone!.requests!.map((r) => [r.action, r.status]),
      [
        ['create', 'succeeded'],
        ['delete', 'succeeded'],
      ],
    );
    assert.equal(removalCommits(name).length, 1, removalCommits(name).join('\n'));
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
    assert.equal(await t.liveAddresses(name), 0);
  });

  it('waits for the approval of the group an admin names for a lease beyond the maximum', async () => {
    const name = unique('long');
    const view = await built(name);
    const group = 'lease-approvers';
    const set = await t.api.call('PUT', '/v1/admin/settings', {
      token: admin,
      body: { leaseApprovalGroup: group },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      interface Started {
        requestId: string;
        traceId: string;
        approvalGroup: string;
        links: Record<string, string>;
        repeated?: true;
      }
      const ask = (leaseEnd: string, headers: Record<string, string> = {}, token = carol) =>
        t.api.call<Started>('POST', `/v1/resources/virtual_machine/${name}/lease`, {
          token,
          body: { leaseEnd },
          headers,
        });
      const approver = (
        await issueToken(
          t.stack.pool,
          { subject: 'lena@example.test', role: 'approver', groups: [group] },
          'test',
        )
      ).token;
      const decide = (requestId: string, decision: 'approve' | 'reject') =>
        t.api.call('POST', `/v1/requests/${requestId}/approve`, {
          token: approver,
          body: { stepId: 'approve', decision, comment: 'test' },
        });
      const waiting = (requestId: string, token = carol) =>
        waitFor(
          'the lease approval to wait',
          async () => {
            const r = await t.api.call<{ waiting?: { groups: string[] }[] }>(
              'GET',
              `/v1/requests/${requestId}`,
              {
                token,
              },
            );
            return r.body.waiting?.some((w) => w.groups.includes(group)) ?? false;
          },
          60_000,
          250,
        );

      // Asked by an admin and rejected: the lease stays as it was, and its owner is told.
      const rejected = await ask(inDays(500), {}, admin);
      assert.equal(rejected.status, 202, JSON.stringify(rejected.body));
      assert.equal(rejected.body.traceId, view.traceId, 'a request in the resource’s trace');
      assert.equal(rejected.body.approvalGroup, group);
      assert.match(rejected.body.links.request!, new RegExp(`/v1/requests/${rejected.body.requestId}$`));
      await waiting(rejected.body.requestId, admin);
      assert.ok(((await approvalsWaitingByGroup(t.stack.client)).get(group) ?? 0) >= 1);
      assert.equal((await decide(rejected.body.requestId, 'reject')).status, 200);
      assert.equal((await t.settle(admin, rejected.body.requestId)).status, 'failed');
      assert.equal((await resource(carol, name)).body.leaseEnd, view.leaseEnd);
      await t.stack.sims.mailbox.waitFor(
        (m) => m.to.includes('carol@example.test') && m.text.includes(rejected.body.requestId),
      );

      // Approved: the lease takes the end asked for, on the running timer. Sent twice with one
      // Idempotency-Key (a client's retry), it is one request; the key with another end is refused.
      const once = { 'idempotency-key': unique('lease-key') };
      const end = inDays(400);
      const approved = await ask(end, once);
      assert.equal(approved.status, 202, JSON.stringify(approved.body));
      const again = await ask(end, once);
      assert.equal(again.status, 202, JSON.stringify(again.body));
      assert.equal(again.body.requestId, approved.body.requestId);
      assert.equal(again.body.repeated, true);
      const reused = await ask(inDays(401), once);
      assert.equal(reused.status, 422, JSON.stringify(reused.body));
      await waiting(approved.body.requestId);
      assert.equal((await decide(approved.body.requestId, 'approve')).status, 200);
      assert.equal((await t.settle(carol, approved.body.requestId)).status, 'succeeded');
      const after = (await resource(carol, name)).body;
      assert.ok(Date.parse(after.leaseEnd!) > Date.now() + 399 * 86_400_000, after.leaseEnd!);
      const life = await t.stack.client.workflow.getHandle(view.workflowId!).query(lifecycleQuery);
      assert.equal(life.leaseEnd, after.leaseEnd);
      assert.match(life.events.at(-1)!.by!, /approved by lena@example.test/);
      assert.deepEqual(
        after.requests!.map((r) => [r.action, r.status]),
        [
          ['create', 'succeeded'],
          ['lease', 'failed'],
          ['lease', 'succeeded'],
        ],
      );
      await t.record('resource-lease-approval', view.traceId);
    } finally {
      await t.stack.pool.query(`DELETE FROM settings WHERE key = 'leaseApprovalGroup'`);
    }
  });

  it('queues a change that comes while another holds the turn, and grants it after', async () => {
    // A resource workflow alone; the "requests" are stand-ins: a running workflow that takes the
    // turnGranted signals, while the test says when each action finished.
    const traceId = traceIdFrom(ulid());
    const name = unique('queue');
    const start = (workflowId: string, resourceName: string) =>
      t.stack.client.workflow.start(resourceWorkflow, {
        taskQueue: TaskQueues.orchestrator,
        workflowId,
        args: [
          {
            type: 'virtual_machine',
            name: resourceName,
            traceId,
            requestId: requestIdFrom(ulid()),
            requester: 'carol@example.test',
            managed: false,
            notify: [],
            apiUrl: 'http://127.0.0.1/v1',
            leaseEnd: inDays(1),
          },
        ],
      });
    const handle = await start(resourceWorkflowId(traceId, 'virtual_machine', name), name);
    const standIn = await start(`${traceId}/stand-in`, `${name}-x`);
    const action = (requestId: string) => ({ requestId, workflowId: standIn.workflowId, action: 'update' });
    const [first, second] = [requestIdFrom(ulid()), requestIdFrom(ulid())];
    const life = () => handle.query(lifecycleQuery);
    await handle.signal(requestTurnSignal, action(first));
    await waitFor('the first turn', async () => (await life()).current?.requestId === first);
    await handle.signal(requestTurnSignal, action(second));
    await waitFor('the second queued', async () => (await life()).queue.length === 1);
    assert.deepEqual([(await life()).state, (await life()).queue[0]!.requestId], ['changing', second]);
    await handle.signal(actionFinishedSignal, { requestId: first, action: 'update', succeeded: true });
    await waitFor('the second turn', async () => (await life()).current?.requestId === second);
    await handle.signal(actionFinishedSignal, { requestId: second, action: 'update', succeeded: true });
    await waitFor('active again', async () => {
      const l = await life();
      return l.state === 'active' && !l.current && l.queue.length === 0;
    });
    await handle.terminate('test done');
    await standIn.terminate('test done');
    if (process.env.RECORD_HISTORIES === '1') {
      const history = await handle.fetchHistory();
      writeFileSync(
        path.join(historiesDir, 'resource-queue.json'),
        historyToJsonText(handle.workflowId, history),
      );
    }
  });

  it('continues as new before its history grows large, carrying its lease', async () => {
    // A resource workflow alone (no inventory row: its records find nothing), with a low limit.
    const traceId = traceIdFrom(ulid());
    const name = unique('can');
    const workflowId = resourceWorkflowId(traceId, 'virtual_machine', name);
    const handle = await t.stack.client.workflow.start(resourceWorkflow, {
      taskQueue: TaskQueues.orchestrator,
      workflowId,
      args: [
        {
          type: 'virtual_machine',
          name,
          traceId,
          requestId: requestIdFrom(ulid()),
          requester: 'carol@example.test',
          managed: false,
          notify: [],
          apiUrl: 'http://127.0.0.1/v1',
          leaseEnd: inDays(1),
          historyLimit: 20,
        },
      ],
    });
    const firstRun = handle.firstExecutionRunId;
    let leaseEnd = '';
    for (let day = 2; day <= 4; day++) {
      leaseEnd = inDays(day);
      await handle.executeUpdate(changeLeaseUpdate, { args: [{ leaseEnd, by: 'carol@example.test' }] });
    }
    await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun);
    const life = await handle.query(lifecycleQuery);
    assert.deepEqual([life.state, life.leaseEnd], ['active', leaseEnd]);
    assert.ok(life.events.filter((e) => e.kind === 'changed').length >= 3, JSON.stringify(life.events));
    await handle.terminate('test done');
    if (process.env.RECORD_HISTORIES === '1') {
      const history = await t.stack.client.workflow.getHandle(workflowId, firstRun).fetchHistory();
      writeFileSync(
        path.join(historiesDir, 'resource-continue-as-new.json'),
        historyToJsonText(workflowId, history),
      );
    }
  });
});
