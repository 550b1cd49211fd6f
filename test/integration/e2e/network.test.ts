import assert from 'node:assert/strict';
import { createAciDeps } from '../../../activities/aci';
import type { AciClient } from '../../../activities/aci/client';
import { exists } from '../../../activities/aci/schemas';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { e2e, vm, type E2e } from './fixture';

describe('a network as a resource, end to end', () => {
  let t: E2e;
  let alice: string;
  let aci: AciClient;
  before(async () => {
    t = await e2e();
    alice = await t.requester('alice');
    aci = createAciDeps(loadEndSystemsConfig(t.stack.endSystemsEnv).aci!).aci;
  });

  const signal = new AbortController().signal;
  const portgroups = async (name: string) =>
    t.vcenter.listNetworks({ names: name, types: 'DISTRIBUTED_PORTGROUP' });
  const pool = async (name: string) =>
    (
      await t.stack.pool.query(
        `SELECT (SELECT count(*)::int FROM catalog_networks WHERE name = $1) AS pools,
                (SELECT count(*)::int FROM ip_allocations WHERE network = $1) AS addresses`,
        [name],
      )
    ).rows[0] as { pools: number; addresses: number };

  it('builds a network, a VM on it gets an address from its subnet, and it is removed only after the VM', async () => {
    const name = `net-${Date.now().toString(36)}`;
    const octet = 100 + Math.floor(Math.random() * 150);
    const subnet = `10.30.${octet}.0/24`;
    const dns = { tenant: 'Lab', epg: `uni/tn-Lab/ap-${name}/epg-${name}`, bd: `uni/tn-Lab/BD-${name}-bd` };

    const built = await t.submit(alice, {
      resources: [{ type: 'network', name, tenant: 'Lab', vrf: 'lab_vrf', subnet }],
    });
    const view = await t.settle(alice, built.requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    assert.ok(await exists(aci, dns.epg, signal), 'the EPG exists in ACI');
    assert.ok(
      await exists(aci, `${dns.bd}/subnet-[10.30.${octet}.1/24]`, signal),
      'the bridge domain has the subnet',
    );
    const [portgroup, ...more] = await portgroups(name);
    assert.ok(portgroup && more.length === 0, 'vCenter has the port group the APIC made for the EPG');

    const offered = await t.api.call<{ networks: { name: string; cidr: string }[] }>(
      'GET',
      '/v1/inventory/networks',
      {
        token: alice,
      },
    );
    assert.equal(
      offered.body.networks.find((n) => n.name === name)?.cidr,
      subnet,
      'the inventory offers the built network to forms',
    );
    const inventory = await t.api.call<{ resources: { name: string; state: string }[] }>(
      'GET',
      '/v1/resources?type=network',
      { token: alice },
    );
    assert.equal(inventory.body.resources.find((r) => r.name === name)?.state, 'active');

    const vmName = `on-${name}`;
    const onIt = await t.submit(alice, { resources: [vm(vmName, { network: name })] });
    const vmView = await t.settle(alice, onIt.requestId);
    assert.equal(vmView.status, 'succeeded', JSON.stringify(vmView.resources));
    assert.match(String(vmView.resources[0]!.output!.ipv4Address), new RegExp(`^10\\.30\\.${octet}\\.\\d+$`));
    const [summary] = await t.vcenter.listVms({ names: vmName });
    const nics = Object.values((await t.vcenter.readVm(summary!.vm))?.nics ?? {});
    assert.deepEqual(
      nics.map((n) => n.backing?.network),
      [portgroup.network],
      "the VM's NIC is on the network's port group",
    );

    const early = await t.api.call<{ error: { fields?: { path: string; message: string }[] } }>(
      'POST',
      '/v1/requests',
      { token: alice, body: { resources: [{ type: 'network', action: 'delete', name }] } },
    );
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.equal(early.body.error.fields?.[0]?.path, 'body.resources.0.name');
    assert.match(early.body.error.fields?.[0]?.message ?? '', new RegExp(`VMs on it: ${vmName}`));

    const vmGone = await t.submit(alice, {
      resources: [{ type: 'virtual_machine', action: 'delete', name: vmName }],
    });
    assert.equal((await t.settle(alice, vmGone.requestId)).status, 'succeeded');
    const netGone = await t.submit(alice, { resources: [{ type: 'network', action: 'delete', name }] });
    const removal = await t.settle(alice, netGone.requestId);
    assert.equal(removal.status, 'succeeded', JSON.stringify(removal.resources));

    for (const dn of [dns.epg, dns.bd, `uni/tn-Lab/ap-${name}`])
      assert.equal(await exists(aci, dn, signal), false, `${dn} is gone from ACI`);
    assert.deepEqual(await portgroups(name), [], 'the port group is gone from vCenter');
    assert.deepEqual(await pool(name), { pools: 0, addresses: 0 }, 'the pool and its addresses are gone');
  });

  it('a network whose EPG ACI refuses ends failed with nothing left: ACI objects undone, subnet given back', async () => {
    const name = `nope-${Date.now().toString(36)}`;
    const subnet = `10.30.${100 + Math.floor(Math.random() * 150)}.0/28`;
    const fault = t.stack.sims.world.addHttpFault({
      system: 'aci',
      method: 'POST',
      path: `/api/mo/uni/tn-Lab/ap-${name}.json`,
      kind: 'error',
      status: 400,
    });
    try {
      const { requestId } = await t.submit(alice, {
        resources: [{ type: 'network', name, tenant: 'Lab', vrf: 'lab_vrf', subnet }],
      });
      const view = await t.settle(alice, requestId);
      assert.equal(view.status, 'failed', JSON.stringify(view.resources));
      assert.equal(view.resources[0]!.error?.stepId, 'epg');
    } finally {
      t.stack.sims.world.removeFault(fault.id);
    }
    for (const dn of [`uni/tn-Lab/ap-${name}`, `uni/tn-Lab/BD-${name}-bd`])
      assert.equal(await exists(aci, dn, signal), false, `${dn} was undone`);
    assert.deepEqual(await portgroups(name), []);
    assert.deepEqual(await pool(name), { pools: 0, addresses: 0 }, 'the reserved subnet is given back');
  });

  it('refuses a subnet overlapping an existing network, naming the field, and builds nothing', async () => {
    const name = `clash-${Date.now().toString(36)}`;
    const res = await t.api.call<{ error: { fields?: { path: string; message: string }[] } }>(
      'POST',
      '/v1/requests',
      {
        token: alice,
        body: {
          resources: [{ type: 'network', name, tenant: 'Lab', vrf: 'lab_vrf', subnet: '10.20.0.0/24' }],
        },
      },
    );
    assert.equal(res.status, 422);
    assert.ok(
      res.body.error.fields?.some(
        (f) => f.path === 'body.resources.0.subnet' && /overlaps INTRANET_DEV/.test(f.message),
      ),
      JSON.stringify(res.body),
    );
    assert.deepEqual(await pool(name), { pools: 0, addresses: 0 });
  });

  it('one request builds a network and three VMs on it, the VMs after the network; one more removes them all, the network last', async () => {
    const name = `trio-${Date.now().toString(36)}`;
    const octet = 100 + Math.floor(Math.random() * 150);
    const subnet = `10.30.${octet}.0/26`;
    const vms = [1, 2, 3].map((i) => `${name}-vm${i}`);
    const built = await t.submit(alice, {
      resources: [
        ...vms.map((n) => vm(n, { network: name })),
        { type: 'network', name, tenant: 'Lab', vrf: 'lab_vrf', subnet },
      ],
    });
    const view = await t.settle(alice, built.requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    // An address of the subnet exists only once the network's build opened its pool, its last step.
    const addresses = vms.map((n) => String(view.resources.find((r) => r.name === n)!.output!.ipv4Address));
    for (const a of addresses) assert.match(a, new RegExp(`^10\\.30\\.${octet}\\.\\d+$`));
    assert.equal(new Set(addresses).size, 3, 'three addresses, one each');
    const [portgroup] = await portgroups(name);
    for (const n of vms) {
      const [summary] = await t.vcenter.listVms({ names: n });
      const nics = Object.values((await t.vcenter.readVm(summary!.vm))?.nics ?? {});
      assert.deepEqual(
        nics.map((nic) => nic.backing?.network),
        [portgroup!.network],
        `${n} is on the network's port group`,
      );
    }

    const early = await t.api.call('POST', '/v1/requests', {
      token: alice,
      body: { resources: [{ type: 'network', action: 'delete', name }] },
    });
    assert.equal(early.status, 409, 'the network goes only once no VM is on it');

    const gone = await t.submit(alice, {
      resources: [
        { type: 'network', action: 'delete', name, dependsOn: vms },
        ...vms.map((n) => ({ type: 'virtual_machine', action: 'delete', name: n })),
      ],
    });
    const removal = await t.settle(alice, gone.requestId);
    assert.equal(removal.status, 'succeeded', JSON.stringify(removal.resources));
    assert.deepEqual(await portgroups(name), [], 'the port group is gone from vCenter');
    assert.deepEqual(await pool(name), { pools: 0, addresses: 0 }, 'the pool and its addresses are gone');
    assert.equal(await exists(aci, `uni/tn-Lab/ap-${name}/epg-${name}`, signal), false, 'the EPG is gone');
    for (const n of vms)
      assert.deepEqual(await t.vcenter.listVms({ names: n }), [], `${n} is gone from vCenter`);
  });
});
