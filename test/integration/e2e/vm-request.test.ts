import assert from 'node:assert/strict';
import { e2e, vm, type E2e } from './fixture';

describe('a VM request, end to end through the API', () => {
  let t: E2e;
  let alice: string;
  before(async () => {
    t = await e2e();
    alice = await t.requester('alice');
  });

  /** The VM as vCenter reports it through its own API. */
  async function vcenterVm(name: string) {
    const [summary, ...others] = await t.vcenter.listVms({ names: name });
    assert.equal(others.length, 0, `one VM named ${name}`);
    if (!summary) return undefined;
    return t.vcenter.readVm(summary.vm);
  }

  it('builds an unmanaged VM through AWX: vCenter has it as asked, and the requester is told', async () => {
    const name = `app-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(alice, {
      resources: [vm(name, { disks: [{ sizeGb: 100 }, { sizeGb: 20 }] })],
    });
    const view = await t.settle(alice, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    const built = await vcenterVm(name);
    assert.ok(built, 'the VM exists in vCenter');
    assert.equal(built.cpu?.count, 2);
    assert.equal(built.memory?.size_MiB, 8192);
    const disks = Object.values(built.disks ?? {})
      .map((d) => (d.capacity ?? 0) / 1024 ** 3)
      .sort((a, b) => b - a);
    assert.deepEqual(disks, [100, 20]);
    const networks = Object.values(built.nics ?? {}).map((n) => n.backing?.network);
    assert.equal(networks.length, 1);
    const output = view.resources[0]!.output!;
    assert.match(String(output.ipv4Address), /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(String(output.commit), /^[0-9a-f]{40}$/);
    const mails = t.stack.sims.mailbox
      .list({ to: 'alice@example.test' })
      .filter((m) => m.subject.includes(requestId));
    assert.deepEqual(
      mails.map((m) => m.subject).sort(),
      [`Request ${requestId} is ready`, `Request ${requestId} received (1 resource)`].sort(),
    );
  });
});
