import assert from 'node:assert/strict';
import { RequestId, Requester, TraceId } from '../../../common/search-attributes';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, vm, waitForWorkflow, type TestApi } from './api-client';

interface Accepted {
  requestId: string;
  traceId: string;
  status: string;
  links: Record<string, string>;
  repeated?: boolean;
}
interface ErrorBody {
  error: { type: string; message: string; fields?: { path: string; message: string }[] };
}

let seq = 0;
/** A valid single-VM request with a name of its own. */
export function vmRequest(
  overrides: Record<string, unknown> = {},
  name = `web-${Date.now().toString(36)}-${++seq}`,
) {
  return {
    resources: [vm(name, overrides)],
  };
}

describe('requests through the API', () => {
  let stack: TestStack;
  let api: TestApi;
  let alice: string;
  let bob: string;
  let admin: string;

  /** What a refused request must not leave behind. */
  async function footprint() {
    const { rows } = await stack.pool.query(
      `SELECT (SELECT count(*) FROM requests)::int AS requests, (SELECT count(*) FROM request_files)::int AS files,
              (SELECT count(*) FROM idempotency_keys)::int AS keys, (SELECT count(*) FROM request_starts)::int AS starts, (SELECT count(*) FROM ip_allocations)::int AS ips`,
    );
    const workflows = (await stack.client.workflow.count(`WorkflowType = 'requestWorkflow'`)).count;
    return { ...rows[0], workflows };
  }

  before(async () => {
    stack = await getStack();
    api = await startTestApi(stack);
    alice = await api.tokenFor('requester', 'alice@example.test');
    bob = await api.tokenFor('requester', 'bob@example.test');
    admin = await api.tokenFor('admin');
  });
  after(() => api.close());

  const refused: [string, unknown, string][] = [
    ['no resources', { resources: [] }, 'body.resources'],
    ['a body that is an array', [vmRequest()], 'body'],
    ['an unknown top-level field', { ...vmRequest(), priority: 'high' }, 'body.priority'],
    [
      'an unknown resource type',
      { resources: [{ type: 'database', name: 'db-1' }] },
      'body.resources.0.type',
    ],
    ['a CPU count over the limit', vmRequest({ cpu: 512 }), 'body.resources.0.cpu'],
    ['a CPU count of the wrong type', vmRequest({ cpu: 'two' }), 'body.resources.0.cpu'],
    ['an unknown network', vmRequest({ network: 'NO_SUCH_NET' }), 'body.resources.0.network'],
    ['an unknown OS image', vmRequest({ osImage: 'beos' }), 'body.resources.0.osImage'],
    ['a missing disk list', vmRequest({ disks: undefined }), 'body.resources.0.disks'],
    ['a name carrying shell', vmRequest({}, 'web;rm -rf /'), 'body.resources.0.name'],
    ['a name with path traversal', vmRequest({}, '../../etc'), 'body.resources.0.name'],
    ['a name that is a git ref trick', vmRequest({}, 'HEAD@{1}'), 'body.resources.0.name'],
    ['a name carrying SQL', vmRequest({}, "x'; DROP TABLE requests;--"), 'body.resources.0.name'],
    ['an unknown resource field', vmRequest({ gpu: 1 }), 'body.resources.0.gpu'],
    ['a notify entry that is no address', { ...vmRequest(), notify: ['not-an-address'] }, 'body.notify.0'],
    [
      'two resources with one name',
      { resources: [...vmRequest({}, 'twin').resources, ...vmRequest({}, 'twin').resources] },
      'body.resources.1.name',
    ],
    ['a group the requester is not in', vmRequest({ group: 'dba' }), 'body.resources.0.group'],
    [
      'a delete naming a group',
      { resources: [{ type: 'virtual_machine', action: 'delete', name: 'ghost', group: 'web' }] },
      'body.resources.0.group',
    ],
  ];
  for (const [name, body, field] of refused) {
    it(`refuses ${name} with 400 naming ${field}, leaving nothing behind`, async () => {
      const before = await footprint();
      const res = await api.call<ErrorBody>('POST', '/v1/requests', { token: alice, body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.type, 'InvalidInput');
      assert.ok(
        res.body.error.fields?.some((f) => f.path === field),
        `expected a problem at ${field}: ${JSON.stringify(res.body.error.fields)}`,
      );
      assert.deepEqual(await footprint(), before);
    });
  }

  it('refuses a delete of something never built with 404 naming the name, leaving nothing behind', async () => {
    const before = await footprint();
    const res = await api.call<ErrorBody>('POST', '/v1/requests', {
      token: alice,
      body: { resources: [{ type: 'virtual_machine', action: 'delete', name: 'ghost' }] },
    });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.deepEqual(res.body.error, {
      type: 'NotFound',
      message: 'not found: body.resources.0.name: no virtual_machine named ghost',
      fields: [{ path: 'body.resources.0.name', message: 'no virtual_machine named ghost' }],
    });
    assert.deepEqual(await footprint(), before);
  });

  it('refuses a submission from a role that may not request', async () => {
    const approver = await api.tokenFor('approver');
    assert.equal(
      (await api.call('POST', '/v1/requests', { token: approver, body: vmRequest() })).status,
      403,
    );
  });

  it('accepts a valid request: 202 with IDs, a ledger row, the file, and a searchable workflow', async () => {
    const body = vmRequest();
    const res = await api.call<Accepted>('POST', '/v1/requests', { token: alice, body });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.match(res.body.requestId, /^req_[0-9A-Z]{26}$/);
    assert.match(res.body.traceId, /^trc_[0-9A-Z]{26}$/);
    const file = await fetch(`${api.baseUrl}/v1/requests/${res.body.requestId}/file`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    assert.deepEqual(await file.json(), body);
    // The answer comes once the request is recorded; its workflow starts right after.
    const described = await waitForWorkflow(stack.client, `${res.body.traceId}/${res.body.requestId}`);
    assert.equal(described.typedSearchAttributes.get(TraceId), res.body.traceId);
    assert.equal(described.typedSearchAttributes.get(RequestId), res.body.requestId);
    assert.equal(described.typedSearchAttributes.get(Requester), 'alice@example.test');
    const read = await api.call<{
      requestId: string;
      history: { status: string }[];
      links: Record<string, string>;
    }>('GET', `/v1/requests/${res.body.requestId}`, { token: alice });
    assert.equal(read.status, 200);
    assert.equal(read.body.history[0]?.status, 'received');
    assert.match(read.body.links.temporalUi!, /\/namespaces\/default\/workflows\/trc_/);
  });

  it('answers a repeated Idempotency-Key with the first request, and refuses it with another body', async () => {
    const key = `key-${Date.now()}`;
    const body = vmRequest();
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        api.call<Accepted>('POST', '/v1/requests', {
          token: alice,
          body,
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.requestId));
    assert.equal(ids.size, 1, JSON.stringify(results.map((r) => r.body)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 202]);
    const { rows } = await stack.pool.query(
      'SELECT count(*)::int AS n FROM requests WHERE request_id = ANY($1)',
      [[...ids]],
    );
    assert.equal(rows[0].n, 1);
    const other = await api.call<ErrorBody>('POST', '/v1/requests', {
      token: alice,
      body: vmRequest(),
      headers: { 'idempotency-key': key },
    });
    assert.equal(other.status, 422);
    assert.equal(other.body.error.type, 'IdempotencyKeyReused');
    // Keys belong to their requester: Bob's same key is a new request. (A VM of its own: Alice's,
    // once prepared, holds its name, and a second one of that name is refused whoever asks.)
    const bobs = await api.call<Accepted>('POST', '/v1/requests', {
      token: bob,
      body: vmRequest(),
      headers: { 'idempotency-key': key },
    });
    assert.equal(bobs.status, 202);
    assert.ok(!ids.has(bobs.body.requestId));
  });

  it('shows a requester only their own requests, and lets admins see all', async () => {
    const mine = await api.call<Accepted>('POST', '/v1/requests', { token: alice, body: vmRequest() });
    assert.equal(mine.status, 202);
    const id = mine.body.requestId;
    for (const [method, path] of [
      ['GET', `/v1/requests/${id}`],
      ['GET', `/v1/requests/${id}/file`],
      ['POST', `/v1/requests/${id}/cancel`],
      ['POST', `/v1/requests/${id}/rerun`],
      ['GET', `/v1/traces/${mine.body.traceId}`],
    ] as const) {
      assert.equal(
        (await api.call(method, path, { token: bob })).status,
        404,
        `${method} ${path} as another requester`,
      );
    }
    const bobsList = await api.call<{ requests: { requester: string }[] }>('GET', '/v1/requests?limit=200', {
      token: bob,
    });
    assert.ok(bobsList.body.requests.every((r) => r.requester === 'bob@example.test'));
    const spoofed = await api.call<{ requests: { requester: string }[] }>(
      'GET',
      '/v1/requests?requester=alice@example.test',
      { token: bob },
    );
    assert.ok(spoofed.body.requests.every((r) => r.requester === 'bob@example.test'));
    assert.equal((await api.call('GET', `/v1/requests/${id}`, { token: admin })).status, 200);
    const trace = await api.call<{ requests: { requestId: string }[] }>(
      'GET',
      `/v1/traces/${mine.body.traceId}`,
      { token: admin },
    );
    assert.deepEqual(
      trace.body.requests.map((r) => r.requestId),
      [id],
    );
  });

  it('pages the list with a cursor, newest first', async () => {
    const token = await api.tokenFor('requester', `pager-${Date.now()}@example.test`);
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push(
        (await api.call<Accepted>('POST', '/v1/requests', { token, body: vmRequest() })).body.requestId,
      );
    const first = await api.call<{ requests: { requestId: string }[]; next: string | null }>(
      'GET',
      '/v1/requests?limit=2',
      { token },
    );
    assert.deepEqual(
      first.body.requests.map((r) => r.requestId),
      [made[2], made[1]],
    );
    const second = await api.call<{ requests: { requestId: string }[]; next: string | null }>(
      'GET',
      `/v1/requests?limit=2&cursor=${first.body.next}`,
      { token },
    );
    assert.deepEqual(
      second.body.requests.map((r) => r.requestId),
      [made[0]],
    );
    assert.equal(second.body.next, null);
    assert.equal((await api.call('GET', '/v1/requests?cursor=garbage', { token })).status, 400);
    assert.equal((await api.call('GET', '/v1/requests?status=weird', { token })).status, 400);
  });

  it('records in the ledger what the workflow decided', async () => {
    const res = await api.call<Accepted>('POST', '/v1/requests', { token: alice, body: vmRequest() });
    await waitFor(
      'the request to end',
      async () => {
        const { rows } = await stack.pool.query('SELECT status FROM requests WHERE request_id = $1', [
          res.body.requestId,
        ]);
        return ['succeeded', 'failed'].includes(rows[0]?.status);
      },
      60_000,
    );
    const { rows } = await stack.pool.query(
      'SELECT status FROM request_status_events WHERE request_id = $1 ORDER BY id',
      [res.body.requestId],
    );
    assert.deepEqual(rows.map((r) => r.status).slice(0, 2), ['received', 'running']);
  });
});
