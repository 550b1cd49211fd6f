/**
 * The catalog of standard offerings: what `GET /v1/catalog` lists to whom, an order built into
 * the VM the offering describes, and every way an order or an offering is refused with nothing
 * created. The inventory reads that forms use.
 */
import assert from 'node:assert/strict';
import { issueToken } from '../../../api/auth/tokens';
import { e2e, type E2e } from '../e2e/fixture';

interface CatalogEntry {
  name: string;
  spec: Record<string, unknown>;
  maxLeaseDays: number;
  orderSchema: { required: string[]; properties: Record<string, { maximum?: number; default?: number }> };
}
type Problem = { error: { type: string; fields: { path: string; message: string }[] } };

describe('offerings: the catalog of standard resources', function () {
  this.timeout(120_000);
  let t: E2e;
  let dora: string;
  let admin: string;
  before(async () => {
    t = await e2e();
    dora = await t.requester('dora');
    admin = await t.api.tokenFor('admin');
  });

  it('lists the seeded offerings a requester may order, each with the schema of what is left to ask', async () => {
    const { status, body } = await t.api.call<{ offerings: CatalogEntry[] }>('GET', '/v1/catalog', {
      token: dora,
    });
    assert.equal(status, 200);
    const names = body.offerings.map((o) => o.name);
    assert.ok(names.includes('small-rhel9-dev') && names.includes('medium-ubuntu22-dev'), names.join());
    assert.ok(!names.includes('managed-rhel9-prod'), 'an offering for the ops group is not shown outside it');
    const small = body.offerings.find((o) => o.name === 'small-rhel9-dev')!;
    assert.deepEqual(small.orderSchema.required.sort(), ['name', 'offering']);
    assert.equal(small.orderSchema.properties.leaseDays!.maximum, small.maxLeaseDays);
    const ops = (
      await issueToken(
        t.stack.pool,
        { subject: 'opal@example.test', role: 'requester', groups: ['ops'] },
        't',
      )
    ).token;
    const forOps = await t.api.call<{ offerings: CatalogEntry[] }>('GET', '/v1/catalog', { token: ops });
    assert.ok(forOps.body.offerings.some((o) => o.name === 'managed-rhel9-prod'));
  });

  it('builds the VM the offering describes from an order of a name and a lease', async () => {
    const name = `offer-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(dora, {
      resources: [{ offering: 'small-rhel9-dev', name, leaseDays: 3 }],
    });
    const view = await t.settle(dora, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    const [summary] = await t.vcenter.listVms({ names: name });
    const vm = await t.vcenter.readVm(summary!.vm);
    assert.equal(vm?.cpu?.count, 2);
    assert.equal(vm?.memory?.size_MiB, 4 * 1024);
  });

  it('refuses an order for an unknown, not permitted or retired offering, or a lease beyond it, creating nothing', async () => {
    const requestsOf = async (subject: string) =>
      (await t.stack.pool.query('SELECT count(*)::int AS n FROM requests WHERE requester = $1', [subject]))
        .rows[0].n as number;
    const before = await requestsOf('dora@example.test');
    const order = (o: Record<string, unknown>) =>
      t.api.call<Problem>('POST', '/v1/requests', {
        token: dora,
        body: { resources: [{ name: 'never-built', ...o }] },
      });
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ offering: 'no-such-thing' }, 422, 'body.resources.0.offering', /no offering no-such-thing/],
      [{ offering: 'managed-rhel9-prod' }, 422, 'body.resources.0.offering', /you may order/],
      [{ offering: 'small-rhel9-dev', leaseDays: 91 }, 422, 'body.resources.0.leaseDays', /at most 90 days/],
      [{ offering: 'small-rhel9-dev', cpu: 64 }, 400, 'body.resources.0.cpu', /unknown field/],
    ];
    for (const [o, status, path, message] of cases) {
      const res = await order(o);
      assert.equal(res.status, status, JSON.stringify(res.body));
      const field = res.body.error.fields.find((f) => f.path === path);
      assert.match(field?.message ?? '', message, JSON.stringify(res.body));
    }
    const created = await t.api.call<CatalogEntry>('POST', '/v1/admin/offerings', {
      token: admin,
      body: {
        name: 'short-lived',
        title: 'Short-lived test VM',
        spec: { osImage: 'rhel9', network: 'INTRANET_DEV', cpu: 1, memoryGb: 2, disks: [{ sizeGb: 40 }] },
        defaultLeaseDays: 1,
        maxLeaseDays: 2,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(
      (await t.api.call('POST', '/v1/admin/offerings/short-lived/retire', { token: admin })).status,
      200,
    );
    const retired = await order({ offering: 'short-lived' });
    assert.equal(retired.status, 422);
    assert.match(retired.body.error.fields[0]!.message, /retired/);
    assert.equal(await requestsOf('dora@example.test'), before, 'no request was recorded');
  });

  it('refuses an offering whose preset fields would not be accepted, at each field', async () => {
    const base = { title: 'Too big', defaultLeaseDays: 10, maxLeaseDays: 5 };
    const res = await t.api.call<Problem>('POST', '/v1/admin/offerings', {
      token: admin,
      body: {
        ...base,
        name: 'too-big',
        spec: { osImage: 'rhel9', network: 'NOWHERE', cpu: 999, memoryGb: 2, disks: [{ sizeGb: 40 }] },
      },
    });
    assert.equal(res.status, 422);
    assert.deepEqual(
      res.body.error.fields.map((f) => f.path),
      ['body.defaultLeaseDays'],
    );
    const again = await t.api.call<Problem>('POST', '/v1/admin/offerings', {
      token: admin,
      body: {
        ...base,
        maxLeaseDays: 10,
        name: 'too-big',
        spec: { osImage: 'rhel9', network: 'NOWHERE', cpu: 999, memoryGb: 2, disks: [{ sizeGb: 40 }] },
      },
    });
    const paths = again.body.error.fields.map((f) => f.path).sort();
    assert.deepEqual(paths, ['body.spec.cpu', 'body.spec.network']);
    assert.equal((await t.api.call('POST', '/v1/admin/offerings', { token: dora, body: {} })).status, 403);
  });

  it('lists the inventory a form offers', async () => {
    for (const [kind, expected] of [
      ['networks', 'INTRANET_DEV'],
      ['images', 'rhel9'],
      ['clusters', 'CL-DEV-01'],
      ['datastores', 'DS-DEV-01'],
    ] as const) {
      const res = await t.api.call<Record<string, { name: string }[]>>('GET', `/v1/inventory/${kind}`, {
        token: dora,
      });
      assert.equal(res.status, 200);
      assert.ok(
        res.body[kind]!.some((i) => i.name === expected),
        `${kind}: ${JSON.stringify(res.body)}`,
      );
    }
  });
});
