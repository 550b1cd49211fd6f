/**
 * A VM comes up with the address the IPAM gave it, through AWX and through TFE alike: vCenter's
 * guest identity (what VMware Tools report from inside the guest) shows exactly the IPv4 address
 * the request's output reports and the IPAM holds for the resource.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';

describe('addresses: each VM comes up with the address its request reports', () => {
  let t: E2e;
  let carol: string;
  before(async () => {
    t = await e2e();
    carol = await t.requester('carol');
    // The IPAM hands out the lowest free address from the start of each range; point the lab's own
    // leases at the top of the range, so a guest that took a lease instead of its address shows.
    t.stack.sims.world.change((state) => {
      for (const facts of Object.values(state.lab.networks)) facts.next_host = 240;
    });
  });

  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;

  /** The address the guest reports through vCenter's guest identity, once Tools report one. */
  async function guestAddress(name: string): Promise<string> {
    const [summary, ...others] = await t.vcenter.listVms({ names: name });
    assert.ok(summary, `${name} exists in vCenter`);
    assert.equal(others.length, 0, `one VM named ${name}`);
    let address: string | undefined;
    await waitFor(
      `${name} to report a guest address`,
      async () => {
        address = (await t.vcenter.readGuestIdentity(summary.vm))?.ip_address;
        return address !== undefined;
      },
      10_000,
      100,
    );
    return address!;
  }

  /** The address the IPAM holds for a resource. */
  async function ipamAddress(name: string): Promise<string> {
    const { rows } = await t.stack.pool.query(
      `SELECT host(address) AS address FROM ip_allocations WHERE resource_name = $1 AND released_at IS NULL`,
      [name],
    );
    assert.equal(rows.length, 1, `one live allocation for ${name}`);
    return rows[0].address as string;
  }

  for (const managed of [false, true]) {
    it(`${managed ? 'a managed VM (TFE)' : 'an unmanaged VM (AWX)'} has in its guest exactly the reported address`, async () => {
      const name = unique(managed ? 'ip-tf' : 'ip-awx');
      const { requestId } = await t.submit(carol, { resources: [vm(name, { managed })] });
      const view = await t.settle(carol, requestId);
      assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
      const reported = String(view.resources[0]!.output!.ipv4Address);
      assert.match(reported, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(await guestAddress(name), reported);
      assert.equal(await ipamAddress(name), reported);
    });
  }

  it('gives 5 VMs of one request 5 distinct guest addresses, each the one the IPAM allocated', async () => {
    const prefix = unique('ip-five');
    const names = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
    const { requestId } = await t.submit(carol, {
      resources: names.map((n) => vm(n, { cpu: 1, memoryGb: 2, disks: [{ sizeGb: 40 }] })),
    });
    const view = await t.settle(carol, requestId, 120_000);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    const guests = await Promise.all(names.map(guestAddress));
    assert.equal(new Set(guests).size, 5, guests.join(', '));
    for (const [i, name] of names.entries()) {
      const resource = view.resources.find((r) => r.name === name);
      assert.equal(guests[i], String(resource?.output?.ipv4Address), name);
      assert.equal(guests[i], await ipamAddress(name), name);
    }
  });
});
