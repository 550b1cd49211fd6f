/**
 * Day-2 changes through the request model (`"action": "update"` / `"power"`): an unmanaged VM
 * resized and powered through AWX, a managed one resized through its TFE workspace (whose
 * configuration then holds the new size, so a later run keeps it), each a new commit in git and
 * the new size in vCenter and the inventory; two changes at once meet the one-action-at-a-time
 * rule; bad changes are refused naming the field, and change nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { documentPath } from '../../../activities/rfm/layout';
import { createTfeDeps } from '../../../activities/tfe';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { waitFor } from '../../../platform/net';
import type { TfeSection } from '../../../simulators/tfe';
import { e2e, vm, type E2e } from '../e2e/fixture';
import { gitRepositories } from '../security/fixture';

interface ResourceView {
  state: string;
  size: { cpu: number; memoryMb: number; disks: number[]; power: string };
  commit: string | null;
  externalIds: Record<string, unknown>;
  requests: { requestId: string; action: string; status: string | null }[];
}

interface Refusal {
  error: { type: string; fields: { path: string; message: string }[] };
}

describe('day-2 changes: resize, add a disk, power', function () {
  this.timeout(180_000);
  let t: E2e;
  let erin: string;
  const unique = (p: string) => `${p}-${Date.now().toString(36)}`;
  const update = (name: string, change: Record<string, unknown>) => ({
    resources: [{ type: 'virtual_machine', action: 'update', name, ...change }],
  });
  const power = (name: string, what: string) => ({
    resources: [{ type: 'virtual_machine', action: 'power', name, power: what }],
  });
  const resource = async (name: string) =>
    (await t.api.call<ResourceView>('GET', `/v1/resources/virtual_machine/${name}`, { token: erin })).body;
  const post = (body: unknown) => t.api.call<Refusal>('POST', '/v1/requests', { token: erin, body });

  /** Builds a VM of Erin's and waits for its resource workflow to own it. */
  async function built(name: string, overrides: Record<string, unknown> = {}): Promise<ResourceView> {
    const { requestId } = await t.submit(erin, { resources: [vm(name, overrides)] });
    assert.equal((await t.settle(erin, requestId)).status, 'succeeded');
    let view: ResourceView | undefined;
    await waitFor(`${name} active`, async () => {
      view = await resource(name);
      return view.state === 'active';
    });
    return view!;
  }

  /** Submits a change and waits for it to succeed; the resource once active again. */
  async function changed(body: unknown): Promise<{ requestId: string; traceId: string; view: ResourceView }> {
    const name = (body as { resources: { name: string }[] }).resources[0]!.name;
    const { requestId, traceId } = await t.submit(erin, body);
    const outcome = await t.settle(erin, requestId);
    assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome.resources));
    let view: ResourceView | undefined;
    await waitFor(`${name} active again`, async () => {
      view = await resource(name);
      return view.state === 'active';
    });
    return { requestId, traceId, view: view! };
  }

  /** The VM as vCenter's own API shows it. */
  async function inVcenter(name: string) {
    const [found] = await t.vcenter.listVms({ names: name });
    const full = await t.vcenter.readVm(found!.vm);
    return {
      cpu: full?.cpu?.count,
      memoryMiB: full?.memory?.size_MiB,
      disks: Object.keys(full?.disks ?? {}).length,
      power: found!.power_state,
    };
  }

  /** The common format of `name` at `commit`, from the VM repository in git. */
  function committed(name: string, commit: string): { cpu: number; memoryMb: number; power?: string } {
    const repo = gitRepositories(t.stack).find((r) => r.includes('virtual_machine'))!;
    const text = execFileSync('git', ['--git-dir', repo, 'show', `${commit}:${documentPath(name)}`], {
      encoding: 'utf8',
    });
    return JSON.parse(text) as { cpu: number; memoryMb: number; power?: string };
  }

  before(async () => {
    t = await e2e();
    erin = await t.requester('erin');
  });

  it('resizes an unmanaged VM through AWX, adds a disk, powers it off: vCenter, git and the inventory follow', async () => {
    const name = unique('d2u');
    const before = await built(name);
    const { requestId, traceId, view } = await changed(
      update(name, { cpu: 4, memoryGb: 16, disks: [{ sizeGb: 100 }, { sizeGb: 50 }] }),
    );
    await t.record('request-update', traceId);
    assert.deepEqual(await inVcenter(name), { cpu: 4, memoryMiB: 16384, disks: 2, power: 'POWERED_ON' });
    assert.deepEqual([view.size.cpu, view.size.memoryMb, view.size.disks], [4, 16384, [100, 50]]);
    assert.notEqual(view.commit, before.commit, 'a new commit');
    assert.deepEqual((({ cpu, memoryMb }) => ({ cpu, memoryMb }))(committed(name, view.commit!)), {
      cpu: 4,
      memoryMb: 16384,
    });
    assert.deepEqual(view.requests.map((r) => [r.action, r.status]).slice(-1), [['update', 'succeeded']]);
    assert.ok(view.requests.some((r) => r.requestId === requestId));

    const off = await changed(power(name, 'off'));
    assert.equal((await inVcenter(name)).power, 'POWERED_OFF');
    assert.equal(off.view.size.power, 'off');
    assert.equal(committed(name, off.view.commit!).power, 'off');
    // Already off: refused naming the field.
    const again = await post(power(name, 'off'));
    assert.equal(again.status, 422, JSON.stringify(again.body));
    assert.deepEqual(
      again.body.error.fields.map((f) => f.path),
      ['body.resources.0.power'],
    );
  });

  it('resizes a managed VM through its TFE workspace, whose configuration keeps the size for a later run', async () => {
    const name = unique('d2m');
    await built(name, { managed: true });
    const { traceId, view } = await changed(update(name, { cpu: 3, memoryGb: 12 }));
    await t.record('request-update-managed', traceId);
    assert.deepEqual(await inVcenter(name), { cpu: 3, memoryMiB: 12288, disks: 1, power: 'POWERED_ON' });
    assert.equal(view.size.cpu, 3);

    // The change's run read a configuration version that holds the new size.
    const tfe = t.stack.sims.world.state.sections.tfe as TfeSection;
    const run = tfe.runs[String(view.externalIds.tfeRun)]!;
    const files = tfe.configuration_versions[run.configuration_version_id]!.files;
    const values = JSON.parse(files['terraform.tfvars.json']!) as { num_cpus: number; memory_mb: number };
    assert.deepEqual([values.num_cpus, values.memory_mb], [3, 12288]);

    // A later run of the workspace, with no new configuration, keeps the VM as the change left it.
    const { tfe: client } = createTfeDeps(loadEndSystemsConfig(t.stack.endSystemsEnv).tfe!);
    const later = await client.createRun(String(view.externalIds.tfeWorkspace), undefined, {
      message: 'an unrelated run',
      'auto-apply': true,
    });
    await waitFor('the later run to apply', async () =>
      ['applied', 'planned_and_finished'].includes((await client.readRun(later.id)).attributes.status),
    );
    assert.deepEqual(await inVcenter(name), { cpu: 3, memoryMiB: 12288, disks: 1, power: 'POWERED_ON' });
  });

  it('a growth past 8 CPUs waits for the capacity group, as a create that large would', async () => {
    const name = unique('d2g');
    await built(name);
    const { requestId } = await t.submit(erin, update(name, { cpu: 10 }));
    await waitFor('the change to wait for capacity', async () => {
      const { body } = await t.api.call<{ waiting: { stepId: string; groups: string[] }[] }>(
        'GET',
        `/v1/requests/${requestId}`,
        { token: erin },
      );
      return body.waiting.some((w) => w.stepId === 'capacity' && w.groups.includes('capacity'));
    });
    assert.equal((await resource(name)).state, 'changing');
    assert.equal((await inVcenter(name)).cpu, 2, 'not changed before the approval');
    const approved = await t.api.call('POST', `/v1/requests/${requestId}/approve`, {
      token: await t.api.tokenFor('admin'),
      body: { stepId: 'capacity', decision: 'approve' },
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal((await t.settle(erin, requestId)).status, 'succeeded');
    assert.equal((await inVcenter(name)).cpu, 10);
  });

  it('two changes sent at once: one runs, the other is refused 409 naming the request acting on it', async () => {
    const name = unique('d2c');
    await built(name);
    const [a, b] = await Promise.all([post(update(name, { cpu: 3 })), post(power(name, 'restart'))]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [202, 409], JSON.stringify([a.body, b.body]));
    const refused = a.status === 409 ? a : b;
    assert.match(refused.body.error.fields[0]!.message, /claimed by request req_/);
    const accepted = (a.status === 202 ? a : b).body as unknown as { requestId: string };
    assert.equal((await t.settle(erin, accepted.requestId)).status, 'succeeded');
    await waitFor('listed', async () => (await resource(name)).requests.length === 2);
  });

  it('refuses bad changes naming the field, and changes nothing', async () => {
    const name = unique('d2b');
    const before = await built(name);
    const cases: [string, unknown, number, string][] = [
      ['a VM that does not exist', update(unique('none'), { cpu: 4 }), 404, 'body.resources.0.name'],
      [
        'a shrink below what the image needs',
        update(name, { disks: [{ sizeGb: 1 }] }),
        422,
        'body.resources.0.disks.0.sizeGb',
      ],
      ['more CPUs than permitted', update(name, { cpu: 99 }), 422, 'body.resources.0.cpu'],
      ['an update that changes nothing', update(name, { cpu: 2 }), 422, 'body.resources.0.cpu'],
      ['a power action that is the state', power(name, 'on'), 422, 'body.resources.0.power'],
      ['an unknown power action', power(name, 'sleep'), 400, 'body.resources.0.power'],
      [
        'a field an update does not have',
        update(name, { osImage: 'ubuntu22' }),
        400,
        'body.resources.0.osImage',
      ],
    ];
    for (const [what, body, status, field] of cases) {
      const res = await post(body);
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.fields.some((f) => f.path === field),
        `${what}: ${JSON.stringify(res.body.error.fields)}`,
      );
    }
    const after = await resource(name);
    assert.deepEqual([after.size, after.commit, after.requests.length], [before.size, before.commit, 1]);

    // Being removed: a change waits for nothing, it is refused.
    const removal = await t.submit(erin, {
      resources: [{ type: 'virtual_machine', action: 'delete', name }],
    });
    const late = await post(update(name, { cpu: 4 }));
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.deepEqual(
      late.body.error.fields.map((f) => f.path),
      ['body.resources'],
    );
    assert.equal((await t.settle(erin, removal.requestId)).status, 'succeeded');
    assert.equal((await post(update(name, { cpu: 4 }))).status, 404);
  });
});
