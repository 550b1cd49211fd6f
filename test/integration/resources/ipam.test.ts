import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { createIpamDeps } from '../../../activities/ipam/deps';
import { releaseAddressTask } from '../../../activities/ipam/release-address';
import { createResourceDeps, type ResourceDeps } from '../../../activities/resources/deps';
import { prepareResource } from '../../../activities/resources/prepare-resource';
import { commonFormatProblems } from '../../../resource-handlers';
import { choosePlacement } from '../../../resource-handlers/placement';
import {
  AddressPoolExhaustedError,
  allocateAddress,
  findLiveAddresses,
  labCatalog,
  listPlacementMatrix,
  loadCatalogSnapshot,
  peekAddress,
  releaseAddress,
  ResourceNameInUseError,
  seedCatalog,
  setPlacementRule,
  UnknownPlacementTargetError,
} from '../../../resource-handlers/store';
import { virtualMachine } from '../../../resource-handlers/virtual_machine';
import { getStack } from '../../harness/stack';
import { runTask, taskFailure } from './run-task';

const run = Math.random().toString(36).slice(2, 8);
/** Networks of this suite only, so other suites' allocations on the lab networks cannot interfere. */
const net = `TEST_NET_${run}`;
const tiny = `TEST_TINY_${run}`;
/** A range with its gateway in the middle. */
const mid = `TEST_MID_${run}`;
const vm = (name: string) => ({ resourceType: 'virtual_machine', resourceName: `${name}-${run}` });

describe('catalog, placement and IPAM in Postgres', function () {
  let pool: Pool;

  before(async function () {
    this.timeout(180_000);
    pool = (await getStack()).pool;
    await seedCatalog(pool);
    await pool.query(
      `INSERT INTO catalog_networks (name, datacenter, cidr, gateway, dns_servers, dns_domain, vlan, range_start, range_end)
       VALUES ($1, 'LAB-DC1', '10.99.0.0/24', '10.99.0.1', '{10.99.0.53}', 'test.local', 999, '10.99.0.1', '10.99.0.40'),
              ($2, 'LAB-DC1', '10.98.0.0/29', '10.98.0.1', '{}', '', NULL, '10.98.0.2', '10.98.0.4'),
              ($3, 'LAB-DC1', '10.97.0.0/29', '10.97.0.3', '{}', '', NULL, '10.97.0.1', '10.97.0.6')`,
      [net, tiny, mid],
    );
  });

  after(async () => {
    await pool.query('DELETE FROM ip_allocations WHERE network = ANY($1)', [[net, tiny, mid]]);
    await pool.query('DELETE FROM catalog_networks WHERE name = ANY($1)', [[net, tiny, mid]]);
    await pool.query('DELETE FROM catalog_clusters WHERE name = $1', [`CL-TEST-${run}`]);
    await pool.query('DELETE FROM catalog_datastores WHERE name = $1', [`DS-TEST-${run}`]);
  });

  const allocate = (name: string, ids = { requestId: 'req_a', traceId: 'trc_a' }, network = net) =>
    allocateAddress(pool, { network, ...vm(name), ...ids });

  describe('catalog', () => {
    it('loads the lab seed back as the snapshot the API validates against', async () => {
      const snapshot = await loadCatalogSnapshot(pool);
      const lab = labCatalog();
      assert.deepEqual(snapshot.images, lab.images);
      assert.deepEqual(snapshot.limits.virtual_machine, lab.limits.virtual_machine);
      for (const name of Object.keys(lab.networks))
        assert.deepEqual(snapshot.networks[name], lab.networks[name]);
      assert.deepEqual(snapshot.networks[net]?.dnsServers, ['10.99.0.53']);
      for (const rule of lab.placements)
        assert.ok(
          snapshot.placements.some((p) => p.cluster === rule.cluster && p.datastore === rule.datastore),
        );
    });

    it('seeds idempotently and keeps what an admin changed', async () => {
      await pool.query(`INSERT INTO catalog_clusters VALUES ($1, 'LAB-DC1', 'Orchestrated')`, [
        `CL-TEST-${run}`,
      ]);
      await pool.query(`INSERT INTO catalog_datastores VALUES ($1, 'LAB-DC1')`, [`DS-TEST-${run}`]);
      const seed = {
        ...labCatalog(),
        placements: [{ cluster: `CL-TEST-${run}`, datastore: `DS-TEST-${run}`, allowed: true, weight: 10 }],
      };
      await seedCatalog(pool, seed);
      await setPlacementRule(
        pool,
        { cluster: `CL-TEST-${run}`, datastore: `DS-TEST-${run}`, allowed: false, weight: 0 },
        'admin-1',
      );
      await seedCatalog(pool, seed);
      const cell = (await listPlacementMatrix(pool)).find((c) => c.cluster === `CL-TEST-${run}`);
      assert.deepEqual([cell?.allowed, cell?.weight, cell?.updatedBy], [false, 0, 'admin-1']);
    });

    it('refuses a matrix cell naming a cluster the catalog does not have', async () => {
      await assert.rejects(
        setPlacementRule(
          pool,
          { cluster: 'CL-NOPE', datastore: 'DS-DEV-01', allowed: true, weight: 1 },
          'admin-1',
        ),
        (err: unknown) => err instanceof UnknownPlacementTargetError && err.field === 'cluster',
      );
    });

    it('places deterministically from the loaded matrix, never on a forbidden pair', async () => {
      const snapshot = await loadCatalogSnapshot(pool);
      for (let i = 0; i < 50; i++) {
        const request = { key: `vm-${i}`, datacenter: 'LAB-DC1' };
        const placement = choosePlacement(snapshot, request)!;
        assert.deepEqual(choosePlacement(snapshot, request), placement);
        const rule = snapshot.placements.find(
          (p) => p.cluster === placement.cluster && p.datastore === placement.datastore,
        );
        assert.equal(rule?.allowed, true);
      }
    });
  });

  describe('IP allocation', () => {
    it('hands 20 concurrent allocations on one network 20 distinct addresses from its range, never the gateway', async () => {
      const leases = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          allocate(`conc-${i}`, { requestId: `req_${i}`, traceId: `trc_${i}` }),
        ),
      );
      const addresses = leases.map((l) => l.address);
      assert.equal(new Set(addresses).size, 20);
      for (const a of addresses) {
        const host = Number(a.split('.')[3]);
        assert.ok(a.startsWith('10.99.0.') && host >= 2 && host <= 40, a);
      }
      assert.ok(!addresses.includes('10.99.0.1'));
      await Promise.all(
        leases.map((l) =>
          releaseAddress(pool, { ...vm(l.resourceName.replace(`-${run}`, '')), requestId: 'req_x' }),
        ),
      );
    });

    it('gives the same request, or a re-run in its trace, the address it already holds', async () => {
      const first = await allocate('idem');
      const retry = await allocate('idem');
      const rerun = await allocate('idem', { requestId: 'req_b', traceId: 'trc_a' });
      assert.equal(first.reused, false);
      assert.deepEqual([retry.address, retry.reused], [first.address, true]);
      assert.deepEqual([rerun.address, rerun.reused], [first.address, true]);
      const live = await findLiveAddresses(pool, 'virtual_machine', [`idem-${run}`]);
      assert.equal(live.length, 1);
    });

    it('refuses an address for a name another trace holds', async () => {
      await allocate('taken');
      await assert.rejects(
        allocate('taken', { requestId: 'req_other', traceId: 'trc_other' }),
        (err: unknown) => err instanceof ResourceNameInUseError && err.holder.requestId === 'req_a',
      );
    });

    it('releases once, frees the address for the next resource, and releases nothing twice', async () => {
      const lease = await allocate('rel');
      assert.deepEqual(
        (await releaseAddress(pool, { ...vm('rel'), requestId: 'req_decommission' })).map((l) => l.address),
        [lease.address],
      );
      assert.deepEqual(await releaseAddress(pool, { ...vm('rel'), requestId: 'req_decommission' }), []);
      const next = await allocate('after-rel', { requestId: 'req_c', traceId: 'trc_c' });
      assert.equal(next.address, lease.address, 'the lowest free address is handed out again');
      const history = await pool.query(
        'SELECT released_by_request FROM ip_allocations WHERE resource_name = $1',
        [`rel-${run}`],
      );
      assert.deepEqual(history.rows, [{ released_by_request: 'req_decommission' }]);
    });

    it("leaves another trace's address alone when an undo names its own trace", async () => {
      await allocate('lane', { requestId: 'req_l', traceId: 'trc_l' });
      assert.deepEqual(
        await releaseAddress(pool, { ...vm('lane'), requestId: 'req_u', heldByTraceId: 'trc_other' }),
        [],
      );
      assert.equal(
        (await releaseAddress(pool, { ...vm('lane'), requestId: 'req_u', heldByTraceId: 'trc_l' })).length,
        1,
      );
    });

    it('hands out the lowest free address, around a gateway inside the range and into gaps left by releases', async () => {
      const take = (i: number) => allocate(`mid-${i}`, { requestId: `req_m${i}`, traceId: `trc_m${i}` }, mid);
      const peek = async () =>
        (await peekAddress(pool, { network: mid, resourceType: 'virtual_machine', resourceName: 'nobody' }))
          .address;
      const taken: string[] = [];
      for (const i of [1, 2, 3, 4]) {
        const peeked = await peek();
        taken.push((await take(i)).address);
        assert.equal(taken.at(-1), peeked, 'a plan peeks the address the allocation then takes');
      }
      assert.deepEqual(taken, ['10.97.0.1', '10.97.0.2', '10.97.0.4', '10.97.0.5']);
      // mid-2 holds .2 and mid-4 .5: their release leaves two gaps.
      for (const i of [4, 2]) await releaseAddress(pool, { ...vm(`mid-${i}`), requestId: 'req_mx' });
      assert.equal(await peek(), '10.97.0.2');
      assert.deepEqual(
        [(await take(5)).address, (await take(6)).address, (await take(7)).address],
        ['10.97.0.2', '10.97.0.5', '10.97.0.6'],
      );
      await assert.rejects(take(8), AddressPoolExhaustedError);
    });

    it('says so when the range is exhausted', async () => {
      for (const i of [1, 2, 3])
        await allocate(`tiny-${i}`, { requestId: `req_t${i}`, traceId: `trc_t${i}` }, tiny);
      await assert.rejects(
        allocate('tiny-4', { requestId: 'req_t4', traceId: 'trc_t4' }, tiny),
        AddressPoolExhaustedError,
      );
    });

    it('is refused by the schema itself when two live rows would share an address', async () => {
      const lease = await allocate('schema');
      await assert.rejects(
        pool.query(
          `INSERT INTO ip_allocations (network, address, resource_type, resource_name, request_id, trace_id)
           VALUES ($1, $2, 'virtual_machine', $3, 'req_s', 'trc_s')`,
          [net, lease.address, `intruder-${run}`],
        ),
        (err: { code?: string }) => err.code === '23505',
      );
    });
  });

  describe('resources:prepare and ipam:release-address', () => {
    let deps: ResourceDeps;
    const requester = { subject: 'ipam-test@example.test', role: 'requester' as const, groups: [] };
    const resource = (name: string, change: Record<string, unknown> = {}) => ({
      type: 'virtual_machine',
      name: `${name}-${run}`,
      osImage: 'rhel9',
      network: net,
      cpu: 2,
      memoryGb: 8,
      disks: [{ sizeGb: 100 }],
      ...change,
    });
    before(() => {
      deps = { ...createResourceDeps({ pool }), now: () => new Date('2030-01-01T00:00:00Z') };
    });

    it('emits the common format with a placement and an allocated address, the same on a re-run', async () => {
      const first = (await runTask(prepareResource, deps, {
        resource: resource('prep'),
        requestId: 'req_p1',
        traceId: 'trc_p',
        requester,
      })) as {
        document: { network: { ipv4Address: string; gateway: string } };
        metadata: { template: string };
        address: { reused: boolean };
      };
      assert.deepEqual(commonFormatProblems(virtualMachine, first.document), []);
      assert.equal(first.document.network.gateway, '10.99.0.1');
      assert.equal(first.metadata.template, 'vm-create-unmanaged');
      assert.equal(first.address.reused, false);
      const rerun = (await runTask(prepareResource, deps, {
        resource: resource('prep'),
        requestId: 'req_p2',
        traceId: 'trc_p',
        requester,
      })) as typeof first;
      assert.deepEqual(rerun.document, first.document);
      assert.equal(rerun.address.reused, true);
    });

    it('fails without retries naming the field, at the resource position in the request', async () => {
      const failure = await taskFailure(prepareResource, deps, {
        resource: resource('bad', { cpu: 99 }),
        requestId: 'req_bad',
        traceId: 'trc_bad',
        requester,
        index: 3,
      });
      assert.equal(failure.type, 'InvalidInput');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /resources\.3\.cpu/);
      assert.deepEqual(await findLiveAddresses(pool, 'virtual_machine', [`bad-${run}`]), []);
    });

    it('refuses a name another trace holds, naming the name field', async () => {
      await runTask(prepareResource, deps, {
        resource: resource('dup'),
        requestId: 'req_d1',
        traceId: 'trc_d1',
        requester,
      });
      const failure = await taskFailure(prepareResource, deps, {
        resource: resource('dup'),
        requestId: 'req_d2',
        traceId: 'trc_d2',
        requester,
      });
      assert.equal(failure.type, 'InvalidInput');
      assert.match(failure.message, /resources\.0\.name/);
    });

    it('is undone by ipam:release-address, idempotently', async () => {
      const prepared = (await runTask(prepareResource, deps, {
        resource: resource('undo'),
        requestId: 'req_u1',
        traceId: 'trc_u',
        requester,
      })) as { address: { address: string } };
      const release = {
        resourceType: 'virtual_machine',
        name: `undo-${run}`,
        requestId: 'req_u1',
        traceId: 'trc_u',
      };
      const ipam = createIpamDeps({ pool });
      assert.deepEqual(await runTask(releaseAddressTask, ipam, release), {
        released: [{ network: net, address: prepared.address.address }],
      });
      assert.deepEqual(await runTask(releaseAddressTask, ipam, release), { released: [] });
    });
  });
});
