/**
 * The hook against a real Prometheus Alertmanager (Debian's `prometheus-alertmanager`, which
 * the setup installs): an alert posted to Alertmanager reaches the hook through a webhook
 * receiver with the machine token, makes one request however often Alertmanager notifies again,
 * and its resolution asks for nothing; Alertmanager counts no failed notification.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../../../platform/net';
import { startProcess, type ManagedProcess } from '../../../platform/processes';
import { e2e, type E2e } from '../e2e/fixture';

const ALERTMANAGER = 'prometheus-alertmanager';

describe('alertmanager hook: with a real Alertmanager', function () {
  this.timeout(120_000);
  let t: E2e;
  let am: ManagedProcess | undefined;
  let amUrl: string;
  let dir: string;
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const group = `am${stamp}`;
  const owner = `am-team-${stamp}@example.test`;

  before(async function () {
    t = await e2e();
    const admin = await t.api.tokenFor('admin');
    const machine = await t.api.tokenFor('machine', `alertmanager-${stamp}`);
    const created = await t.api.call('POST', '/v1/admin/scaling-groups', {
      token: admin,
      body: { name: group, offering: 'small-rhel9-dev', owner, step: 1, maxSize: 5, cooldownSeconds: 3600 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    dir = mkdtempSync(path.join(tmpdir(), 'alertmanager-'));
    // Notified again every second: each re-send of the firing must find the first request.
    writeFileSync(
      path.join(dir, 'alertmanager.yml'),
      `route:
  receiver: orchestrator
  group_by: [scaling_group]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: orchestrator
    webhook_configs:
      - url: ${t.api.baseUrl}/v1/hooks/alertmanager
        send_resolved: true
        max_alerts: 100
        http_config:
          authorization:
            type: Bearer
            credentials: ${machine}
`,
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = startProcess(
      'alertmanager',
      ALERTMANAGER,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { onLine: () => undefined },
    );
    await waitFor(
      'alertmanager to be ready',
      async () => (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok === true,
      20_000,
      200,
    );
  });
  after(async () => {
    await am?.stop(3_000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Alertmanager's own count of webhook notifications, `failed` or all. */
  const notifications = async (failed: boolean) => {
    const text = await (await fetch(`${amUrl}/metrics`)).text();
    const name = failed ? 'alertmanager_notifications_failed_total' : 'alertmanager_notifications_total';
    const line = text.split('\n').find((l) => l.startsWith(`${name}{integration="webhook"}`));
    return Number(line?.split(' ')[1] ?? 0);
  };
  const requestsOfOwner = async () =>
    (await t.stack.pool.query('SELECT count(*)::int AS n FROM requests WHERE requester = $1', [owner]))
      .rows[0].n as number;

  it('makes one request of a firing Alertmanager sends again and again, and nothing of its resolution', async () => {
    const startsAt = new Date().toISOString();
    const post = (extra: Record<string, string>) =>
      fetch(`${amUrl}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            labels: { alertname: 'HighCpu', scaling_group: group, instance: 'web-1:9100' },
            annotations: { summary: 'CPU above 90%' },
            startsAt,
            ...extra,
          },
        ]),
      });
    assert.equal((await post({})).status, 200);
    await waitFor('the firing to make its request', async () => (await requestsOfOwner()) === 1, 30_000, 200);
    const sent = await notifications(false);
    await waitFor(
      'Alertmanager to notify twice more',
      async () => (await notifications(false)) >= sent + 2,
      30_000,
      200,
    );
    assert.equal(await requestsOfOwner(), 1, 'the re-sent firing made no second request');
    const { rows } = await t.stack.pool.query(
      'SELECT group_key, starts_at, alert FROM scaling_firings WHERE scaling_group = $1',
      [group],
    );
    assert.equal(rows.length, 1);
    assert.match(rows[0].group_key as string, new RegExp(`scaling_group="${group}"`));
    assert.equal((rows[0].alert as { labels: Record<string, string> }).labels.instance, 'web-1:9100');

    assert.equal((await post({ endsAt: new Date().toISOString() })).status, 200);
    const before = await notifications(false);
    await waitFor(
      'the resolution to be sent',
      async () => (await notifications(false)) > before,
      30_000,
      200,
    );
    assert.equal(await requestsOfOwner(), 1, 'a resolved alert asks for nothing');
    assert.equal(await notifications(true), 0, 'every notification was answered 2xx');
  });
});
