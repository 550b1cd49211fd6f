/**
 * Portal sign-in through OpenID Connect, in Chromium, against a real OpenID provider
 * (`oidc-provider`, its development login and consent pages) started on a free port: the
 * authorization code flow with PKCE, the groups claim mapped to roles and approval groups, and the
 * answers that must sign nobody in (a forged state, a wrong nonce, a flow that did not start here,
 * a user without a role, an issuer that does not answer).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { OidcSettings } from '../../../api/portal/oidc';
import { freePort } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, type TestApi } from '../api/api-client';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** With PORTAL_SCREENSHOTS=1, the sign-in page is saved for docs/portal.md. */
const screenshots =
  process.env.PORTAL_SCREENSHOTS === '1' ? path.join(__dirname, '../../../docs/portal') : undefined;

/** The provider's users (any password): their groups at the issuer. */
const accounts: Record<string, string[]> = {
  ann: ['portal-staff'],
  abe: ['portal-staff', 'portal-approvers', 'capacity-team'],
  nobody: ['elsewhere'],
};

describe('portal sign-in through OpenID Connect, in Chromium', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let api: TestApi;
  let issuer: Server;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const settingsFor = (issuerUrl: string, apiPort: number): OidcSettings => ({
    issuerUrl,
    clientId: 'portal',
    clientSecret: 'a-test-client-secret',
    redirectUrl: `http://127.0.0.1:${apiPort}/signin/oidc/callback`,
    scopes: 'openid email groups',
    subjectClaim: 'email',
    groupsClaim: 'groups',
    roleMap: { 'portal-staff': 'requester', 'portal-approvers': 'approver' },
    groupMap: { 'capacity-team': 'capacity' },
    displayName: 'Test IdP',
    timeoutSeconds: 2,
  });

  before(async () => {
    stack = await getStack();
    const [issuerPort, apiPort] = [await freePort(), await freePort()];
    const issuerUrl = `http://127.0.0.1:${issuerPort}`;
    const settings = settingsFor(issuerUrl, apiPort);
    const { default: Provider } = await import('oidc-provider');
    const provider = new Provider(issuerUrl, {
      clients: [
        {
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          redirect_uris: [settings.redirectUrl],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      scopes: ['openid', 'email', 'groups'],
      claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: () => ({ sub: id, email: `${id}@example.test`, groups: accounts[id] ?? [] }),
      }),
      pkce: { required: () => true },
      cookies: { keys: ['a-test-cookie-key'] },
      features: { devInteractions: { enabled: true } },
    });
    issuer = createHttpServer(provider.callback());
    await new Promise<void>((resolve) => issuer.listen(issuerPort, '127.0.0.1', resolve));
    api = await startTestApi(stack, undefined, { port: apiPort, oidc: settings });
    // Root cannot run Chromium's sandbox; the pages it opens are our own and the provider's.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
    await new Promise((resolve) => issuer?.close(resolve));
  });

  /** A new browser profile at the sign-in page (the provider's pages import a web font: not fetched here). */
  async function signInPage(): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    contexts.push(context);
    await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${api.baseUrl}/`);
    return { page, context };
  }

  /** Signs in at the provider as `login` (its development pages: any password, then consent). */
  async function throughProvider(page: Page, login: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  const oidcSessions = async (subject: string) =>
    (
      await stack.pool.query(
        'SELECT count(*)::int AS n FROM portal_sessions WHERE token_id IS NULL AND subject = $1',
        [subject],
      )
    ).rows[0].n as number;

  it('signs a user in with the role their groups give, and ends the session when it expires', async () => {
    const { page } = await signInPage();
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: path.join(screenshots, 'signin.png'), fullPage: true });
    }
    await throughProvider(page, 'ann');
    await page.waitForURL(/\/catalog$/);
    assert.equal(await page.locator('.who').textContent(), 'ann@example.test (requester)');
    assert.equal(await page.getByRole('link', { name: 'Approvals' }).count(), 0);
    assert.ok(await page.getByRole('link', { name: 'Order Small RHEL 9 dev VM' }).isVisible());

    await stack.pool.query(
      "UPDATE portal_sessions SET expires_at = now() - interval '1 second' WHERE subject = 'ann@example.test'",
    );
    await page.reload();
    assert.ok(await page.getByText('Your session has ended; sign in again.').isVisible());
  });

  it('shows an approver, by the groups claim, the approvals of their approval group', async () => {
    const { page } = await signInPage();
    await throughProvider(page, 'abe');
    await page.waitForURL(/\/catalog$/);
    assert.equal(await page.locator('.who').textContent(), 'abe@example.test (approver)');
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const { rows } = await stack.pool.query(
      "SELECT role, groups FROM portal_sessions WHERE subject = 'abe@example.test'",
    );
    assert.deepEqual(rows[0], { role: 'approver', groups: ['capacity'] });
  });

  it('signs in nobody whose groups give no role', async () => {
    const { page } = await signInPage();
    await throughProvider(page, 'nobody');
    await page.getByText('nobody@example.test is in no group that gives a role in this portal').waitFor();
    assert.equal(await oidcSessions('nobody@example.test'), 0);
  });

  it('refuses a forged state, a wrong nonce and a flow that did not start in this browser', async () => {
    const before = (
      await stack.pool.query('SELECT count(*)::int AS n FROM portal_sessions WHERE token_id IS NULL')
    ).rows[0].n as number;
    const start = await fetch(`${api.baseUrl}/signin/oidc`, { redirect: 'manual' });
    assert.equal(start.status, 303);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    const flowCookie = start.headers.get('set-cookie')!.split(';')[0]!;

    const iss = encodeURIComponent(`${authorize.protocol}//${authorize.host}`);
    const forged = await fetch(`${api.baseUrl}/signin/oidc/callback?code=stolen&state=forged&iss=${iss}`, {
      headers: { cookie: flowCookie },
    });
    assert.match(await forged.text(), /its state does not match/);
    assert.equal(forged.status, 400);

    const stray = await fetch(`${api.baseUrl}/signin/oidc/callback?code=stolen&state=whatever`);
    assert.equal(stray.status, 400);
    assert.match(await stray.text(), /did not start in this browser/);

    // The flow's cookie changed under the browser: the ID token names another nonce.
    const { page, context } = await signInPage();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.locator('input[name=login]').waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'oo_oidc')!;
    const flow = JSON.parse(Buffer.from(cookie.value, 'base64url').toString());
    await context.addCookies([
      { ...cookie, value: Buffer.from(JSON.stringify({ ...flow, nonce: 'another' })).toString('base64url') },
    ]);
    await page.locator('input[name=login]').fill('ann');
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText(/its nonce does not match/).waitFor();

    const after = (
      await stack.pool.query('SELECT count(*)::int AS n FROM portal_sessions WHERE token_id IS NULL')
    ).rows[0].n as number;
    assert.equal(after, before, 'no session was created');
  });

  it('says so when the issuer does not answer', async () => {
    // An issuer that takes the connection and never answers.
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((s) => sockets.push(s));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const apiPort = await freePort();
    const other = await startTestApi(stack, undefined, {
      port: apiPort,
      oidc: settingsFor(`http://127.0.0.1:${port}`, apiPort),
    });
    try {
      const res = await fetch(`${other.baseUrl}/signin/oidc`, { redirect: 'manual' });
      assert.match(await res.text(), /The sign-in service does not answer/);
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('set-cookie')?.includes('oo_session=') ?? false, false);
    } finally {
      await other.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
