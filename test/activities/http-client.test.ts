/**
 * The shared HTTP layer against a small local server: every answer lands in the taxonomy with the
 * right retryability, 401 re-authenticates exactly once, 429 carries the upstream's delay, no
 * credential survives into a failure, and cancellation is not mistaken for an upstream fault.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import express from 'express';
import { ApplicationFailure } from '@temporalio/common';
import { BearerTokenAuth, HttpClient, SessionAuth, type Authenticator } from '../../activities/http';
import { parseAwxError } from '../../activities/awx/client';
import { freePort } from '../../platform/net';
import { expectFailure } from './fixtures';
import type { FailureType } from '../../common/errors';

const TOKEN = 'tok-3f9a1c77e2b54d0a';
const PASSWORD = 'S3cret-Passw0rd!';

describe('HTTP layer: answers mapped to the error taxonomy', () => {
  let server: Server;
  let base: string;
  const hits: Record<string, number> = {};
  const validSessions = new Set<string>();
  let logins = 0;
  const stamps: number[] = [];

  before(async () => {
    const app = express();
    app.use(express.json());
    app.use((req, _res, next) => {
      hits[req.path] = (hits[req.path] ?? 0) + 1;
      next();
    });
    app.get('/status/:code', (req, res) => {
      const code = Number(req.params.code);
      // An upstream that echoes what it received, as careless proxies and validators do.
      res.status(code).json({
        detail: `failed for ${req.headers.authorization} with password=${PASSWORD} and cookie: APIC-cookie=abc`,
      });
    });
    app.get('/html-500', (_req, res) => {
      res.status(502).type('text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });
    app.get('/rate-limited', (_req, res) => {
      res.status(429).set('Retry-After', '7').json({ detail: 'slow down' });
    });
    app.get('/rate-limited-date', (_req, res) => {
      res
        .status(429)
        .set('Retry-After', new Date(Date.now() + 3_000).toUTCString())
        .json({ detail: 'slow down' });
    });
    app.get('/rate-limited-reset', (_req, res) => {
      res.status(429).set('X-RateLimit-Reset', '2.5').json({ detail: 'slow down' });
    });
    let throttled = 0;
    app.get('/rate-limited-once', (_req, res) => {
      throttled += 1;
      if (throttled === 1) res.status(429).set('Retry-After', '1').json({ detail: 'slow down' });
      else res.json({ ok: true, throttled });
    });
    app.get('/stamp', (_req, res) => {
      stamps.push(Date.now());
      res.json({ ok: true });
    });
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.json({ ok: true }), 400);
    });
    app.get('/drop', (req) => {
      req.socket.destroy();
    });
    app.get('/bearer', (req, res) => {
      if (req.headers.authorization === `Bearer ${TOKEN}`) res.json({ ok: true });
      else res.status(401).json({ detail: 'Authentication credentials were not provided.' });
    });
    app.post('/login', (_req, res) => {
      logins += 1;
      const id = `session-${logins}-${'x'.repeat(12)}`;
      validSessions.add(id);
      res.status(201).json(id);
    });
    app.get('/session-protected', (req, res) => {
      const id = String(req.headers['x-session'] ?? '');
      if (validSessions.has(id)) setTimeout(() => res.json({ ok: true }), 20);
      else res.status(401).json({ detail: 'session expired' });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => {
      server = app.listen(port, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Patience 0: these tests read how a 429 is reported, not how it is waited out.
  const client = (auth?: Authenticator, timeoutMs = 2_000) =>
    new HttpClient({
      system: 'awx',
      baseUrl: base,
      timeoutMs,
      auth,
      parseError: parseAwxError,
      rateLimitPatienceMs: 0,
    });

  const statusTable: [number, FailureType][] = [
    [400, 'InvalidInput'],
    [422, 'InvalidInput'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [405, 'InvalidInput'],
    [409, 'Conflict'],
    [423, 'Locked'],
    [500, 'UpstreamUnavailable'],
    [502, 'UpstreamUnavailable'],
    [503, 'UpstreamUnavailable'],
    [504, 'UpstreamUnavailable'],
  ];
  for (const [status, type] of statusTable) {
    it(`${status} → ${type}, with system, call, status and the upstream's message, no credential`, async () => {
      const details = await expectFailure(
        client(new BearerTokenAuth(() => TOKEN)).request({
          call: 'readThing',
          method: 'GET',
          path: `/status/${status}`,
        }),
        {
          type,
          httpStatus: status,
          message: ['awx readThing', `GET /status/${status}`, `answered ${status}`, 'failed for'],
          absent: [TOKEN, PASSWORD, 'APIC-cookie=abc'],
        },
      );
      assert.equal(details.system, 'awx');
      assert.equal(details.call, 'readThing');
      assert.match(details.upstreamMessage ?? '', /failed for Bearer \[redacted\]/);
    });
  }

  it('keeps the words of an HTML error page, not its markup', async () => {
    await expectFailure(client().request({ call: 'readThing', method: 'GET', path: '/html-500' }), {
      type: 'UpstreamUnavailable',
      message: ['502 Bad Gateway'],
    });
  });

  it('returns a status the call claims for itself instead of failing', async () => {
    const res = await client().request({
      call: 'readThing',
      method: 'GET',
      path: '/status/404',
      handle: [404],
    });
    assert.equal(res.status, 404);
  });

  const delays: [string, number, number][] = [
    ['/rate-limited', 7_000, 7_000],
    ['/rate-limited-date', 1_000, 3_000],
    ['/rate-limited-reset', 2_500, 2_500],
  ];
  for (const [path, min, max] of delays) {
    it(`429 on ${path} → RateLimited retried after the upstream's delay`, async () => {
      let caught: ApplicationFailure | undefined;
      const details = await expectFailure(
        client()
          .request({ call: 'readThing', method: 'GET', path })
          .catch((e) => {
            caught = e;
            throw e;
          }),
        { type: 'RateLimited', httpStatus: 429 },
      );
      assert.ok(
        details.retryAfterMs! >= min && details.retryAfterMs! <= max,
        `retryAfterMs ${details.retryAfterMs}`,
      );
      assert.ok(caught?.nextRetryDelay !== undefined, 'nextRetryDelay set for Temporal');
    });
  }

  it('waits out a 429 inside the call for the delay asked, and sends the request again', async () => {
    const patient = new HttpClient({
      system: 'awx',
      baseUrl: base,
      timeoutMs: 2_000,
      parseError: parseAwxError,
    });
    const started = Date.now();
    const res = await patient.request<{ throttled: number }>({
      call: 'readThing',
      method: 'GET',
      path: '/rate-limited-once',
    });
    assert.equal(res.body.throttled, 2);
    assert.ok(Date.now() - started >= 1_000, 'waited the second the upstream asked for');
    await patient.close();
  });

  it('paces a burst of requests to maxRequestsPerSecond, evenly spaced', async () => {
    const paced = new HttpClient({
      system: 'awx',
      baseUrl: base,
      timeoutMs: 2_000,
      parseError: parseAwxError,
      maxRequestsPerSecond: 20,
    });
    stamps.length = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, () => paced.request({ call: 'readThing', method: 'GET', path: '/stamp' })),
    );
    assert.equal(stamps.length, 10);
    // The tenth request's turn comes 9 × 50 ms after the first's.
    const span = stamps.at(-1)! - started;
    assert.ok(span >= 9 * 50 - 5, `10 requests reached the server within ${span} ms`);
    await paced.close();
  });

  it('a request without an answer in time → UpstreamUnavailable naming the timeout', async () => {
    await expectFailure(client(undefined, 100).request({ call: 'readThing', method: 'GET', path: '/slow' }), {
      type: 'UpstreamUnavailable',
      message: ['within 100 ms'],
    });
  });

  it('a dropped connection → UpstreamUnavailable', async () => {
    await expectFailure(client().request({ call: 'readThing', method: 'GET', path: '/drop' }), {
      type: 'UpstreamUnavailable',
    });
  });

  it('nothing listening → UpstreamUnavailable', async () => {
    const port = await freePort();
    const nowhere = new HttpClient({
      system: 'tfe',
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 1_000,
      parseError: parseAwxError,
    });
    await expectFailure(nowhere.request({ call: 'readRun', method: 'GET', path: '/runs/run-1' }), {
      type: 'UpstreamUnavailable',
      message: ['ECONNREFUSED'],
    });
  });

  it('cancellation rejects with the cancellation reason, not an upstream failure', async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(
      client().request({ call: 'readThing', method: 'GET', path: '/slow', signal: controller.signal }),
      (err) => err === reason,
    );
  });

  it('401 re-reads the bearer token once, and succeeds with the rotated one', async () => {
    const tokens = ['stale-token-0000', TOKEN];
    let reads = 0;
    const res = await client(new BearerTokenAuth(() => tokens[Math.min(reads++, 1)]!)).request({
      call: 'readThing',
      method: 'GET',
      path: '/bearer',
    });
    assert.equal(res.status, 200);
    assert.equal(reads, 2);
  });

  it('401 twice → Unauthorized, not retried, after exactly one re-authentication', async () => {
    hits['/bearer'] = 0;
    await expectFailure(
      client(new BearerTokenAuth(() => 'wrong-token-1234')).request({
        call: 'readThing',
        method: 'GET',
        path: '/bearer',
      }),
      {
        type: 'Unauthorized',
        httpStatus: 401,
        message: ['refused again after re-authenticating'],
        absent: ['wrong-token-1234'],
      },
    );
    assert.equal(hits['/bearer'], 2);
  });

  it('a session refused by many concurrent calls is renewed by one log-in', async () => {
    class TestSession extends SessionAuth<{ secret: string }> {
      protected async login() {
        const res = await fetch(`${base}/login`, { method: 'POST' });
        return { secret: (await res.json()) as string };
      }
      protected sessionHeaders(s: { secret: string }) {
        return { 'x-session': s.secret };
      }
      protected staticSecrets() {
        return [PASSWORD];
      }
    }
    const http = client(new TestSession());
    await http.request({ call: 'first', method: 'GET', path: '/session-protected' });
    assert.equal(logins, 1);
    validSessions.clear(); // the upstream expires the session
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        http.request({ call: 'again', method: 'GET', path: '/session-protected' }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    assert.equal(logins, 2);
  });
});
