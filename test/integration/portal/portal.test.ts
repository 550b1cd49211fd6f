/**
 * The portal in a real browser: Playwright (playwright-core) driving Debian's Chromium
 * (scripts/ensure-chromium.sh) against the API on the shared stack. One browser for the file, a
 * fresh context (cookie jar) per user. With PORTAL_SCREENSHOTS=1 it saves the main pages to
 * docs/portal/ for docs/portal.md.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { issueToken } from '../../../api/auth/tokens';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from '../e2e/fixture';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * In the page: the visible text whose contrast with its background is below WCAG AA's 4.5:1
 * (colours as computed; the background the nearest one that is not transparent).
 */
const lowContrastText = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest('.skip')) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ' ' + ratio.toFixed(2) + ' ' + el.textContent.trim().slice(0, 30));
  }
  return low;
})()`;
const screenshots =
  process.env.PORTAL_SCREENSHOTS === '1' ? path.join(__dirname, '../../../docs/portal') : undefined;

describe('the portal, in Chromium', function () {
  this.timeout(180_000);
  let t: E2e;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    t = await e2e();
    // Root cannot run Chromium's sandbox; the pages it opens are our own.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    if (screenshots) mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
  });

  /** A new browser profile for a new token of `role`, signed in through the sign-in form. */
  async function signedIn(
    role: 'requester' | 'approver' | 'admin',
    opts: { subject?: string; groups?: string[]; width?: number } = {},
  ): Promise<{ page: Page; subject: string; token: string }> {
    const subject =
      opts.subject ??
      `${role}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.test`;
    const { token } = await issueToken(t.stack.pool, { subject, role, groups: opts.groups ?? [] }, 'test');
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.api.baseUrl}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/catalog$/);
    return { page, subject, token };
  }

  const shot = async (page: Page, name: string) => {
    if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
  };

  const requestCount = async (subject: string) =>
    (await t.stack.pool.query('SELECT count(*)::int AS n FROM requests WHERE requester = $1', [subject]))
      .rows[0].n as number;

  it('lets a user who has never seen it order a VM from the catalog and see it ready with its IP address', async () => {
    const { page } = await signedIn('requester', { subject: 'newcomer@example.test' });
    await shot(page, 'catalog');
    await page.getByRole('link', { name: 'Order Small RHEL 9 dev VM' }).click();
    const name = `portal-${Date.now().toString(36)}`;
    await page.getByLabel('Name of your VM').fill(name);
    await shot(page, 'order');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.waitForURL(/\/requests\/req_/);
    // The page follows the request live (no reload): Ready, with the VM's address.
    await page.locator('.status-line').getByText('Ready').waitFor({ timeout: 90_000 });
    const ip = await page.locator('.ip').textContent();
    assert.match(ip ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(await page.getByRole('link', { name: 'Open in the Temporal Web UI' }).isVisible());
    await shot(page, 'request');
    // The portal path e-mails link to shows the request too.
    await page.getByRole('link', { name: 'Requests' }).click();
    assert.ok(await page.getByRole('cell', { name: /req_/ }).first().isVisible());
  });

  it('shows a custom VM form from the schema, and a bad value’s error at its field, with nothing created', async () => {
    const { page, subject } = await signedIn('requester');
    await page.getByRole('link', { name: 'Custom VM', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('custom-bad');
    await page.getByLabel('Operating system image').selectOption('rhel9');
    await page.getByLabel('Network').selectOption('INTRANET_DEV');
    await page.getByLabel('CPUs').fill('64');
    await page.getByLabel('Memory (GB)').fill('8');
    await page.getByLabel(/Disk 1 size/).fill('100');
    await shot(page, 'custom-vm');
    await page.getByRole('button', { name: 'Order this VM' }).click();
    const cpu = page.getByLabel('CPUs');
    assert.equal(await cpu.getAttribute('aria-invalid'), 'true');
    const error = await page.locator('#f-cpu-error').textContent();
    assert.match(error ?? '', /16/, 'the API’s message, naming the limit');
    assert.equal(await page.getByLabel('Memory (GB)').inputValue(), '8', 'what was typed is kept');
    assert.equal(await requestCount(subject), 0);
  });

  it('lets an approver of the group see what a large VM asks and approve it with a reason', async () => {
    const who = `big-${Date.now().toString(36)}`;
    const requester = await t.requester(who);
    const name = `big-portal-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(requester, { resources: [vm(name, { cpu: 12, memoryGb: 32 })] });
    const { page } = await signedIn('approver', { groups: ['capacity'] });
    await page.getByRole('link', { name: 'Approvals' }).click();
    const row = page.getByRole('link', { name: requestId });
    await waitFor(
      'the request to wait for approval',
      async () => {
        if (await row.isVisible()) return true;
        await page.reload();
        return false;
      },
      60_000,
      500,
    );
    await shot(page, 'approvals');
    await row.click();
    // The request's details beside the decision: who asks, what, and the approval's own message.
    const form = page.locator('form.approval');
    assert.match((await form.locator('.approval-message').textContent()) ?? '', /asks for 12 CPUs/);
    const facts = (await form.locator('> dl.facts').innerText()).replace(/\s+/g, ' ');
    assert.match(facts, new RegExp(`Requested by ${who}@example.test`));
    assert.match(facts, /CPUs 12 Memory 32 GB/);
    assert.match(facts, /Decided by capacity/);
    await shot(page, 'approval');
    await page.getByLabel('Reason (shown to the requester)').fill('fits the cluster');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved.').waitFor();
    const view = await t.settle(requester, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
  });

  it('lets an admin change the placement matrix', async () => {
    const { page } = await signedIn('admin');
    await page.getByRole('link', { name: 'Placement' }).click();
    const cell = page.getByLabel('Allow CL-PROD-01 on DS-DEV-01');
    const before = await cell.isChecked();
    await cell.setChecked(!before);
    await page.getByLabel('Weight of CL-PROD-01 on DS-DEV-01').fill('40');
    await shot(page, 'placement');
    await page.getByRole('button', { name: 'Save the matrix' }).click();
    await page.getByText('1 cells saved.').waitFor();
    const { rows } = await t.stack.pool.query(
      "SELECT allowed, weight FROM placement_matrix WHERE cluster = 'CL-PROD-01' AND datastore = 'DS-DEV-01'",
    );
    assert.deepEqual(rows[0], { allowed: !before, weight: 40 });
    // Back as it was, for the suites that follow.
    await t.stack.pool.query(
      "UPDATE placement_matrix SET allowed = $1, weight = 0 WHERE cluster = 'CL-PROD-01' AND datastore = 'DS-DEV-01'",
      [before],
    );
    await page.getByRole('link', { name: 'Offerings' }).click();
    await shot(page, 'offerings');
  });

  it('does not show a requester another’s request', async () => {
    const alice = await t.requester(`alice-${Date.now().toString(36)}`);
    const { requestId } = await t.submit(alice, {
      resources: [{ offering: 'small-rhel9-dev', name: `alice-${Date.now().toString(36)}` }],
    });
    const { page } = await signedIn('requester');
    const res = await page.goto(`${t.api.baseUrl}/requests/${requestId}`);
    assert.equal(res?.status(), 404);
    assert.ok(await page.getByText(`There is no request ${requestId} you may see.`).isVisible());
    await page.goto(`${t.api.baseUrl}/requests`);
    assert.equal(await page.getByRole('link', { name: requestId }).count(), 0);
    await t.api.call('POST', `/v1/requests/${requestId}/cancel`, { token: alice });
  });

  it('orders with the keyboard alone, on a phone’s width', async () => {
    const subject = `keys-${Date.now().toString(36)}@example.test`;
    const { token } = await issueToken(t.stack.pool, { subject, role: 'requester' }, 'test');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.api.baseUrl}/`);
    /** Presses Tab until the focused element is the one `matches` describes. */
    const tabTo = async (what: string, matches: string) => {
      const visited: string[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(`(el => ${matches})(document.activeElement)`)) return;
        visited.push(await page.evaluate<string>('document.activeElement.outerHTML.slice(0, 80)'));
      }
      throw new Error(`Tab never reached ${what}; it went through ${visited.join(' | ')}`);
    };
    await tabTo('the token field', "el.id === 'f-token'");
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/catalog$/);
    await tabTo('the first Order link', "el.getAttribute('aria-label') === 'Order Small RHEL 9 dev VM'");
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/order\/small-rhel9-dev$/);
    await tabTo('the name field', "el.id === 'f-name'");
    const name = `keys-${Date.now().toString(36)}`;
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/requests\/req_/);
    await shot(page, 'request-phone');
    assert.equal(await requestCount(subject), 1);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `no sideways scrolling on a phone (${width}px)`);
  });

  it('has, on a phone’s width, no page that scrolls sideways, no control without a label, no text of low contrast', async () => {
    const { page } = await signedIn('admin', { width: 390 });
    for (const path of [
      '/catalog',
      '/order/small-rhel9-dev',
      '/order/custom',
      '/requests',
      '/approvals',
      '/admin/offerings',
      '/admin/placement',
      '/admin/tokens',
      '/admin/status',
    ]) {
      await page.goto(`${t.api.baseUrl}${path}`);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `${path} scrolls sideways (${width}px)`);
      assert.equal(await page.locator('h1').count(), 1, `${path} has one h1`);
      const unlabelled = await page.evaluate<
        string[]
      >(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
        .map((el) => el.outerHTML.slice(0, 80))`);
      assert.deepEqual(unlabelled, [], `${path} has controls without a label`);
      assert.deepEqual(
        await page.evaluate<string[]>(lowContrastText),
        [],
        `${path} has text of low contrast`,
      );
    }
  });

  it('refuses a forged CSRF token, an ended session, a retired and a forbidden offering, creating nothing', async () => {
    const { page, subject } = await signedIn('requester');
    await page.goto(`${t.api.baseUrl}/order/small-rhel9-dev`);
    await page.getByLabel('Name of your VM').fill('forged-csrf');
    await page.evaluate("document.querySelector('form.order input[name=_csrf]').value = 'forged'");
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    assert.ok(
      await page
        .getByText(/Nothing was done/)
        .first()
        .isVisible(),
    );

    // An offering retired between the page's load and its submission.
    await t.api.call('POST', '/v1/admin/offerings', {
      token: await t.api.tokenFor('admin'),
      body: {
        name: 'soon-gone',
        title: 'Soon gone',
        spec: { osImage: 'rhel9', network: 'INTRANET_DEV', cpu: 1, memoryGb: 2, disks: [{ sizeGb: 40 }] },
        defaultLeaseDays: 1,
        maxLeaseDays: 2,
      },
    });
    await page.goto(`${t.api.baseUrl}/order/soon-gone`);
    await page.getByLabel('Name of your VM').fill('too-late');
    await t.api.call('POST', '/v1/admin/offerings/soon-gone/retire', {
      token: await t.api.tokenFor('admin'),
    });
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    assert.ok(
      await page
        .getByText(/retired/)
        .first()
        .isVisible(),
    );

    // An offering for a group the user is not in.
    const forbidden = await page.goto(`${t.api.baseUrl}/order/managed-rhel9-prod`);
    assert.equal(forbidden?.status(), 404);
    assert.ok(await page.getByText(/There is no offering managed-rhel9-prod you may order/).isVisible());

    // A session that ended while the form was open.
    await page.goto(`${t.api.baseUrl}/order/small-rhel9-dev`);
    await page.getByLabel('Name of your VM').fill('after-expiry');
    await t.stack.pool.query(
      "UPDATE portal_sessions SET expires_at = now() - interval '1 second' WHERE token_id IN (SELECT token_id FROM api_tokens WHERE subject = $1)",
      [subject],
    );
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    assert.ok(await page.getByText('Your session has ended; sign in again. Nothing was done.').isVisible());
    assert.equal(await requestCount(subject), 0);
  });

  it('shows a resource’s lease, extends it with the error at the field first, resizes and powers it off, and deletes it after a confirmation', async () => {
    const { page, token } = await signedIn('requester');
    const name = `res-${Date.now().toString(36)}`;
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const { requestId } = await t.submit(token, { resources: [vm(name, { leaseEnd: inDays(2) })] });
    assert.equal((await t.settle(token, requestId)).status, 'succeeded');
    const view = async () =>
      (
        await t.api.call<{ state: string; leaseEnd: string }>(
          'GET',
          `/v1/resources/virtual_machine/${name}`,
          { token },
        )
      ).body;
    await waitFor('the VM active', async () => (await view()).state === 'active');

    await page.getByRole('link', { name: 'Resources', exact: true }).click();
    await page.getByRole('link', { name, exact: true }).click();
    assert.equal(await page.getByLabel('Keep it until').inputValue(), inDays(2).slice(0, 10));

    // A day in the past: the API's message at the field, the lease as it was.
    await page.getByLabel('Keep it until').fill('2020-01-01');
    await page.getByRole('button', { name: 'Change the lease' }).click();
    assert.equal(await page.getByLabel('Keep it until').getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('#f-leaseEnd-error').textContent()) ?? '', /in the future/);
    await shot(page, 'resource');

    const later = inDays(5).slice(0, 10);
    await page.getByLabel('Keep it until').fill(later);
    await page.getByRole('button', { name: 'Change the lease' }).click();
    await page.getByText('The lease was changed.').waitFor();
    assert.equal((await view()).leaseEnd, `${later}T23:59:59.000Z`);
    assert.match((await page.locator('.lease-end').textContent()) ?? '', new RegExp(later));

    // Beyond the maximum, with an approval group set: the page links to the request that waits.
    const admin = await t.api.tokenFor('admin');
    await t.api.call('PUT', '/v1/admin/settings', {
      token: admin,
      body: { leaseApprovalGroup: 'lease-approvers' },
    });
    try {
      await page.getByLabel('Keep it until').fill(inDays(400).slice(0, 10));
      await page.getByRole('button', { name: 'Change the lease' }).click();
      await page.getByText(/waits for an approval/).waitFor();
      const waiting = await page.getByRole('link', { name: /^request req_/ }).textContent();
      const cancelled = await t.api.call('POST', `/v1/requests/${waiting!.replace('request ', '')}/cancel`, {
        token,
      });
      assert.equal(cancelled.status, 202, JSON.stringify(cancelled.body));
    } finally {
      await t.api.call('PUT', '/v1/admin/settings', { token: admin, body: { leaseApprovalGroup: null } });
    }

    // Day 2: a size the limits refuse shows at its field; a resize with one more disk, then a
    // power-off, each a request the page links to, and the inventory follows.
    const size = async () =>
      (
        await t.api.call<{ state: string; size: { cpu: number; disks: number[]; power: string } }>(
          'GET',
          `/v1/resources/virtual_machine/${name}`,
          { token },
        )
      ).body;
    await page.getByLabel('CPUs').fill('99');
    await page.getByRole('button', { name: 'Change the size' }).click();
    assert.equal(await page.getByLabel('CPUs').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('CPUs').fill('3');
    await page.getByLabel('Add a disk (GB)').fill('20');
    await page.getByRole('button', { name: 'Change the size' }).click();
    await page.getByText('The change was asked.').waitFor();
    await waitFor(
      'the VM resized',
      async () => {
        const now = await size();
        return now.state === 'active' && now.size.cpu === 3 && now.size.disks.length === 2;
      },
      90_000,
    );
    await page.goto(`${t.api.baseUrl}/resources/virtual_machine/${name}`);
    await page.getByRole('button', { name: 'Power off' }).click();
    await page.getByText('The power action was asked.').waitFor();
    await waitFor(
      'the VM powered off',
      async () => {
        const now = await size();
        return now.state === 'active' && now.size.power === 'off';
      },
      90_000,
    );
    await page.goto(`${t.api.baseUrl}/resources/virtual_machine/${name}`);

    // Delete asks first; the page then links to the removal's request.
    await page.getByRole('link', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: `Yes, delete ${name}` }).click();
    await page.getByText('Its removal was asked.').waitFor();
    await page.getByRole('link', { name: /^request req_/ }).click();
    await page.waitForURL(/\/requests\/req_/);
    await page.locator('.status-line').getByText('Ready').waitFor({ timeout: 90_000 });
    assert.equal((await view()).state, 'removed');
  });
});
