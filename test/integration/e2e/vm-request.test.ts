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
    const { requestId, traceId } = await t.submit(alice, {
      resources: [vm(name, { disks: [{ sizeGb: 100 }, { sizeGb: 20 }] })],
    });
    const view = await t.settle(alice, requestId);
    await t.record('request-unmanaged', traceId);
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
    // The outcome notice follows the ledger's last status; wait for it rather than race it.
    const about = (m: { text: string }) => m.text.includes(requestId);
    const what = `VM ${name} (2 CPU, 8 GB, INTRANET_DEV)`;
    const ready = await t.stack.sims.mailbox.waitFor((m) => about(m) && m.subject.startsWith(`Your ${what}`));
    assert.equal(ready.subject, `Your ${what} is ready at ${String(output.ipv4Address)}`);
    assert.match(
      ready.text,
      new RegExp(`${what.replace(/[()]/g, '\\$&')}: ready \\(address ${String(output.ipv4Address)}`),
    );
    const portal = `/requests/${requestId}`;
    for (const part of [ready.text, ready.html ?? '']) {
      assert.ok(part.includes(portal), `the portal's page of the request in ${part}`);
      assert.ok(part.includes(`/v1/requests/${requestId}`), 'its status in the API');
      assert.ok(part.includes(`/resources/virtual_machine/${name}`), "the VM's page");
      assert.ok(part.includes(traceId), 'the trace ID for engineers');
    }
    assert.match(ready.html ?? '', /^<!DOCTYPE html>/, 'an HTML part');
    assert.ok(ready.html!.includes(`<a href="`), 'with links');
    const mails = t.stack.sims.mailbox.list({ to: 'alice@example.test' }).filter(about);
    assert.deepEqual(mails.map((m) => m.subject).sort(), [ready.subject, `Received: your ${what}`].sort());
  });
});

describe('VM requests: managed, failing and re-run, decommissioned, many at once', () => {
  let t: E2e;
  let bob: string;
  before(async () => {
    t = await e2e();
    bob = await t.requester('bob');
  });
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;
  const liveAddresses = async (name: string) =>
    (
      await t.stack.pool.query(
        `SELECT host(address) AS address FROM ip_allocations WHERE resource_name = $1 AND released_at IS NULL`,
        [name],
      )
    ).rows.map((r) => r.address as string);

  it('builds a managed VM through a TFE plan and apply', async () => {
    const name = unique('tf');
    const { requestId, traceId } = await t.submit(bob, {
      resources: [vm(name, { managed: true, cpu: 4, memoryGb: 16 })],
    });
    const view = await t.settle(bob, requestId);
    await t.record('request-managed', traceId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    const [summary] = await t.vcenter.listVms({ names: name });
    const built = await t.vcenter.readVm(summary!.vm);
    assert.equal(built?.cpu?.count, 4);
    assert.equal(built?.memory?.size_MiB, 16384);
    assert.match(String(view.resources[0]!.output!.tfeRun), /^run-/);
  });

  it('ends failed when the AWX job fails, says why by e-mail, gives the address back, and a re-run in the same trace succeeds', async () => {
    const name = unique('flaky');
    const rule = t.stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { extra_vars: `"${name}"` },
      outcome: 'failed',
      message: 'datastore is full',
    });
    const first = await t.submit(bob, { resources: [vm(name)] });
    const failed = await t.settle(bob, first.requestId);
    await t.record('request-failed', first.traceId);
    assert.equal(failed.status, 'failed');
    assert.match(failed.resources[0]!.error!.message, /failed/i);
    assert.ok(failed.resources[0]!.compensated?.includes('address'), JSON.stringify(failed.resources[0]));
    assert.deepEqual(await liveAddresses(name), []);
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
    const mail = await t.stack.sims.mailbox.waitFor(
      (m) => m.text.includes(first.requestId) && m.subject.includes('could not be built'),
    );
    assert.equal(
      mail.subject,
      `Your VM ${name} (2 CPU, 8 GB, INTRANET_DEV) could not be built: AWX reports: datastore is full`,
    );
    assert.match(mail.text, /undone: address/);
    assert.match(mail.text, new RegExp(`POST \\S+/v1/requests/${first.requestId}/rerun`));
    assert.match(mail.html ?? '', /AWX reports: datastore is full/);

    t.stack.sims.world.removeFault(rule.id);
    const rerun = await t.api.call<{ requestId: string; traceId: string }>(
      'POST',
      `/v1/requests/${first.requestId}/rerun`,
      { token: bob },
    );
    assert.equal(rerun.status, 202, JSON.stringify(rerun.body));
    assert.equal(rerun.body.traceId, first.traceId);
    assert.notEqual(rerun.body.requestId, first.requestId);
    const second = await t.settle(bob, rerun.body.requestId);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.resources));
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    assert.equal((await liveAddresses(name)).length, 1);

    const trace = await t.api.call<{ requests: { requestId: string; status: string }[] }>(
      'GET',
      `/v1/traces/${first.traceId}`,
      { token: bob },
    );
    assert.deepEqual(
      trace.body.requests.map((r) => [r.requestId, r.status]),
      [
        [first.requestId, 'failed'],
        [rerun.body.requestId, 'succeeded'],
      ],
    );
  });

  it('decommissions a VM: gone from vCenter, its address free, its removal in git', async () => {
    const name = unique('gone');
    const created = await t.submit(bob, { resources: [vm(name)] });
    assert.equal((await t.settle(bob, created.requestId)).status, 'succeeded');
    assert.equal((await liveAddresses(name)).length, 1);

    const removal = await t.submit(bob, { resources: [{ type: 'virtual_machine', action: 'delete', name }] });
    const view = await t.settle(bob, removal.requestId);
    await t.record('request-delete', removal.traceId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
    assert.deepEqual(await liveAddresses(name), []);
    // Deleting it again is refused up front: nothing of that name exists any more.
    const again = await t.api.call<{ error: { fields: { path: string }[] } }>('POST', '/v1/requests', {
      token: bob,
      body: { resources: [{ type: 'virtual_machine', action: 'delete', name }] },
    });
    assert.equal(again.status, 404);
    assert.deepEqual(
      again.body.error.fields.map((f) => f.path),
      ['body.resources.0.name'],
    );
  });

  it('builds 20 VMs of one request, each with its own address', async () => {
    const prefix = unique('farm');
    const names = Array.from({ length: 20 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    const { requestId } = await t.submit(bob, {
      resources: names.map((n) => vm(n, { cpu: 1, memoryGb: 2, disks: [{ sizeGb: 40 }] })),
    });
    const view = await t.settle(bob, requestId, 240_000);
    assert.equal(
      view.status,
      'succeeded',
      JSON.stringify(view.resources.filter((r) => r.state !== 'succeeded')),
    );
    const found = (await t.vcenter.listVms({ names })).map((v) => v.name).sort();
    assert.deepEqual(found, names);
    const addresses = new Set(view.resources.map((r) => r.output!.ipv4Address));
    assert.equal(addresses.size, 20);
  });
});
