/**
 * A monitoring system as a user: Alertmanager's webhook (version 4) posted with a `machine`
 * token makes one request of a scaling group's step of VMs per firing, however often and however
 * concurrently the firing is sent, and none within the cooldown, past the maximum, for a resolved
 * alert or for bad input. A machine token reaches nothing but the hook. Scaling groups are
 * defined by admins and checked before they are stored.
 */
import assert from 'node:assert/strict';
import { openApiDocument } from '../../../api/openapi';
import { startSession } from '../../../api/portal/session';
import { e2e, type E2e } from '../e2e/fixture';
import { startTestApi, type TestApi } from './api-client';

type Problem = { error: { type: string; message: string; fields?: { path: string; message: string }[] } };
interface HookAnswer {
  alerts: {
    index: number;
    outcome: string;
    reason: string;
    requestId?: string;
    vms?: number;
    names?: string[];
  }[];
}

const uniq = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** An alert as Alertmanager writes it (labels, annotations, nanosecond times, fingerprint). */
function alert(group: string | undefined, startsAt: string, overrides: Record<string, unknown> = {}) {
  return {
    status: 'firing',
    labels: { alertname: 'HighCpu', instance: 'web-1:9100', ...(group ? { scaling_group: group } : {}) },
    annotations: { summary: 'CPU above 90% for 5 minutes' },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=cpu',
    fingerprint: `f${group ?? 'none'}${startsAt.replace(/\D/g, '')}`.slice(0, 32),
    ...overrides,
  };
}

/** A notification of `alerts` for one alert group (receiver, group key, common labels …). */
function notification(group: string, alerts: unknown[], overrides: Record<string, unknown> = {}) {
  return {
    version: '4',
    groupKey: `{}/{severity="page"}:{scaling_group="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'orchestrator',
    groupLabels: { scaling_group: group },
    commonLabels: { alertname: 'HighCpu', scaling_group: group },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts,
    ...overrides,
  };
}

describe('alertmanager hook: a monitoring system asks for more VMs', function () {
  this.timeout(120_000);
  let t: E2e;
  let other: TestApi;
  let admin: string;
  let machine: string;
  const owner = `web-team-${uniq()}@example.test`;

  const post = (body: unknown, opts: { token?: string; api?: TestApi; query?: string } = {}) =>
    (opts.api ?? t.api).call<HookAnswer & Problem>('POST', `/v1/hooks/alertmanager${opts.query ?? ''}`, {
      token: opts.token ?? machine,
      body,
    });
  const defineGroup = async (fields: Record<string, unknown>) => {
    const res = await t.api.call('POST', '/v1/admin/scaling-groups', {
      token: admin,
      body: { offering: 'small-rhel9-dev', owner, ...fields },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { name: string; naming: string; size: number };
  };
  const requestsOfOwner = async () =>
    (await t.stack.pool.query('SELECT count(*)::int AS n FROM requests WHERE requester = $1', [owner]))
      .rows[0].n as number;

  before(async () => {
    t = await e2e();
    // A second API process: concurrent copies of one notification reach both.
    other = await startTestApi(t.stack);
    admin = await t.api.tokenFor('admin');
    machine = await t.api.tokenFor('machine', `alertmanager-${uniq()}`);
  });
  after(() => other?.close());

  it('makes one request of the step of VMs however often, and however concurrently, a firing is sent', async () => {
    const group = await defineGroup({ name: `web${uniq()}`, step: 2, maxSize: 10, cooldownSeconds: 3600 });
    assert.equal(group.naming, `${group.name}-{n}`);
    const body = notification(group.name, [alert(group.name, '2026-11-30T14:00:00.123456789Z')]);
    const answers = await Promise.all([post(body), post(body, { api: other }), post(body)]);
    answers.push(await post(body));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const outcomes = answers.map((a) => a.body.alerts[0]!.outcome).sort();
    assert.deepEqual(outcomes, ['duplicate', 'duplicate', 'duplicate', 'requested']);
    const requestIds = new Set(answers.map((a) => a.body.alerts[0]!.requestId));
    assert.equal(requestIds.size, 1, 'every answer names the one request');
    assert.equal(await requestsOfOwner(), 1);
    const [requestId] = [...requestIds] as [string];

    // The request says which alert made it, and carries the group's step of VMs of its offering.
    const view = await t.api.call<{
      requester: string;
      description: string;
      origin: {
        scalingGroup: string;
        fingerprint: string;
        startsAt: string;
        alert: { labels: Record<string, string> };
      };
    }>('GET', `/v1/requests/${requestId}`, { token: admin });
    assert.equal(view.status, 200);
    assert.equal(view.body.requester, owner);
    assert.match(view.body.description, /alert HighCpu firing since 2026-11-30T14:00:00\.123456789Z/);
    assert.equal(view.body.origin.scalingGroup, group.name);
    assert.equal(view.body.origin.startsAt, '2026-11-30T14:00:00.123456789Z');
    assert.equal(view.body.origin.alert.labels.instance, 'web-1:9100');
    const file = await t.api.call<{
      resources: { offering: string; name: string; tags: Record<string, string> }[];
    }>('GET', `/v1/requests/${requestId}/file`, { token: admin });
    assert.deepEqual(
      file.body.resources.map((r) => [r.offering, r.name, r.tags['scaling-group']]),
      [
        ['small-rhel9-dev', `${group.name}-1`, group.name],
        ['small-rhel9-dev', `${group.name}-2`, group.name],
      ],
    );

    // A new firing inside the cooldown asks for nothing; a resolved alert neither.
    const again = await post(
      notification(group.name, [
        alert(group.name, '2026-11-30T14:20:00Z'),
        alert(group.name, '2026-11-30T14:00:00.123456789Z', {
          status: 'resolved',
          endsAt: '2026-11-30T14:30:00Z',
        }),
        alert(undefined, '2026-11-30T14:20:00Z'),
      ]),
    );
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(
      again.body.alerts.map((a) => a.outcome),
      ['cooldown', 'ignored', 'ignored'],
    );
    assert.equal(await requestsOfOwner(), 1);
    const listed = await t.api.call<{ size: number; lastScaledAt: string }>(
      'GET',
      `/v1/admin/scaling-groups/${group.name}`,
      { token: admin },
    );
    assert.equal(listed.body.size, 2, 'the two VMs being built count');
    assert.ok(listed.body.lastScaledAt);
  });

  it('asks for nothing past the maximum: a 422 naming the group, nothing built', async () => {
    const group = await defineGroup({
      name: `db${uniq()}`,
      step: 2,
      maxSize: 3,
      cooldownSeconds: 0,
      naming: `db-{n}-${uniq()}`,
    });
    const first = await post(notification(group.name, [alert(group.name, '2026-11-30T15:00:00Z')]));
    assert.equal(first.body.alerts[0]!.outcome, 'requested', JSON.stringify(first.body));
    assert.equal(first.body.alerts[0]!.vms, 2);
    const before = await requestsOfOwner();
    const over = await post(notification(group.name, [alert(group.name, '2026-11-30T15:05:00Z')]));
    assert.equal(over.status, 422, JSON.stringify(over.body));
    assert.deepEqual(over.body.error.fields, [
      {
        path: 'body.alerts.0.labels.scaling_group',
        message: `scaling group ${group.name} has 2 of at most 3 VMs; 2 more would exceed its maximum`,
      },
    ]);
    assert.equal(await requestsOfOwner(), before);
    // Alertmanager re-sending the firing that did scale out still hears of its request.
    const resent = await post(notification(group.name, [alert(group.name, '2026-11-30T15:00:00Z')]));
    assert.equal(resent.status, 200);
    assert.equal(resent.body.alerts[0]!.outcome, 'duplicate');
  });

  it('refuses bad input with a 4xx naming what, building nothing', async () => {
    const group = await defineGroup({ name: `app${uniq()}`, step: 1, maxSize: 5, cooldownSeconds: 0 });
    const firstAlert = alert(group.name, '2026-11-30T16:00:00Z');
    const good = notification(group.name, [firstAlert]);
    const before = await requestsOfOwner();
    const requester = await t.api.tokenFor('requester');
    const cases: [string, Promise<{ status: number; body: Problem }>, number, string | undefined][] = [
      ['no token', t.api.call('POST', '/v1/hooks/alertmanager', { body: good }), 401, undefined],
      ['a requester', post(good, { token: requester }), 403, undefined],
      ['an admin', post(good, { token: admin }), 403, undefined],
      ['version 3', post({ ...good, version: '3' }), 400, 'body.version'],
      ['no alerts', post({ ...good, alerts: undefined }), 400, 'body.alerts'],
      [
        'an alert without fingerprint',
        post({ ...good, alerts: [{ ...firstAlert, fingerprint: undefined }] }),
        400,
        'body.alerts.0.fingerprint',
      ],
      [
        'a start that is no time',
        post({ ...good, alerts: [{ ...firstAlert, startsAt: 'yesterday' }] }),
        400,
        'body.alerts.0.startsAt',
      ],
      ['an array', post([good]), 400, undefined],
      [
        'malformed JSON',
        t.api.call('POST', '/v1/hooks/alertmanager', { token: machine, rawBody: '{"version": "4",' }),
        400,
        undefined,
      ],
      ['a bad label name', post(good, { query: '?groupLabel=not-a-label' }), 400, 'query.groupLabel'],
      [
        'an unknown group',
        post(
          notification('no-such-group', [
            alert(group.name, '2026-11-30T16:00:00Z'),
            alert('no-such-group', '2026-11-30T16:00:00Z'),
          ]),
        ),
        422,
        'body.alerts.1.labels.scaling_group',
      ],
    ];
    for (const [what, answer, status, path] of cases) {
      const res = await answer;
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error?.message, 'string', what);
      if (path)
        assert.ok(
          res.body.error.fields?.some((f) => f.path === path),
          `${what}: ${JSON.stringify(res.body)}`,
        );
    }
    assert.equal(await requestsOfOwner(), before, 'nothing was requested');
    // The label is configurable: another label names the group, the default one is then not read.
    const custom = await post(
      notification(group.name, [
        alert(undefined, '2026-11-30T16:10:00Z', { labels: { alertname: 'Busy', autoscale: group.name } }),
      ]),
      { query: '?groupLabel=autoscale' },
    );
    assert.equal(custom.status, 200, JSON.stringify(custom.body));
    assert.equal(custom.body.alerts[0]!.outcome, 'requested');
  });

  it('lets a machine token reach the hook and nothing else', async () => {
    const paths = openApiDocument('http://x').paths as Record<string, Record<string, unknown>>;
    const refused: string[] = [];
    for (const [template, operations] of Object.entries(paths)) {
      if (!template.startsWith('/v1/') || template === '/v1/hooks/alertmanager') continue;
      const path = template.replace(/\{\w+\}/g, 'x1');
      for (const method of Object.keys(operations)) {
        const res = await t.api.call(method.toUpperCase(), path, {
          token: machine,
          ...(method === 'get' ? {} : { body: {} }),
        });
        if (res.status !== 403) refused.push(`${method} ${path}: ${res.status}`);
      }
    }
    assert.deepEqual(refused, [], 'every route but the hook is 403 for a machine');
    assert.equal(await startSession(t.stack.pool, machine), undefined, 'nor does it sign in to the portal');
  });

  it('checks a scaling group before storing it, and lets admins list, change and delete it', async () => {
    const name = `chk${uniq()}`;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name, offering: 'no-such-offering', step: 1, maxSize: 2 }, 422, 'body.offering'],
      [{ name, offering: 'managed-rhel9-prod', step: 1, maxSize: 2 }, 422, 'body.group'],
      [{ name, step: 3, maxSize: 2 }, 422, 'body.maxSize'],
      [{ name, step: 1, maxSize: 2, naming: 'web-n' }, 400, 'body.naming'],
      [{ name, step: 1, maxSize: 2, naming: `${'x'.repeat(57)}-{n}` }, 422, 'body.naming'],
      [{ name, step: 0, maxSize: 2 }, 400, 'body.step'],
      [{ name, step: 1, maxSize: 2, extra: true }, 400, 'body.extra'],
    ];
    for (const [body, status, path] of cases) {
      const res = await t.api.call<Problem>('POST', '/v1/admin/scaling-groups', {
        token: admin,
        body: { offering: 'small-rhel9-dev', owner, ...body },
      });
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.fields?.some((f) => f.path === path),
        `${path}: ${JSON.stringify(res.body)}`,
      );
    }
    const requester = await t.api.tokenFor('requester');
    assert.equal((await t.api.call('GET', '/v1/admin/scaling-groups', { token: requester })).status, 403);
    await defineGroup({ name, step: 1, maxSize: 2 });
    const dup = await t.api.call('POST', '/v1/admin/scaling-groups', {
      token: admin,
      body: { name, offering: 'small-rhel9-dev', owner, step: 1, maxSize: 2 },
    });
    assert.equal(dup.status, 409);
    const changed = await t.api.call<{ step: number; cooldownSeconds: number }>(
      'PUT',
      `/v1/admin/scaling-groups/${name}`,
      {
        token: admin,
        body: { offering: 'small-rhel9-dev', owner, step: 2, maxSize: 4, cooldownSeconds: 60 },
      },
    );
    assert.equal(changed.status, 200);
    assert.equal(changed.body.step, 2);
    const list = await t.api.call<{ scalingGroups: { name: string }[] }>('GET', '/v1/admin/scaling-groups', {
      token: admin,
    });
    assert.ok(list.body.scalingGroups.some((g) => g.name === name));
    assert.equal(
      (await t.api.call('DELETE', `/v1/admin/scaling-groups/${name}`, { token: admin })).status,
      204,
    );
    assert.equal((await t.api.call('GET', `/v1/admin/scaling-groups/${name}`, { token: admin })).status, 404);
    const gone = await post(notification(name, [alert(name, '2026-11-30T17:00:00Z')]));
    assert.equal(gone.status, 422);
  });
});
