/**
 * The bad-input corpus against the live API: every entry is refused quickly with a 4xx JSON error
 * envelope naming the field, the API stays up, and nothing is left behind (no ledger row, status
 * event, file, idempotency key, address, token, git commit or workflow).
 */
import assert from 'node:assert/strict';
import { getStack, type TestStack } from '../../harness/stack';
import { corpus } from './corpus';
import { footprint, quiesce, startSecurityApi, type SecurityApi } from './fixture';

interface Envelope {
  error: { type: string; message: string; fields?: { path: string; message: string }[] };
}

/** A refusal is told in a few kilobytes, whatever the size of what it refuses. */
const MAX_ERROR_BYTES = 32 * 1024;

describe('the bad-input corpus against the live API', () => {
  let stack: TestStack;
  let api: SecurityApi;
  const tokens: Record<string, string> = {};
  before(async () => {
    stack = await getStack();
    api = await startSecurityApi(stack);
    for (const role of ['requester', 'approver', 'admin'] as const) tokens[role] = await api.tokenFor(role);
    await quiesce(stack);
  });
  after(() => api.close());

  for (const entry of corpus()) {
    const status = entry.status ?? 400;
    it(`refuses ${entry.name} with ${status}${entry.field ? ` naming ${entry.field}` : ''}, leaving nothing behind`, async () => {
      const before = await footprint(stack);
      const started = Date.now();
      const res = await api.call(entry.method ?? 'POST', entry.path ?? '/v1/requests', {
        token: tokens[entry.as ?? 'requester'],
        ...(entry.body !== undefined ? { body: entry.body } : {}),
        ...(entry.raw !== undefined ? { raw: entry.raw } : {}),
        ...(entry.headers ? { headers: entry.headers } : {}),
      });
      const took = Date.now() - started;
      assert.equal(res.status, status, res.text.slice(0, 2000));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = res.json as Envelope;
      assert.equal(typeof body?.error?.type, 'string', res.text.slice(0, 2000));
      assert.equal(typeof body.error.message, 'string');
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.type, entry.type ?? (status === 400 ? 'InvalidInput' : body.error.type));
      if (entry.fieldPrefix) {
        assert.ok(
          body.error.fields?.some((f) => f.path.startsWith(entry.fieldPrefix!)),
          `expected a problem under ${entry.fieldPrefix}: ${JSON.stringify(body.error.fields)?.slice(0, 2000)}`,
        );
      }
      if (entry.field) {
        assert.ok(
          body.error.fields?.some((f) => f.path === entry.field && typeof f.message === 'string'),
          `expected a problem at ${entry.field}: ${JSON.stringify(body.error.fields)?.slice(0, 2000)}`,
        );
      }
      assert.ok(res.text.length <= MAX_ERROR_BYTES, `the error is ${res.text.length} bytes`);
      assert.ok(took < 5_000, `answered in ${took} ms`);
      // Still serving, and the event loop free.
      assert.equal((await api.call('GET', '/healthz')).status, 200);
      assert.deepEqual(await footprint(stack), before);
    });
  }

  it('never answers 5xx and never echoes a token it was given', async () => {
    const logged = api.logs.join('\n');
    for (const token of Object.values(tokens)) assert.ok(!logged.includes(token), 'no token in the API log');
    const failures = api.logs.filter((l) => JSON.parse(l).level >= 50);
    assert.deepEqual(failures, [], 'no request failed with an internal error');
  });
});
