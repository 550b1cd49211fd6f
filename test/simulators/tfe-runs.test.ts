/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the upstream JSON:API documents by path, as a client would */
/**
 * TFE runs in the simulator: the documented lifecycle and actions, the auto-queue-runs trap, and
 * the lab coupling — an apply of a vsphere_virtual_machine creates, changes and destroys the VM
 * in vCenter's inventory.
 */
import assert from 'node:assert/strict';
import { tarGz } from '../../activities/tfe/archive';
import { ORG, startTfeFixture, vmModule, type TfeFixture } from './tfe-fixture';

const GiB = 1024 ** 3;

describe('TFE simulator runs', () => {
  let tfe: TfeFixture;

  afterEach(async () => {
    await tfe.stop();
  });

  const vmsNamed = (name: string) => tfe.ctx.world.vcenter.listVms({ names: [name] });

  describe('with instant transitions', () => {
    beforeEach(async () => {
      tfe = await startTfeFixture();
    });

    it('plans, waits for confirmation, applies, and the VM exists in vCenter with the asked sizes', async () => {
      const ws = await tfe.createWorkspace('vm-web-01');
      await tfe.setVariable(ws, 'vm_name', 'web-01');
      await tfe.setVariable(ws, 'cpu', '2');
      await tfe.setVariable(ws, 'memory_mb', '8192');
      await tfe.setVariable(ws, 'disk_gb', '100');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const created = await tfe.createRun(ws, { message: 'deploy web-01' }, cv);
      assert.equal(created.attributes.status, 'pending');
      assert.equal(created.attributes.source, 'tfe-api');
      assert.match(created.id, /^run-[0-9A-Za-z]{16}$/);

      const { run: planned } = await tfe.waitForRun(created.id, ['planned']);
      assert.deepEqual(planned.attributes.actions, {
        'is-cancelable': false,
        'is-confirmable': true,
        'is-discardable': true,
        'is-force-cancelable': false,
      });
      assert.equal(planned.attributes['has-changes'], true);
      assert.ok(planned.attributes['status-timestamps']['planned-at']);
      assert.equal(vmsNamed('web-01').length, 0, 'nothing is created before apply');
      const workspace = await tfe.api('GET', `/workspaces/${ws}`);
      assert.equal(workspace.json.data.attributes.locked, true, 'the active run locks the workspace');

      const plan = await tfe.api('GET', `/runs/${created.id}/plan`);
      assert.equal(plan.json.data.attributes.status, 'finished');
      assert.equal(plan.json.data.attributes['resource-additions'], 1);
      const log = await (await fetch(plan.json.data.attributes['log-read-url'])).text();
      assert.ok(log.startsWith('\u0002') && log.endsWith('\u0003'), 'logs are framed with STX and ETX');
      assert.match(log, /Plan: 1 to add, 0 to change, 0 to destroy\./);

      const applied = await tfe.api('POST', `/runs/${created.id}/actions/apply`, { comment: 'go' });
      assert.equal(applied.status, 202);
      const { run, seen } = await tfe.waitForRun(created.id, ['applied', 'errored']);
      assert.equal(run.attributes.status, 'applied', seen.join(' → '));

      const [vm] = vmsNamed('web-01');
      assert.ok(vm, 'the VM exists in vCenter');
      assert.equal(vm.cpu.count, 2);
      assert.equal(vm.memory.size_MiB, 8192);
      assert.deepEqual(
        Object.values(vm.disks).map((d) => d.capacity),
        [100 * GiB],
      );
      assert.deepEqual(
        Object.values(vm.nics).map((n) => n.backing.network_name),
        ['INTRANET_DEV'],
      );
      assert.equal(vm.power_state, 'POWERED_ON');
      assert.equal(vm.guest_OS, 'RHEL_9_64');
      assert.equal(vm.created_by, `tfe ${created.id}`);
      assert.equal(tfe.ctx.world.state.vcenter.folders[vm.placement.folder]?.name, 'Orchestrated');

      const outputs = await tfe.api('GET', `/workspaces/${ws}/current-state-version-outputs`);
      const byName = Object.fromEntries(
        outputs.json.data.map((o: any) => [o.attributes.name, o.attributes.value]),
      );
      assert.equal(byName.vm_id, vm.vm);
      assert.equal(byName.ip_address, vm.guest_ip);
      const state = await tfe.api('GET', `/workspaces/${ws}/current-state-version`);
      assert.equal(state.json.data.attributes.serial, 1);
      assert.equal(state.json.data.relationships.outputs.data.length, 2);
      const unlocked = await tfe.api('GET', `/workspaces/${ws}`);
      assert.equal(unlocked.json.data.attributes.locked, false);
      assert.equal(unlocked.json.data.attributes['resource-count'], 1);
    });

    it('changes the VM in place when a variable changes, and destroys it with an is-destroy run', async () => {
      const ws = await tfe.createWorkspace('vm-app-01', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'app-01');
      const cpu = await tfe.setVariable(ws, 'cpu', '2');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const first = await tfe.createRun(ws, {}, cv);
      assert.equal((await tfe.waitForRun(first.id, ['applied', 'errored'])).run.attributes.status, 'applied');
      const [before] = vmsNamed('app-01');
      assert.equal(before?.cpu.count, 2);

      await tfe.api('PATCH', `/workspaces/${ws}/vars/${cpu.id}`, {
        data: { type: 'vars', id: cpu.id, attributes: { value: '4' } },
      });
      await tfe.setVariable(ws, 'disk_gb', '80');
      const change = await tfe.createRun(ws);
      assert.equal(
        (await tfe.waitForRun(change.id, ['applied', 'errored'])).run.attributes.status,
        'applied',
      );
      const plan = await tfe.api('GET', `/runs/${change.id}/plan`);
      assert.equal(plan.json.data.attributes['resource-changes'], 1);
      const [after] = vmsNamed('app-01');
      assert.equal(after?.vm, before?.vm, 'same VM, changed in place');
      assert.equal(after?.cpu.count, 4);
      assert.deepEqual(
        Object.values(after?.disks ?? {}).map((d) => d.capacity),
        [80 * GiB],
      );

      const same = await tfe.createRun(ws);
      const { run: unchanged } = await tfe.waitForRun(same.id, [
        'planned_and_finished',
        'applied',
        'errored',
      ]);
      assert.equal(unchanged.attributes.status, 'planned_and_finished');
      assert.equal(unchanged.attributes['has-changes'], false);

      const destroy = await tfe.createRun(ws, { 'is-destroy': true });
      assert.equal(
        (await tfe.waitForRun(destroy.id, ['applied', 'errored'])).run.attributes.status,
        'applied',
      );
      assert.equal(vmsNamed('app-01').length, 0, 'the VM is gone from vCenter');
      const outputs = await tfe.api('GET', `/workspaces/${ws}/current-state-version-outputs`);
      assert.deepEqual(outputs.json.data, []);
      assert.equal(tfe.counter('vcenter.vms.created'), 1);
      assert.equal(tfe.counter('vcenter.vms.deleted'), 1);
    });

    it('hides sensitive output values in the workspace outputs but shows them read by id', async () => {
      const ws = await tfe.createWorkspace('secret-out', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'secret-01');
      const cv = await tfe.uploadConfiguration(
        ws,
        vmModule({ admin_note: { value: 'vault:${var.vm_name}', sensitive: true } }),
      );
      const run = await tfe.createRun(ws, {}, cv);
      await tfe.waitForRun(run.id, ['applied']);
      const outputs = await tfe.api('GET', `/workspaces/${ws}/current-state-version-outputs`);
      const secret = outputs.json.data.find((o: any) => o.attributes.name === 'admin_note');
      assert.deepEqual([secret.attributes.sensitive, secret.attributes.value], [true, null]);
      const byId = await tfe.api('GET', `/state-version-outputs/${secret.id}`);
      assert.equal(byId.json.data.attributes.value, 'vault:secret-01');
    });

    it('serves logs in chunks with limit and offset, as go-tfe reads them', async () => {
      const ws = await tfe.createWorkspace('chunks', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'chunks-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      await tfe.waitForRun(run.id, ['applied']);
      const apply = await tfe.api('GET', `/runs/${run.id}/apply`);
      const url = apply.json.data.attributes['log-read-url'];
      const whole = await (await fetch(url)).text();
      let assembled = '';
      for (let offset = 0; ; offset += 64) {
        const chunk = await (await fetch(`${url}?limit=64&offset=${offset}`)).text();
        if (chunk === '') break;
        assembled += chunk;
      }
      assert.equal(assembled, whole);
      assert.match(whole, /Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./);
      assert.equal((await fetch(url.replace(/object\/.+$/, 'object/not-a-secret'))).status, 404);
    });

    it('holds runs while the workspace is locked by hand, and starts them on unlock', async () => {
      const ws = await tfe.createWorkspace('locked');
      await tfe.setVariable(ws, 'vm_name', 'locked-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      assert.equal(
        (await tfe.api('POST', `/workspaces/${ws}/actions/lock`, { reason: 'maintenance' })).status,
        200,
      );
      assert.equal((await tfe.api('POST', `/workspaces/${ws}/actions/lock`)).status, 409);
      const run = await tfe.createRun(ws, {}, cv);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await tfe.api('GET', `/runs/${run.id}`)).json.data.attributes.status, 'pending');
      assert.equal((await tfe.api('POST', `/workspaces/${ws}/actions/unlock`)).status, 200);
      await tfe.waitForRun(run.id, ['planned']);
    });

    it('deletes a workspace with its runs; the VM it made stays in vCenter', async () => {
      const ws = await tfe.createWorkspace('doomed-ws', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'orphan-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      await tfe.waitForRun(run.id, ['applied']);
      assert.equal((await tfe.api('DELETE', `/workspaces/${ws}`)).status, 204);
      assert.equal((await tfe.api('GET', `/workspaces/${ws}`)).status, 404);
      assert.equal((await tfe.api('GET', `/runs/${run.id}`)).status, 404);
      assert.equal(vmsNamed('orphan-01').length, 1);
    });

    it('notices a VM deleted outside Terraform: refresh-only records it, a normal run recreates it', async () => {
      const ws = await tfe.createWorkspace('drift');
      await tfe.setVariable(ws, 'vm_name', 'drift-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const first = await tfe.createRun(ws, { 'auto-apply': true }, cv);
      await tfe.waitForRun(first.id, ['applied']);
      const [vm] = vmsNamed('drift-01');
      tfe.ctx.world.vcenter.powerVm(vm!.vm, 'stop');
      tfe.ctx.world.vcenter.deleteVm(vm!.vm);

      const refreshOnly = await tfe.createRun(ws, { 'refresh-only': true });
      const { run: planned } = await tfe.waitForRun(refreshOnly.id, [
        'planned',
        'planned_and_finished',
        'errored',
      ]);
      assert.equal(planned.attributes.status, 'planned', 'drift waits for confirmation');
      await tfe.api('POST', `/runs/${refreshOnly.id}/actions/apply`);
      assert.equal(
        (await tfe.waitForRun(refreshOnly.id, ['applied', 'errored'])).run.attributes.status,
        'applied',
      );
      assert.equal(vmsNamed('drift-01').length, 0, 'refresh-only changes nothing in vCenter');
      const workspace = await tfe.api('GET', `/workspaces/${ws}`);
      assert.equal(workspace.json.data.attributes['resource-count'], 0);

      const again = await tfe.createRun(ws, { 'auto-apply': true });
      assert.equal((await tfe.waitForRun(again.id, ['applied', 'errored'])).run.attributes.status, 'applied');
      assert.equal(vmsNamed('drift-01').length, 1);
      assert.notEqual(vmsNamed('drift-01')[0]?.vm, vm?.vm);
    });

    it('queues a run on upload unless auto-queue-runs is false (two runs versus one)', async () => {
      for (const [autoQueue, expected] of [
        [true, 2],
        [false, 1],
      ] as const) {
        const name = `trap-${autoQueue}`;
        const ws = await tfe.createWorkspace(name);
        await tfe.setVariable(ws, 'vm_name', `trap-vm-${autoQueue}`);
        const cv = await tfe.uploadConfiguration(ws, vmModule(), autoQueue);
        const own = await tfe.createRun(ws, { message: 'my own run' }, cv);
        const runs = await tfe.api('GET', `/workspaces/${ws}/runs`);
        assert.equal(runs.json.data.length, expected, `auto-queue-runs ${autoQueue}`);
        assert.equal(tfe.counter(`tfe.runs.created.${ORG}/${name}`), expected);
        if (autoQueue) {
          const queued = runs.json.data.find((r: any) => r.id !== own.id);
          assert.equal(queued.attributes.source, 'tfe-configuration-version');
          const mine = await tfe.api('GET', `/runs/${own.id}`);
          assert.equal(mine.json.data.attributes.status, 'pending', 'the second run waits behind the first');
          assert.ok(mine.json.data.attributes['position-in-queue'] >= 1);
        }
      }
    });

    it('keeps later runs pending until the run waiting for confirmation is discarded', async () => {
      const ws = await tfe.createWorkspace('queue');
      await tfe.setVariable(ws, 'vm_name', 'queue-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const first = await tfe.createRun(ws, { message: 'first' }, cv);
      await tfe.waitForRun(first.id, ['planned']);
      const second = await tfe.createRun(ws, { message: 'second' }, cv);
      await new Promise((r) => setTimeout(r, 50));
      const waiting = await tfe.api('GET', `/runs/${second.id}`);
      assert.equal(waiting.json.data.attributes.status, 'pending');
      assert.equal(waiting.json.data.attributes['position-in-queue'], 1);
      assert.equal(waiting.json.data.attributes.actions['is-discardable'], true);

      assert.equal((await tfe.api('POST', `/runs/${first.id}/actions/discard`)).status, 202);
      assert.equal((await tfe.waitForRun(first.id, ['discarded'])).run.attributes.status, 'discarded');
      assert.equal((await tfe.waitForRun(second.id, ['planned'])).run.attributes.status, 'planned');
      assert.equal(vmsNamed('queue-01').length, 0);
    });

    const conflicts = [
      { action: 'apply', when: 'applied' },
      { action: 'discard', when: 'applied' },
      { action: 'cancel', when: 'applied' },
      { action: 'force-cancel', when: 'applied' },
    ];
    for (const { action, when } of conflicts) {
      it(`answers ${action} on an ${when} run with 409`, async () => {
        const ws = await tfe.createWorkspace(`conflict-${action}`, { 'auto-apply': true });
        await tfe.setVariable(ws, 'vm_name', `conflict-${action}`);
        const cv = await tfe.uploadConfiguration(ws, vmModule());
        const run = await tfe.createRun(ws, {}, cv);
        await tfe.waitForRun(run.id, [when]);
        const res = await tfe.api('POST', `/runs/${run.id}/actions/${action}`);
        assert.equal(res.status, 409);
        assert.equal(res.json.errors[0].status, '409');
      });
    }

    it('filters the run list by search[basic] and shows plan-only runs only when filter[operation] asks', async () => {
      const ws = await tfe.createWorkspace('search');
      await tfe.setVariable(ws, 'vm_name', 'search-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const keyed = await tfe.createRun(ws, { message: 'deploy [orchestrator-key abc-123]' }, cv);
      const speculative = await tfe.createRun(ws, { message: 'speculative', 'plan-only': true }, cv);
      const found = await tfe.api('GET', `/workspaces/${ws}/runs?search%5Bbasic%5D=abc-123`);
      assert.deepEqual(
        found.json.data.map((r: any) => r.id),
        [keyed.id],
      );
      const visible = await tfe.api('GET', `/workspaces/${ws}/runs`);
      assert.ok(!visible.json.data.some((r: any) => r.id === speculative.id), 'plan-only runs are hidden');
      const all = await tfe.api(
        'GET',
        `/workspaces/${ws}/runs?filter%5Boperation%5D=plan_only,plan_and_apply`,
      );
      assert.equal(all.json.data.length, 2);
    });

    it('includes the plan and the apply when asked', async () => {
      const ws = await tfe.createWorkspace('include');
      await tfe.setVariable(ws, 'vm_name', 'include-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      const res = await tfe.api('GET', `/runs/${run.id}?include=plan,apply,workspace`);
      assert.deepEqual(
        res.json.included.map((r: any) => r.type),
        ['plans', 'applies', 'workspaces'],
      );
      assert.equal((await tfe.api('GET', `/runs/${run.id}?include=nonsense`)).status, 400);
    });

    it('ends a run errored with a log saying why when a "this run fails" rule matches', async () => {
      tfe.ctx.world.addOutcomeRule({
        system: 'tfe',
        match: { workspace: 'doomed' },
        outcome: 'errored',
        phase: 'apply',
        message: 'datastore DS-DEV-01 is offline',
        times: 1,
      });
      const ws = await tfe.createWorkspace('doomed', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'doomed-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      const { run: ended } = await tfe.waitForRun(run.id, ['applied', 'errored']);
      assert.equal(ended.attributes.status, 'errored');
      const apply = await tfe.api('GET', `/runs/${run.id}/apply`);
      assert.equal(apply.json.data.attributes.status, 'errored');
      const log = await (await fetch(apply.json.data.attributes['log-read-url'])).text();
      assert.match(log, /Error: datastore DS-DEV-01 is offline/);
      assert.equal(vmsNamed('doomed-01').length, 0);
    });

    it('ends a run errored at plan when the configuration lacks a required variable', async () => {
      const ws = await tfe.createWorkspace('novar');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      const { run: ended } = await tfe.waitForRun(run.id, ['errored', 'planned']);
      assert.equal(ended.attributes.status, 'errored');
      const plan = await tfe.api('GET', `/runs/${run.id}/plan`);
      assert.equal(plan.json.data.attributes.status, 'errored');
      const log = await (await fetch(plan.json.data.attributes['log-read-url'])).text();
      assert.match(log, /No value for required variable[\s\S]*"vm_name"/);
    });

    it('plans and applies Terraform native syntax (main.tf), and fails a plan on what it does not simulate, naming the line', async () => {
      const ws = await tfe.createWorkspace('native');
      const main = [
        '# a greeting',
        'variable "who" {',
        '  type    = string',
        '  default = "lab"',
        '}',
        'locals {',
        '  greeting = "hello ${var.who}"',
        '}',
        'output "greeting" {',
        '  value = local.greeting',
        '}',
      ].join('\n');
      const run = await tfe.createRun(ws, {}, await tfe.uploadConfiguration(ws, { 'main.tf': main }));
      assert.equal((await tfe.waitForRun(run.id, ['planned', 'errored'])).run.attributes.status, 'planned');
      await tfe.api('POST', `/runs/${run.id}/actions/apply`, null);
      assert.equal((await tfe.waitForRun(run.id, ['applied', 'errored'])).run.attributes.status, 'applied');
      const outputs = await tfe.api('GET', `/workspaces/${ws}/current-state-version-outputs`);
      assert.deepEqual(
        outputs.json.data.map((o: any) => [o.attributes.name, o.attributes.value]),
        [['greeting', 'hello lab']],
      );

      const operator = main.replace('value = local.greeting', 'value = local.greeting + 1');
      const bad = await tfe.createRun(ws, {}, await tfe.uploadConfiguration(ws, { 'main.tf': operator }));
      assert.equal((await tfe.waitForRun(bad.id, ['planned', 'errored'])).run.attributes.status, 'errored');
      const plan = await tfe.api('GET', `/runs/${bad.id}/plan`);
      const log = await (await fetch(plan.json.data.attributes['log-read-url'])).text();
      assert.match(log, /no operators[\s\S]*on main\.tf line 10/);
    });

    it('waits for apply when only the outputs change, and finishes when nothing does', async () => {
      const ws = await tfe.createWorkspace('outputs-only');
      const module = (value: string) => ({
        'main.tf.json': JSON.stringify({ output: { answer: { value } } }),
      });
      const first = await tfe.createRun(ws, {}, await tfe.uploadConfiguration(ws, module('42')));
      const planned = await tfe.waitForRun(first.id, ['planned', 'planned_and_finished', 'errored']);
      assert.equal(planned.run.attributes.status, 'planned');
      assert.equal(planned.run.attributes['has-changes'], true);
      const log = await (
        await fetch((await tfe.api('GET', `/runs/${first.id}/plan`)).json.data.attributes['log-read-url'])
      ).text();
      assert.match(log, /Changes to Outputs:\n {2}\+ answer = "42"/);
      await tfe.api('POST', `/runs/${first.id}/actions/apply`, null);
      await tfe.waitForRun(first.id, ['applied']);
      const same = await tfe.createRun(ws, {}, await tfe.uploadConfiguration(ws, module('42')));
      const unchanged = await tfe.waitForRun(same.id, ['planned', 'planned_and_finished', 'errored']);
      assert.equal(unchanged.run.attributes.status, 'planned_and_finished');
    });

    it('ends a run errored when the apply fails in vCenter (name already taken in the folder)', async () => {
      for (const name of ['twin-a', 'twin-b']) {
        const ws = await tfe.createWorkspace(name, { 'auto-apply': true });
        await tfe.setVariable(ws, 'vm_name', 'twin');
        const cv = await tfe.uploadConfiguration(ws, vmModule());
        const run = await tfe.createRun(ws, {}, cv);
        const { run: ended } = await tfe.waitForRun(run.id, ['applied', 'errored']);
        assert.equal(ended.attributes.status, name === 'twin-a' ? 'applied' : 'errored');
      }
      assert.equal(vmsNamed('twin').length, 1);
    });

    it('marks a configuration version errored when the upload is not a tar.gz', async () => {
      const ws = await tfe.createWorkspace('badarchive');
      const created = await tfe.api('POST', `/workspaces/${ws}/configuration-versions`, {
        data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } },
      });
      assert.equal(created.json.data.attributes.status, 'pending');
      assert.equal(created.json.data.attributes.source, 'tfe-api');
      await fetch(created.json.data.attributes['upload-url'], { method: 'PUT', body: 'not an archive' });
      const deadline = Date.now() + 2000;
      let cv: any;
      do {
        cv = (await tfe.api('GET', `/configuration-versions/${created.json.data.id}`)).json.data;
      } while (cv.attributes.status === 'pending' && Date.now() < deadline);
      assert.equal(cv.attributes.status, 'errored');
      assert.match(cv.attributes['error-message'], /gzip/);
      assert.equal(cv.attributes['upload-url'], undefined, 'the upload URL appears only on create');
      const run = await tfe.api('POST', '/runs', {
        data: {
          type: 'runs',
          relationships: {
            workspace: { data: { type: 'workspaces', id: ws } },
            'configuration-version': { data: { type: 'configuration-versions', id: cv.id } },
          },
        },
      });
      assert.equal(run.status, 422);
    });

    it('accepts a repeated PUT of the same archive after processing, and refuses different bytes', async () => {
      const ws = await tfe.createWorkspace('reput');
      const created = await tfe.api('POST', `/workspaces/${ws}/configuration-versions`, {
        data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': true } },
      });
      const url = created.json.data.attributes['upload-url'];
      const files = vmModule();
      assert.equal((await fetch(url, { method: 'PUT', body: tarGz(files) })).status, 200);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await fetch(url, { method: 'PUT', body: tarGz(files) })).status, 200);
      assert.equal((await fetch(url, { method: 'PUT', body: tarGz({ 'other.tf.json': '{}' }) })).status, 409);
      assert.equal(
        tfe.counter(`tfe.runs.created.${ORG}/reput`),
        1,
        'the retried upload queued no second run',
      );
    });
  });

  describe('with realistic pauses', () => {
    beforeEach(async () => {
      tfe = await startTfeFixture({
        durations: {
          '*': 0,
          'tfe.plan-queued': 40,
          'tfe.planning': 200,
          'tfe.apply-queued': 40,
          'tfe.applying': 200,
        },
      });
    });

    it('moves through the documented statuses in order', async () => {
      const ws = await tfe.createWorkspace('order', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'order-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      const { seen } = await tfe.waitForRun(run.id, ['applied', 'errored']);
      const expectedOrder = [
        'pending',
        'plan_queued',
        'planning',
        'planned',
        'confirmed',
        'apply_queued',
        'applying',
        'applied',
      ];
      assert.ok(seen.includes('planning') && seen.includes('applying'), seen.join(' → '));
      const positions = seen.map((s) => expectedOrder.indexOf(s));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        `out of order: ${seen.join(' → ')}`,
      );
    });

    it('runs at most run_concurrency runs of an organization at once; the others wait queued, in order', async () => {
      const settings = async (body: unknown) =>
        (
          await fetch(`${tfe.url}/_sim/tfe/settings`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json() as Promise<Record<string, unknown>>;
      assert.equal((await settings({ run_concurrency: 1 })).run_concurrency, 1);
      const runs: string[] = [];
      for (const name of ['conc-a', 'conc-b', 'conc-c']) {
        const ws = await tfe.createWorkspace(name, { 'auto-apply': true });
        await tfe.setVariable(ws, 'vm_name', name);
        const cv = await tfe.uploadConfiguration(ws, vmModule(), false);
        runs.push((await tfe.createRun(ws, {}, cv)).id);
      }
      let most = 0;
      let waitedWhileOtherRan = false;
      const started = Date.now();
      for (;;) {
        const statuses = await Promise.all(
          runs.map(async (id) => (await tfe.api('GET', `/runs/${id}`)).json.data.attributes.status as string),
        );
        const running = statuses.filter((s) => s === 'planning' || s === 'applying').length;
        most = Math.max(most, running);
        if (running > 0 && statuses.some((s) => s === 'plan_queued' || s === 'apply_queued'))
          waitedWhileOtherRan = true;
        if (statuses.every((s) => s === 'applied' || s === 'errored')) {
          assert.deepEqual(statuses, ['applied', 'applied', 'applied']);
          break;
        }
        assert.ok(Date.now() - started < 20_000, `runs still ${statuses.join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(most, 1, 'two runs of the organization planned or applied at once');
      assert.ok(waitedWhileOtherRan, 'no run was seen waiting for the one running');
      // Served in the order queued: sorted by when each was queued for its plan, the runs began
      // planning in that order too. (An apply queues anew, behind plans queued before it, so
      // applies may interleave.)
      const stamps = await Promise.all(
        runs.map(async (id) => {
          const at = (await tfe.api('GET', `/runs/${id}`)).json.data.attributes[
            'status-timestamps'
          ] as Record<string, string>;
          return { queued: at['plan-queued-at']!, planning: at['planning-at']! };
        }),
      );
      const byQueue = [...stamps].sort((a, b) => a.queued.localeCompare(b.queued));
      const planning = byQueue.map((s) => s.planning);
      assert.deepEqual(planning, [...planning].sort(), 'first queued, first served');
      assert.equal((await settings({ run_concurrency: null })).run_concurrency, null);
    });

    it('cancels a planning run', async () => {
      const ws = await tfe.createWorkspace('cancel');
      await tfe.setVariable(ws, 'vm_name', 'cancel-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      const { run: planning } = await tfe.waitForRun(run.id, ['planning']);
      assert.equal(planning.attributes.actions['is-cancelable'], true);
      assert.equal((await tfe.api('POST', `/runs/${run.id}/actions/cancel`)).status, 202);
      const { run: canceled } = await tfe.waitForRun(run.id, ['canceled']);
      assert.ok(canceled.attributes['canceled-at']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await tfe.api('GET', `/runs/${run.id}`)).json.data.attributes.status, 'canceled');
    });

    it('resumes a run across a simulator restart and keeps workspaces, runs and state', async () => {
      const ws = await tfe.createWorkspace('restart', { 'auto-apply': true });
      await tfe.setVariable(ws, 'vm_name', 'restart-01');
      const cv = await tfe.uploadConfiguration(ws, vmModule());
      const run = await tfe.createRun(ws, {}, cv);
      await tfe.waitForRun(run.id, ['planning']);
      tfe = await tfe.restart();
      const { run: ended } = await tfe.waitForRun(run.id, ['applied', 'errored']);
      assert.equal(ended.attributes.status, 'applied');
      assert.equal(vmsNamed('restart-01').length, 1);
      const byName = await tfe.api('GET', `/organizations/${ORG}/workspaces/restart`);
      assert.equal(byName.json.data.id, ws);
      assert.equal(tfe.counter(`tfe.runs.created.${ORG}/restart`), 1);
    });
  });
});
