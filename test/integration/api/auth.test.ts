import assert from 'node:assert/strict';
import { hashToken } from '../../../api/auth/tokens';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, type TestApi } from './api-client';

describe('API authentication and authorization', () => {
  let stack: TestStack;
  let api: TestApi;
  let admin: string;
  before(async () => {
    stack = await getStack();
    api = await startTestApi(stack);
    admin = await api.tokenFor('admin');
  });
  after(() => api.close());

  const unauthenticated: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['a malformed token', async () => 'not-a-token'],
    ['a well-formed token nobody issued', async () => `oot_${'A'.repeat(43)}`],
    [
      'an expired token',
      async () => {
        const token = await api.tokenFor('admin');
        await stack.pool.query(
          `UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = $1`,
          [hashToken(token)],
        );
        return token;
      },
    ],
    [
      'a revoked token',
      async () => {
        const issued = await api.call<{ tokenId: string; token: string }>('POST', '/v1/admin/tokens', {
          token: admin,
          body: { subject: 'soon-revoked@example.test', role: 'admin' },
        });
        assert.equal(
          (await api.call('DELETE', `/v1/admin/tokens/${issued.body.tokenId}`, { token: admin })).status,
          204,
        );
        return issued.body.token;
      },
    ],
  ];
  for (const [name, tokenOf] of unauthenticated) {
    it(`answers 401 with a JSON error for ${name}`, async () => {
      const res = await api.call<{ error: { type: string } }>('GET', '/v1/admin/tokens', {
        token: await tokenOf(),
      });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.type, 'Unauthorized');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    });
  }

  it('lets only admins issue tokens', async () => {
    for (const role of ['requester', 'approver'] as const) {
      const res = await api.call<{ error: { type: string } }>('POST', '/v1/admin/tokens', {
        token: await api.tokenFor(role),
        body: { subject: 'x@example.test', role: 'admin' },
      });
      assert.equal(res.status, 403, role);
      assert.equal(res.body.error.type, 'Forbidden');
    }
  });

  it('issues a working token once and stores only its hash', async () => {
    const issued = await api.call<{ token: string; tokenId: string; role: string }>(
      'POST',
      '/v1/admin/tokens',
      {
        token: admin,
        body: { subject: 'carol@example.test', role: 'approver', expiresInDays: 30 },
      },
    );
    assert.equal(issued.status, 201);
    assert.equal(issued.body.role, 'approver');
    const { rows } = await stack.pool.query('SELECT * FROM api_tokens WHERE token_id = $1', [
      issued.body.tokenId,
    ]);
    assert.equal(rows.length, 1);
    assert.ok(
      !JSON.stringify(rows[0]).includes(issued.body.token),
      'the stored row must not contain the token',
    );
    assert.deepEqual(rows[0].token_hash, hashToken(issued.body.token));

    const listing = await api.call<{ tokens: Record<string, unknown>[] }>('GET', '/v1/admin/tokens', {
      token: admin,
    });
    assert.equal(listing.status, 200);
    const listed = listing.body.tokens.find((t) => t.tokenId === issued.body.tokenId)!;
    assert.equal(listed.subject, 'carol@example.test');
    assert.ok(!('tokenHash' in listed) && !('token' in listed));
    // The new token authenticates (an approver is refused the admin route, with 403 not 401).
    assert.equal((await api.call('GET', '/v1/admin/tokens', { token: issued.body.token })).status, 403);
  });

  const badIssues: [string, unknown, string][] = [
    ['an unknown role', { subject: 'a@b.c', role: 'root' }, 'body.role'],
    ['a subject with spaces', { subject: 'a b', role: 'admin' }, 'body.subject'],
    ['an unknown field', { subject: 'a@b.c', role: 'admin', scope: 'all' }, 'body.scope'],
    ['a lifetime of zero days', { subject: 'a@b.c', role: 'admin', expiresInDays: 0 }, 'body.expiresInDays'],
  ];
  for (const [name, body, field] of badIssues) {
    it(`refuses to issue a token with ${name}, naming ${field}`, async () => {
      const res = await api.call<{ error: { type: string; fields: { path: string }[] } }>(
        'POST',
        '/v1/admin/tokens',
        { token: admin, body },
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error.type, 'InvalidInput');
      assert.ok(
        res.body.error.fields.some((f) => f.path === field),
        JSON.stringify(res.body),
      );
    });
  }

  it('answers malformed JSON, oversized bodies and unknown token IDs with JSON errors', async () => {
    const malformed = await api.call<{ error: { type: string } }>('POST', '/v1/admin/tokens', {
      token: admin,
      rawBody: '{"subject": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.type, 'MalformedJson');
    const huge = await api.call<{ error: { type: string } }>('POST', '/v1/admin/tokens', {
      token: admin,
      rawBody: JSON.stringify({ description: 'x'.repeat(400_000) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.type, 'PayloadTooLarge');
    assert.equal((await api.call('DELETE', '/v1/admin/tokens/tok_nope', { token: admin })).status, 404);
  });

  it('sets security headers', async () => {
    const res = await api.call('GET', '/healthz');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy'));
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('rate-limits calls per client, authentication attempts included', async () => {
    const limited = await startTestApi(stack, { perMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await limited.call('GET', '/v1/admin/tokens', { token: 'wrong' })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
      // The answer names the header it sends: Retry-After, besides the combined RateLimit header.
      const limitedRes = await limited.call<{ error: { message: string } }>('GET', '/v1/admin/tokens');
      assert.match(limitedRes.headers.get('retry-after') ?? '', /^\d+$/);
      assert.match(limitedRes.headers.get('ratelimit') ?? '', /reset=\d+/);
      assert.match(limitedRes.body.error.message, /Retry-After/);
    } finally {
      await limited.close();
    }
  });
});
