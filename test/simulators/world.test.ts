/** The lab world keeps its state on disk atomically and exposes typed vCenter operations. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { World, WorldError } from '../../simulators/world';

describe('lab world', () => {
  let dir: string;
  const worlds: World[] = [];
  const open = (options: Partial<Parameters<typeof World.open>[0]> = {}) => {
    const world = World.open({ dataDir: dir, seed: 7, ...options });
    worlds.push(world);
    return world;
  };
  const createVm = (world: World, name: string) =>
    world.vcenter.createVm({
      name,
      guest_OS: 'RHEL_9_64',
      placement: { folder: 'group-v32', cluster: 'domain-c8', datastore: 'datastore-11' },
      nics: [{ network: 'dvportgroup-17' }],
      created_by: 'test',
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-world-'));
  });
  afterEach(() => {
    for (const w of worlds.splice(0)) w.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the lab: clusters, datastores, portgroups with network facts, folders, images, job templates', () => {
    const { state } = open();
    assert.deepEqual(
      Object.values(state.vcenter.clusters)
        .map((c) => c.name)
        .sort(),
      ['CL-DEV-01', 'CL-PROD-01'],
    );
    assert.ok(Object.values(state.vcenter.networks).some((n) => n.name === 'DMZ'));
    assert.deepEqual(
      state.lab.networks.INTRANET_PROD && {
        cidr: state.lab.networks.INTRANET_PROD.cidr,
        gateway: state.lab.networks.INTRANET_PROD.gateway,
      },
      {
        cidr: '10.10.0.0/24',
        gateway: '10.10.0.1',
      },
    );
    assert.deepEqual(Object.keys(state.lab.images).sort(), ['rhel8', 'rhel9', 'ubuntu22', 'windows2022']);
    assert.deepEqual(
      Object.values(state.awx.job_templates)
        .map((t) => t.name)
        .sort(),
      ['lab-ping', 'vm-configure', 'vm-create', 'vm-delete', 'vm-power', 'vm-update'],
    );
  });

  it('gives a world saved before a job template was seeded that template, keeping its own objects', () => {
    const first = open();
    const vm = createVm(first, 'old-world');
    first.change((state) => {
      for (const id of ['10', '11', '12']) delete state.awx.job_templates[id];
      state.awx.next_id.job_template = 10;
      state.awx.projects['1']!.playbooks = ['vm_create.yml', 'vm_delete.yml', 'ping.yml'];
    });
    first.close();
    const second = open();
    const added = Object.values(second.state.awx.job_templates).find((t) => t.name === 'vm-configure');
    assert.equal(added?.id, 10);
    assert.equal(added?.ask_variables_on_launch, true);
    assert.ok(second.state.awx.projects['1']!.playbooks.includes('vm_configure.yml'));
    assert.deepEqual(
      ['vm-update', 'vm-power'].map(
        (name) => Object.values(second.state.awx.job_templates).find((t) => t.name === name)?.id,
      ),
      [11, 12],
    );
    assert.equal(second.state.awx.next_id.job_template, 13);
    assert.equal(second.state.vcenter.vms[vm.vm]?.name, 'old-world');
  });

  it('writes every change to world.json, without leftover temp files, and a reopened world has it', () => {
    const first = open();
    const vm = createVm(first, 'keep-me');
    first.close();
    assert.deepEqual(fs.readdirSync(dir), ['world.json']);
    const second = open();
    assert.equal(second.state.vcenter.vms[vm.vm]?.name, 'keep-me');
    assert.equal(second.counter('vcenter.vms.created'), 1);
    assert.equal(second.state.vcenter.vms[vm.vm]?.guest_ip, '10.10.0.10');
    assert.equal(createVm(second, 'next').vm !== vm.vm, true);
  });

  it('raises vCenter error types from inventory operations', () => {
    const world = open();
    const vm = createVm(world, 'dup');
    const refusals: Array<[string, () => unknown, string]> = [
      ['duplicate name in folder', () => createVm(world, 'dup'), 'ALREADY_EXISTS'],
      ['unknown VM', () => world.vcenter.deleteVm('vm-404'), 'NOT_FOUND'],
      ['stop a VM that is off', () => world.vcenter.powerVm(vm.vm, 'stop'), 'ALREADY_IN_DESIRED_STATE'],
    ];
    for (const [what, act, type] of refusals) {
      assert.throws(act, (err: unknown) => err instanceof WorldError && err.errorType === type, what);
    }
    world.vcenter.powerVm(vm.vm, 'start');
    assert.throws(
      () => world.vcenter.deleteVm(vm.vm),
      (err: unknown) => err instanceof WorldError && err.errorType === 'NOT_ALLOWED_IN_CURRENT_STATE',
    );
    const resized = world.vcenter.updateVm(vm.vm, {
      cpu: { count: 4 },
      memory: { size_MiB: 4096 },
      power_cycle: true,
    });
    assert.equal(resized.cpu.count, 4);
    assert.equal(resized.power_state, 'POWERED_ON');
  });

  it('takes durations from overrides, the * override (not for timeouts) and defaults', () => {
    const world = open({ durations: { '*': 0, 'awx.running': 50 } });
    assert.equal(world.duration('awx.pending'), 0);
    assert.equal(world.duration('awx.running'), 50);
    assert.equal(world.duration('vcenter.session-idle'), 30 * 60 * 1000);
    world.defineDurations({ 'tfe.planning': 5000, 'tfe.session': 9000 }, ['tfe.session']);
    assert.equal(world.duration('tfe.planning'), 0);
    assert.equal(world.duration('tfe.session'), 9000);
    world.setDurations({ '*': null });
    assert.equal(world.duration('tfe.planning'), 5000);
  });

  it('keeps typed sections for other simulators and persists their changes', () => {
    const world = open();
    const section = world.section('tfe', () => ({ runs: [] as string[] }));
    world.change(() => section.runs.push('run-1'));
    world.close();
    assert.deepEqual(open().section('tfe', () => ({ runs: [] as string[] })).runs, ['run-1']);
  });

  it('consumes outcome rules by match and times', () => {
    const world = open();
    world.addOutcomeRule({
      system: 'awx',
      match: { template: 'vm-create' },
      outcome: 'failed',
      message: 'no',
      times: 2,
    });
    assert.equal(world.takeOutcome('awx', { template: 'lab-ping' }), undefined);
    assert.equal(world.takeOutcome('tfe', { template: 'vm-create' }), undefined);
    assert.equal(world.takeOutcome('awx', { template: 'vm-create' })?.outcome, 'failed');
    assert.ok(world.takeOutcome('awx', { template: 'vm-create' }));
    assert.equal(world.takeOutcome('awx', { template: 'vm-create' }), undefined);
  });

  it('resets to the seed, keeping durations, and tells listeners', () => {
    const world = open({ durations: { 'awx.running': 5 } });
    createVm(world, 'gone');
    let told = false;
    world.on('reset', () => (told = true));
    world.reset();
    assert.deepEqual(world.state.vcenter.vms, {});
    assert.deepEqual(world.state.counters, {});
    assert.equal(world.duration('awx.running'), 5);
    assert.equal(told, true);
  });
});
