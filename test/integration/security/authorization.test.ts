/**
 * Authentication and authorization beyond test/integration/api/auth.test.ts: who may call what
 * (a table of routes by role), what another requester's request looks like (nothing: 404, and no
 * effect), who may act on a resource (its owner, its group's members and admins: a table of
 * every action by every role and relation to the resource), tokens kept out of logs and answers, submissions rate-limited, security headers on
 * every answer, and body size limits on every route that takes a body.
 */
import assert from 'node:assert/strict';
import { ulid } from 'ulid';
import { issueToken, type Role } from '../../../api/auth/tokens';
import { startRequestWorkflow } from '../../../api/starter';
import { requestWorkflowId } from '../../../common/ids';
import { requestOutcome } from '../../../common/request';
import { createVcenterDeps } from '../../../activities/vcenter';
import type { VcenterClient } from '../../../activities/vcenter/client';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { vm } from './corpus';
import { footprint, quiesce, startSecurityApi, type Answer, type SecurityApi } from './fixture';

interface Envelope {
  error: { type: string; message: string };
}
interface View {
  requestId: string;
  traceId: string;
  status: string;
  resources: { progress?: { steps: { id: string; state: string }[] } }[];
}

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

describe('authorization: who may do what', () => {
  let stack: TestStack;
  let api: SecurityApi;
  const token: Record<'requester' | 'approver' | 'admin', string> = {
    requester: '',
    approver: '',
    admin: '',
  };
  before(async () => {
    stack = await getStack();
    api = await startSecurityApi(stack);
    token.requester = await api.tokenFor('requester');
    token.approver = await api.tokenFor('approver');
    token.admin = await api.tokenFor('admin');
  });
  after(() => api.close());

  const placementRule = { cluster: 'CL-DEV-01', datastore: 'NFS-ISO', allowed: true, weight: 5 };
  /** Route, body, and the status each role gets (401 for no token is checked for all). */
  const routes: {
    method: string;
    path: string;
    body?: unknown;
    allowed: Partial<Record<'requester' | 'approver' | 'admin', number>>;
  }[] = [
    { method: 'GET', path: '/v1/admin/tokens', allowed: { admin: 200 } },
    {
      method: 'POST',
      path: '/v1/admin/tokens',
      body: { subject: 'minted@example.test', role: 'admin' },
      allowed: { admin: 201 },
    },
    { method: 'DELETE', path: '/v1/admin/tokens/tok_unknown', allowed: { admin: 404 } },
    { method: 'GET', path: '/v1/admin/placement', allowed: { admin: 200 } },
    // The admin's own change is checked in its own test; here a change others must not make.
    { method: 'PUT', path: '/v1/admin/placement', body: placementRule, allowed: {} },
    {
      method: 'POST',
      path: '/v1/requests/req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE/approve',
      body: { stepId: 'capacity', decision: 'approve' },
      allowed: { approver: 404, admin: 404 },
    },
    {
      method: 'POST',
      path: '/v1/requests',
      body: { resources: [] },
      allowed: { requester: 400, admin: 400 },
    },
    {
      method: 'POST',
      path: '/v1/requests/req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE/cancel',
      allowed: { requester: 404, admin: 404 },
    },
    {
      method: 'POST',
      path: '/v1/requests/req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE/rerun',
      allowed: { requester: 404, admin: 404 },
    },
    { method: 'GET', path: '/v1/requests', allowed: { requester: 200, approver: 200, admin: 200 } },
    {
      method: 'PUT',
      path: '/v1/resources/virtual_machine/never-built/owner',
      body: { owner: 'someone@example.test' },
      allowed: { admin: 404 },
    },
  ];
  for (const route of routes) {
    it(`${route.method} ${route.path}: 401 without a token, 403 for a role it does not serve`, async () => {
      const before = (await stack.pool.query('SELECT * FROM placement_matrix ORDER BY cluster, datastore'))
        .rows;
      const anonymous = await api.call(route.method, route.path, { body: route.body });
      assert.equal(anonymous.status, 401);
      for (const role of ['requester', 'approver', 'admin'] as const) {
        if (role === 'admin' && route.allowed.admin === undefined) continue;
        const res = await api.call(route.method, route.path, { token: token[role], body: route.body });
        assert.equal(res.status, route.allowed[role] ?? 403, `${role}: ${res.text}`);
        if (res.status === 403) assert.equal((res.json as Envelope).error.type, 'Forbidden');
      }
      assert.deepEqual(
        (await stack.pool.query('SELECT * FROM placement_matrix ORDER BY cluster, datastore')).rows,
        before,
        'the matrix is unchanged',
      );
    });
  }

  it('lets an admin change the placement matrix, and records who did', async () => {
    const matrix = async () =>
      (await api.call('GET', '/v1/admin/placement', { token: token.admin })).json as {
        matrix: { cluster: string; datastore: string; allowed: boolean; updatedBy: string }[];
      };
    const was = (await matrix()).matrix.find((e) => e.cluster === 'CL-PROD-01' && e.datastore === 'NFS-ISO')!;
    const set = (allowed: boolean) =>
      api.call('PUT', '/v1/admin/placement', {
        token: token.admin,
        body: { cluster: 'CL-PROD-01', datastore: 'NFS-ISO', allowed, weight: 0 },
      });
    assert.equal((await set(!was.allowed)).status, 200);
    const now = (await matrix()).matrix.find((e) => e.cluster === 'CL-PROD-01' && e.datastore === 'NFS-ISO')!;
    assert.equal(now.allowed, !was.allowed);
    assert.match(now.updatedBy, /^admin-sec-/);
    assert.equal((await set(was.allowed)).status, 200);
  });
});

describe("authorization: another requester's request", () => {
  let stack: TestStack;
  let api: SecurityApi;
  let alice: string;
  let bob: string;
  let approver: string;
  let waiting: View;
  let failed: View;
  before(async function () {
    this.timeout(120_000);
    stack = await getStack();
    api = await startSecurityApi(stack);
    alice = await api.tokenFor('requester', unique('alice') + '@example.test');
    bob = await api.tokenFor('requester', unique('bob') + '@example.test');
    approver = await api.tokenFor('approver');
    const submit = async (body: unknown) => {
      const res = await api.call('POST', '/v1/requests', { token: alice, body });
      assert.equal(res.status, 202, res.text);
      return res.json as View;
    };
    const view = async (id: string) =>
      (await api.call('GET', `/v1/requests/${id}`, { token: alice })).json as View;

    // A large VM waits for the capacity group: a request that stays running.
    waiting = await submit({ resources: [vm({ cpu: 12, memoryGb: 32 }, unique('big'))] });
    // One that fails at AWX, so it can be re-run.
    const name = unique('doomed');
    const rule = stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { extra_vars: `"${name}"` },
      outcome: 'failed',
      message: 'refused for the test',
    });
    failed = await submit({ resources: [vm({}, name)] });
    await waitFor(
      'one request waiting and one failed',
      async () => {
        const [w, f] = await Promise.all([view(waiting.requestId), view(failed.requestId)]);
        return (
          f.status === 'failed' &&
          (w.resources[0]?.progress?.steps.some((s) => s.id === 'capacity' && s.state === 'running') ?? false)
        );
      },
      100_000,
      250,
    );
    stack.sims.world.removeFault(rule.id);
  });
  after(async () => {
    await api.call('POST', `/v1/requests/${waiting.requestId}/cancel`, { token: alice });
    await api.close();
  });

  /** The same answer as for a request that does not exist: status, type and message form. */
  function assertLooksAbsent(res: Answer, id: string) {
    assert.equal(res.status, 404, res.text);
    const body = res.json as Envelope;
    assert.equal(body.error.type, 'NotFound');
    assert.equal(body.error.message.replace(id, '<id>'), 'no request <id>');
  }

  it('answers 404 to reading, downloading, cancelling and re-running it, exactly as for no request at all', async () => {
    const ghost = 'req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE';
    for (const id of [waiting.requestId, failed.requestId, ghost]) {
      assertLooksAbsent(await api.call('GET', `/v1/requests/${id}`, { token: bob }), id);
      assertLooksAbsent(await api.call('GET', `/v1/requests/${id}/file`, { token: bob }), id);
      assertLooksAbsent(await api.call('POST', `/v1/requests/${id}/cancel`, { token: bob }), id);
      assertLooksAbsent(await api.call('POST', `/v1/requests/${id}/rerun`, { token: bob }), id);
    }
    assert.equal((await api.call('GET', `/v1/traces/${waiting.traceId}`, { token: bob })).status, 404);
  });

  it('lists none of it, whatever the filters say', async () => {
    for (const query of [
      `?trace=${waiting.traceId}`,
      `?status=failed&limit=200`,
      `?requester=${encodeURIComponent('alice@example.test')}`,
      `?limit=200`,
    ]) {
      const res = await api.call('GET', `/v1/requests${query}`, { token: bob });
      assert.equal(res.status, 200);
      const ids = (res.json as { requests: { requestId: string }[] }).requests.map((r) => r.requestId);
      assert.ok(!ids.includes(waiting.requestId) && !ids.includes(failed.requestId), query);
    }
  });

  it('is left as it was by those refused calls: still running, not re-run, nothing new in its trace', async () => {
    const before = await footprint(stack);
    await api.call('POST', `/v1/requests/${waiting.requestId}/cancel`, { token: bob });
    await api.call('POST', `/v1/requests/${failed.requestId}/rerun`, { token: bob });
    await api.call('POST', `/v1/requests/${waiting.requestId}/approve`, {
      token: bob,
      body: { stepId: 'capacity', decision: 'reject' },
    });
    const described = await stack.client.workflow
      .getHandle(`${waiting.traceId}/${waiting.requestId}`)
      .describe();
    assert.equal(described.status.name, 'RUNNING');
    const after = await footprint(stack);
    assert.equal(after.requests, before.requests);
    const trace = (await api.call('GET', `/v1/traces/${failed.traceId}`, { token: alice })).json as {
      requests: unknown[];
    };
    assert.equal(trace.requests.length, 1);
  });

  it('an approver may read it but neither cancel nor re-run it', async () => {
    assert.equal(
      (await api.call('GET', `/v1/requests/${waiting.requestId}`, { token: approver })).status,
      200,
    );
    for (const [path, id] of [
      [`/v1/requests/${waiting.requestId}/cancel`, waiting.requestId],
      [`/v1/requests/${failed.requestId}/rerun`, failed.requestId],
    ] as const) {
      const res = await api.call('POST', path, { token: approver });
      assert.equal(res.status, 403, `${path}: ${res.text}`);
      assert.ok(!res.text.includes(`${id} is`), 'says nothing of the request');
    }
  });

  it("only an approver of the step's group decides its approval; a requester cannot approve their own", async () => {
    const approve = (t: string) =>
      api.call('POST', `/v1/requests/${waiting.requestId}/approve`, {
        token: t,
        body: { stepId: 'capacity', decision: 'approve' },
      });
    assert.equal((await approve(alice)).status, 403);
    assert.equal((await approve(bob)).status, 403);
    const outsider = (
      await issueToken(
        stack.pool,
        { subject: unique('net') + '@example.test', role: 'approver', groups: ['network'] },
        't',
      )
    ).token;
    assert.equal((await approve(outsider)).status, 403);
    const view = (await api.call('GET', `/v1/requests/${waiting.requestId}`, { token: alice })).json as View;
    assert.ok(
      view.resources[0]?.progress?.steps.some((s) => s.id === 'capacity' && s.state === 'running'),
      'the step still waits',
    );
  });
});

describe('authorization: resources and their owners', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let api: SecurityApi;
  let vcenter: VcenterClient;
  type Who = { subject: string; token: string };
  const who: Record<string, Who> = {};
  const vmNames: Record<string, string> = {};
  let building: View;
  let bigName: string;

  /** A token of `role` in `groups`, for a subject of its own. */
  async function person(key: string, role: Role, groups: string[] = []): Promise<void> {
    const subject = `${unique(key)}@example.test`;
    who[key] = { subject, token: (await issueToken(stack.pool, { subject, role, groups }, 't')).token };
  }
  const view = async (token: string, id: string) =>
    (await api.call('GET', `/v1/requests/${id}`, { token })).json as View & {
      resources: { state: string; error?: { message: string; type?: string } }[];
    };
  /**
   * Waits for a request to end: its last status in the ledger, then its workflow's close, which
   * comes after the outcome notice is sent (so the mailbox holds it before a footprint is taken).
   */
  async function settle(token: string, id: string) {
    let seen: Awaited<ReturnType<typeof view>> | undefined;
    await waitFor(
      `request ${id} to end`,
      async () => ['succeeded', 'failed', 'cancelled'].includes((seen = await view(token, id)).status),
      180_000,
      250,
    );
    await stack.client.workflow
      .getHandle(requestWorkflowId(seen!.traceId, id))
      .result()
      .catch(() => undefined); // a failed or cancelled request's workflow ends in an error: it ended
    return seen!;
  }
  async function submit(token: string, body: unknown): Promise<View> {
    const res = await api.call('POST', '/v1/requests', { token, body });
    assert.equal(res.status, 202, res.text);
    return res.json as View;
  }
  const removal = (name: string) => ({ resources: [{ type: 'virtual_machine', action: 'delete', name }] });
  const removeAs = (token: string, name: string) =>
    api.call('POST', '/v1/requests', { token, body: removal(name) });
  /** Whether the VM is in vCenter and holds its address. */
  async function standing(name: string): Promise<{ inVcenter: boolean; address: boolean }> {
    const { rows } = await stack.pool.query(
      `SELECT 1 FROM ip_allocations WHERE resource_type = 'virtual_machine' AND resource_name = $1 AND released_at IS NULL`,
      [name],
    );
    return { inVcenter: (await vcenter.listVms({ names: name })).length === 1, address: rows.length === 1 };
  }
  /** An answer with the resource's name taken out, to compare refusals of different names. */
  const shape = (res: Answer, name: string) => ({
    status: res.status,
    body: JSON.parse(res.text.split(name).join('<name>')) as unknown,
  });

  before(async function () {
    this.timeout(300_000);
    stack = await getStack();
    api = await startSecurityApi(stack);
    ({ vcenter } = createVcenterDeps(loadEndSystemsConfig(stack.endSystemsEnv).vcenter!));
    await person('alice', 'requester', ['web']);
    await person('carol', 'requester', ['web']);
    await person('bob', 'requester', ['ops']);
    await person('approverOwner', 'approver');
    await person('approverMember', 'approver', ['web']);
    await person('approverStranger', 'approver', ['ops']);
    await person('adminOwner', 'admin');
    await person('adminMember', 'admin', ['web']);
    await person('adminStranger', 'admin', ['ops']);
    for (const key of [
      'kept',
      'forApprover',
      'byOwner',
      'byMember',
      'byAdminMember',
      'byAdminStranger',
      'byAdminOwner',
    ])
      vmNames[key] = unique(key.toLowerCase());
    // Earlier suites' requests still ending would change the footprints compared below.
    await quiesce(stack);
    const small = { cpu: 1, memoryGb: 2, disks: [{ sizeGb: 40 }] };
    const alices = await submit(who.alice!.token, {
      resources: [
        vm({ ...small, group: 'web' }, vmNames.kept),
        vm({ ...small, group: 'web' }, vmNames.forApprover),
        vm({ ...small, group: 'web' }, vmNames.byOwner),
        vm({ ...small, group: 'web' }, vmNames.byMember),
        vm({ ...small, group: 'web' }, vmNames.byAdminMember),
        vm(small, vmNames.byAdminStranger),
      ],
    });
    const admins = await submit(who.adminOwner!.token, { resources: [vm(small, vmNames.byAdminOwner)] });
    // A large VM waits for the capacity group: a resource being built for as long as the test needs.
    bigName = unique('big');
    building = await submit(who.alice!.token, { resources: [vm({ cpu: 12, memoryGb: 32 }, bigName)] });
    for (const [token, request] of [
      [who.alice!.token, alices],
      [who.adminOwner!.token, admins],
    ] as const) {
      const ended = await settle(token, request.requestId);
      assert.equal(ended.status, 'succeeded', JSON.stringify(ended.resources));
    }
    await waitFor(
      'the large VM to wait for its approval',
      async () =>
        (await view(who.alice!.token, building.requestId)).resources[0]?.progress?.steps.some(
          (st) => st.id === 'capacity' && st.state === 'running',
        ) ?? false,
      120_000,
      250,
    );
    const given = await api.call('PUT', `/v1/resources/virtual_machine/${vmNames.forApprover}/owner`, {
      token: who.adminStranger!.token,
      body: { owner: who.approverOwner!.subject },
    });
    assert.equal(given.status, 200, given.text);
  });
  after(async () => {
    await api.call('POST', `/v1/requests/${building.requestId}/cancel`, { token: who.alice!.token });
    await api.close();
  });

  it("refuses a stranger's delete of a VM that exists, one that never did and one being built with the same 404, and leaves all three as they were", async () => {
    const ghost = unique('ghost');
    const before = await footprint(stack);
    const answers = {
      existing: shape(await removeAs(who.bob!.token, vmNames.kept!), vmNames.kept!),
      absent: shape(await removeAs(who.bob!.token, ghost), ghost),
      building: shape(await removeAs(who.bob!.token, bigName), bigName),
    };
    assert.deepEqual(answers.existing, {
      status: 404,
      body: {
        error: {
          type: 'NotFound',
          message: 'not found: body.resources.0.name: no virtual_machine named <name>',
          fields: [{ path: 'body.resources.0.name', message: 'no virtual_machine named <name>' }],
        },
      },
    });
    assert.deepEqual(answers.absent, answers.existing);
    assert.deepEqual(answers.building, answers.existing);
    assert.deepEqual(await footprint(stack), before, 'nothing started, nothing stored');
    assert.deepEqual(await standing(vmNames.kept!), { inVcenter: true, address: true });
    const big = await view(who.alice!.token, building.requestId);
    assert.ok(big.resources[0]?.progress?.steps.some((s) => s.id === 'capacity' && s.state === 'running'));
  });

  it('tells the owner that a VM being built cannot be removed yet (409), and starts nothing', async () => {
    const before = await footprint(stack);
    const res = await removeAs(who.alice!.token, bigName);
    assert.equal(res.status, 409, res.text);
    assert.equal((res.json as Envelope).error.type, 'Conflict');
    assert.deepEqual(await footprint(stack), before);
  });

  /**
   * Every action on a resource × every role × its relation to the resource: which resource each
   * acts on and what it answers. A transfer is the admins'; a removal is the owner's, the group's
   * members' and the admins'.
   */
  const table = (
    [
      // by, relation to the resource, transfer's resource and answer, removal's resource and answer
      ['alice', 'owner', 'kept', 403, 'byOwner', 202],
      ['carol', 'group member', 'kept', 403, 'byMember', 202],
      ['bob', 'stranger', 'kept', 403, 'kept', 404],
      ['approverOwner', 'owner', 'forApprover', 403, 'forApprover', 403],
      ['approverMember', 'group member', 'kept', 403, 'kept', 403],
      ['approverStranger', 'stranger', 'kept', 403, 'kept', 403],
      ['adminOwner', 'owner', 'byAdminOwner', 200, 'byAdminOwner', 202],
      ['adminMember', 'group member', 'kept', 200, 'byAdminMember', 202],
      ['adminStranger', 'stranger', 'kept', 200, 'byAdminStranger', 202],
    ] as const
  ).map(([by, relation, transferred, transferStatus, removed, removeStatus]) => ({
    by,
    relation,
    transfer: { resource: transferred, status: transferStatus as number },
    remove: { resource: removed, status: removeStatus as number },
  }));
  for (const { by, relation, transfer: t } of table) {
    it(`PUT …/owner by ${by} (${relation}): ${t.status}`, async () => {
      const name = vmNames[t.resource]!;
      const was = (await stack.pool.query('SELECT owner, owner_group FROM resources WHERE name = $1', [name]))
        .rows[0] as { owner: string; owner_group: string | null };
      // The same owner and group again: an allowed call changes nothing but the record of who and when.
      const res = await api.call('PUT', `/v1/resources/virtual_machine/${name}/owner`, {
        token: who[by]!.token,
        body: { owner: was.owner, group: was.owner_group },
      });
      assert.equal(res.status, t.status, res.text);
      const now = (
        await stack.pool.query('SELECT owner, owner_group, owner_changed_by FROM resources WHERE name = $1', [
          name,
        ])
      ).rows[0] as { owner: string; owner_group: string | null; owner_changed_by: string | null };
      assert.deepEqual({ owner: now.owner, owner_group: now.owner_group }, was);
      if (t.status === 200) {
        const body = res.json as {
          owner: string;
          group: string | null;
          ownerChangedBy: string;
          ownerChangedAt: string;
        };
        assert.equal(body.ownerChangedBy, who[by]!.subject);
        assert.equal(now.owner_changed_by, who[by]!.subject);
        assert.ok(Math.abs(Date.now() - Date.parse(body.ownerChangedAt)) < 60_000);
      } else {
        assert.equal((res.json as Envelope).error.type, 'Forbidden');
        assert.notEqual(now.owner_changed_by, who[by]!.subject);
      }
    });
  }

  it('lets the owner, a member of the group and an admin (owner, member or not) remove a VM, and no one else', async () => {
    const removals: { by: string; name: string; requestId: string }[] = [];
    // The refusals first, while nothing else runs that could change what they must leave as it was.
    const removes = table.map(({ by, relation, remove }) => ({ by, relation, ...remove }));
    for (const d of removes.sort((a, b) => Number(a.status === 202) - Number(b.status === 202))) {
      const name = vmNames[d.resource]!;
      const before = await footprint(stack);
      const res = await removeAs(who[d.by]!.token, name);
      assert.equal(res.status, d.status, `${d.by} (${d.relation}) removing ${d.resource}: ${res.text}`);
      if (d.status === 202) removals.push({ by: d.by, name, requestId: (res.json as View).requestId });
      else {
        assert.equal((res.json as Envelope).error.type, d.status === 404 ? 'NotFound' : 'Forbidden');
        assert.deepEqual(await footprint(stack), before, `${d.by}: nothing started, nothing stored`);
      }
    }
    for (const r of removals) {
      const ended = await settle(who[r.by]!.token, r.requestId);
      assert.equal(ended.status, 'succeeded', `${r.by}: ${JSON.stringify(ended.resources)}`);
      assert.deepEqual(await standing(r.name), { inVcenter: false, address: false }, r.by);
    }
    for (const key of ['kept', 'forApprover'])
      assert.deepEqual(await standing(vmNames[key]!), { inVcenter: true, address: true }, key);
  });

  it('checks again in the request workflow: a delete that reaches Temporal without the API is refused there, and removes nothing', async () => {
    const name = vmNames.kept!;
    const ids = { traceId: `trc_${ulid()}`, requestId: `req_${ulid()}` };
    await startRequestWorkflow(stack.client, {
      ...ids,
      requester: who.bob!.subject,
      requesterRole: 'requester',
      requesterGroups: ['ops'],
      resources: [{ type: 'virtual_machine', action: 'delete', name, spec: { name }, managed: false }],
      notify: [],
      fileUrl: 'http://api.test/file',
      statusUrl: 'http://api.test/status',
    });
    // A failed request ends Failed in Temporal; its failure carries the outcome.
    const result = await requestOutcome(
      stack.client.workflow.getHandle(`${ids.traceId}/${ids.requestId}`).result(),
    );
    assert.equal(result.status, 'failed');
    assert.equal(result.resources[0]?.error?.type, 'NotFound');
    assert.match(result.resources[0]?.error?.message ?? '', new RegExp(`no virtual_machine named ${name}$`));
    assert.deepEqual(await standing(name), { inVcenter: true, address: true });
    const row = (await stack.pool.query('SELECT owner FROM resources WHERE name = $1', [name])).rows[0];
    assert.equal(row?.owner, who.alice!.subject);
  });

  it("follows an admin's transfer: the new owner removes the VM, the old owner and group no longer can", async () => {
    const name = vmNames.kept!;
    const given = await api.call('PUT', `/v1/resources/virtual_machine/${name}/owner`, {
      token: who.adminStranger!.token,
      body: { owner: who.bob!.subject },
    });
    assert.equal(given.status, 200, given.text);
    assert.deepEqual(
      (({ owner, group, ownerChangedBy }) => ({ owner, group, ownerChangedBy }))(
        given.json as { owner: string; group: string | null; ownerChangedBy: string },
      ),
      { owner: who.bob!.subject, group: null, ownerChangedBy: who.adminStranger!.subject },
    );
    const { rows } = await stack.pool.query(
      `SELECT from_owner, from_group, to_owner, to_group, changed_by FROM resource_owner_changes
        WHERE name = $1 ORDER BY id DESC LIMIT 1`,
      [name],
    );
    assert.deepEqual(rows[0], {
      from_owner: who.alice!.subject,
      from_group: 'web',
      to_owner: who.bob!.subject,
      to_group: null,
      changed_by: who.adminStranger!.subject,
    });
    for (const former of ['alice', 'carol'])
      assert.equal((await removeAs(who[former]!.token, name)).status, 404, former);
    const res = await removeAs(who.bob!.token, name);
    assert.equal(res.status, 202, res.text);
    assert.equal((await settle(who.bob!.token, (res.json as View).requestId)).status, 'succeeded');
    assert.deepEqual(await standing(name), { inVcenter: false, address: false });
  });
});

describe('tokens, rate limits, headers and body limits', () => {
  let stack: TestStack;
  let api: SecurityApi;
  let admin: string;
  before(async () => {
    stack = await getStack();
    api = await startSecurityApi(stack);
    admin = await api.tokenFor('admin');
  });
  after(() => api.close());

  it('never writes a token to the log or echoes one in an answer, even a refused one', async () => {
    const issued = (
      await api.call('POST', '/v1/admin/tokens', {
        token: admin,
        body: { subject: 'logged@example.test', role: 'requester' },
      })
    ).json as { token: string; tokenId: string };
    const used = await api.call('GET', '/v1/requests', { token: issued.token });
    assert.equal(used.status, 200);
    await api.call('POST', '/v1/requests', {
      token: issued.token,
      body: { resources: [{ type: 'x', name: 'y' }] },
    });
    await api.call('DELETE', `/v1/admin/tokens/${issued.tokenId}`, { token: admin });
    const refused = await api.call('GET', '/v1/requests', { token: issued.token });
    assert.equal(refused.status, 401);
    const forged = `oot_${'Z'.repeat(43)}`;
    const forgedAnswer = await api.call('GET', '/v1/requests', { token: forged });
    const inQuery = await api.call('GET', `/v1/requests?access_token=${admin}`);
    assert.equal(inQuery.status, 401, 'a token in the query string is not accepted');
    const basic = await api.call('GET', '/v1/requests', {
      headers: { authorization: `Basic ${Buffer.from(`x:${admin}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401, 'only the Bearer scheme');

    const logged = api.logs.join('\n');
    assert.ok(
      api.logs.some((l) => l.includes(issued.tokenId)),
      'the issue and revocation are logged by token ID',
    );
    for (const secret of [issued.token, admin, forged]) {
      for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
        assert.ok(!logged.includes(form), 'a token in the log');
      }
      for (const answer of [refused, forgedAnswer, inQuery, basic]) assert.ok(!answer.text.includes(secret));
    }
  });

  it('limits a burst of submissions from one client: the ones over the limit leave nothing behind', async function () {
    this.timeout(60_000);
    const limited = await startSecurityApi(stack, { perMinute: 3 });
    try {
      const requester = await limited.tokenFor('requester');
      const before = await footprint(stack);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await limited.call('POST', '/v1/requests', {
          token: requester,
          body: { resources: [vm({ cpu: 1, memoryGb: 2 })] },
        });
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal((res.json as Envelope).error.type, 'RateLimited');
          assert.ok(res.headers.get('ratelimit') ?? res.headers.get('ratelimit-reset'), 'says when to retry');
        }
      }
      assert.deepEqual(statuses, [202, 202, 202, 429, 429, 429]);
      const after = await footprint(stack);
      assert.equal(after.requests - before.requests, 3);
    } finally {
      await limited.close();
    }
  });

  it('sets security headers on every answer, successes and errors alike, and no caching under /v1', async () => {
    const answers = {
      health: await api.call('GET', '/healthz'),
      list: await api.call('GET', '/v1/requests', { token: admin }),
      issued: await api.call('POST', '/v1/admin/tokens', {
        token: admin,
        body: { subject: 'headers@example.test', role: 'requester' },
      }),
      unauthorized: await api.call('GET', '/v1/requests'),
      notFound: await api.call('GET', '/v1/nothing-here', { token: admin }),
      invalid: await api.call('POST', '/v1/requests', { token: admin, raw: '{' }),
    };
    for (const [name, res] of Object.entries(answers)) {
      const h = (header: string) => res.headers.get(header) ?? '';
      assert.equal(h('x-content-type-options'), 'nosniff', name);
      assert.match(h('content-security-policy'), /default-src 'self'|default-src 'none'/, name);
      assert.match(h('content-security-policy'), /frame-ancestors 'none'|frame-ancestors 'self'/, name);
      assert.match(h('strict-transport-security'), /max-age=\d+/, name);
      assert.equal(h('referrer-policy'), 'no-referrer', name);
      assert.match(h('cross-origin-resource-policy'), /same-origin/, name);
      assert.equal(res.headers.get('x-powered-by'), null, name);
      assert.match(h('content-type'), /^application\/json/, name);
      if (name !== 'health')
        assert.match(h('cache-control'), /no-store/, `${name}: a /v1 answer is not cached`);
    }
  });

  it('limits body size on every route that takes a body, and reads no body before authenticating', async () => {
    const huge = JSON.stringify({ description: 'x'.repeat(300_000) });
    for (const [method, path] of [
      ['POST', '/v1/requests'],
      ['POST', '/v1/admin/tokens'],
      ['PUT', '/v1/admin/placement'],
      ['POST', '/v1/requests/req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE/approve'],
      ['PUT', '/v1/resources/virtual_machine/web-01/owner'],
    ] as const) {
      const res = await api.call(method, path, { token: admin, raw: huge });
      assert.equal(res.status, 413, `${method} ${path}`);
      assert.equal((res.json as Envelope).error.type, 'PayloadTooLarge');
    }
    // Streamed without a length: the limit still holds.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(10_000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${api.baseUrl}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    await streamed.text();
    const anonymous = await api.call('POST', '/v1/requests', { raw: huge });
    assert.equal(anonymous.status, 401, 'an anonymous caller gets no parsing work out of us');
  });
});
