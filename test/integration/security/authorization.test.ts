/**
 * Authentication and authorization beyond test/integration/api/auth.test.ts: who may call what
 * (a table of routes by role), what another requester's request looks like (nothing: 404, and no
 * effect), tokens kept out of logs and answers, submissions rate-limited, security headers on
 * every answer, and body size limits on every route that takes a body.
 */
import assert from 'node:assert/strict';
import { issueToken } from '../../../api/auth/tokens';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { vm } from './corpus';
import { footprint, startSecurityApi, type Answer, type SecurityApi } from './fixture';

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
