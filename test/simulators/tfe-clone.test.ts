/* eslint-disable @typescript-eslint/no-explicit-any -- the tests edit the rendered JSON module by path */
/**
 * The TFE simulator's vSphere provider builds a VM the way the real one does against a real
 * vCenter: by cloning a template with guest customization. The module under test is the one the
 * Terraform wrapper renders (`TERRAFORM_CLONE_FROM_TEMPLATE`), so what the orchestrator sends is
 * what is checked; the plan and apply run in process against a fresh world.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TerraformConfig } from '../../activities/terraform/config';
import { renderVmConfiguration } from '../../activities/terraform/configuration';
import { choosePlacement } from '../../resource-handlers/placement';
import { labCatalog } from '../../resource-handlers/store/seed';
import { virtualMachine, type VirtualMachineRequest } from '../../resource-handlers/virtual_machine';
import type { VirtualMachineDocument } from '../../resource-handlers/virtual_machine/common-format';
import {
  guestIdFromGuestOs,
  guestOsFromGuestId,
  readDataSource,
  templateUuid,
} from '../../simulators/tfe/providers';
import { apply, plan, type PlanInput } from '../../simulators/tfe/terraform';
import type { StateResource } from '../../simulators/tfe/types';
import { World } from '../../simulators/world';

const catalog = labCatalog();
const cloning: TerraformConfig = {
  workspacePrefix: 'vm-',
  vsphereProviderVersion: '~> 2.6',
  cloneFromTemplate: true,
};

/** A VM's common format as the resource handler emits it, with the address the IPAM gave. */
function document(address: string, change: Partial<VirtualMachineRequest> = {}): VirtualMachineDocument {
  const input = virtualMachine.input.parse({
    type: 'virtual_machine',
    name: 'web-01',
    osImage: 'rhel9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 60 }],
    managed: true,
    ...change,
  });
  const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
  return virtualMachine.emit(input, catalog, { placement, address: { network: input.network, address } });
}

function planInput(files: Record<string, string>, priorResources: StateResource[] = []): PlanInput {
  return {
    files,
    workingDirectory: null,
    workspaceVars: [],
    runVars: [],
    priorResources,
    isDestroy: false,
    refresh: true,
    refreshOnly: false,
    targetAddrs: null,
    replaceAddrs: null,
    terraformVersion: '1.9.5',
  };
}

/** The rendered module with one edit applied to the VM resource (or the whole module). */
function edited(
  doc: VirtualMachineDocument,
  edit: (vm: Record<string, any>, module: Record<string, any>) => void,
): Record<string, string> {
  const { files } = renderVmConfiguration(doc, cloning);
  const module = JSON.parse(files['main.tf.json']!);
  edit(module.resource.vsphere_virtual_machine.vm, module);
  return { ...files, 'main.tf.json': JSON.stringify(module) };
}

describe('TFE simulator: vsphere_virtual_machine cloned from a lab template', () => {
  let dir: string;
  let world: World;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tfe-clone-'));
    world = World.open({ dataDir: dir, seed: 1, durations: { '*': 0 } });
  });
  afterEach(() => {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (files: Record<string, string>, prior: StateResource[] = []) => {
    const planned = plan(world, planInput(files, prior));
    const applied = apply(world, planInput(files, prior), planned.changes, 'run-clone');
    assert.equal(applied.error, null, applied.log);
    return { planned, applied };
  };

  it('gives a Linux guest the IPAM address, prefix, gateway, DNS and host name, as vCenter then reports', () => {
    const doc = document('10.20.0.77');
    const { applied } = build(renderVmConfiguration(doc, cloning).files);
    const vm = world.vcenter.listVms({ names: ['web-01'] })[0]!;
    assert.equal(vm.image, 'rhel9');
    assert.equal(vm.guest_OS, 'RHEL_9_64');
    assert.equal(vm.power_state, 'POWERED_ON');
    assert.deepEqual(world.vcenter.guestNetworking(vm), {
      host_name: doc.hostname,
      domain_name: doc.network.dnsDomain,
      ip_address: '10.20.0.77',
      prefix_length: doc.network.prefixLength,
      origin: 'MANUAL',
      gateway: doc.network.gateway,
      dns_servers: doc.network.dnsServers,
      search_domains: [doc.network.dnsDomain],
    });
    assert.equal(applied.outputs.find((o) => o.name === 'ip_address')?.value, '10.20.0.77');
    assert.equal(
      world.state.lab.networks.INTRANET_DEV?.next_host,
      10,
      'a customized guest takes no lease from the lab',
    );
  });

  it('clones Windows Server 2022 from its template (windows2019srvNext_64Guest is WINDOWS_SERVER_2021)', () => {
    const doc = document('10.20.0.78', { name: 'win-01', osImage: 'windows2022', disks: [{ sizeGb: 100 }] });
    build(renderVmConfiguration(doc, cloning).files);
    const vm = world.vcenter.listVms({ names: ['win-01'] })[0]!;
    assert.equal(vm.guest_OS, 'WINDOWS_SERVER_2021');
    assert.equal(vm.guest_OS, world.state.lab.images.windows2022?.guest_OS);
    assert.equal(vm.image, 'windows2022');
    assert.equal(vm.guest_ip, '10.20.0.78');
    assert.equal(world.vcenter.guestNetworking(vm).host_name, doc.hostname);
  });

  it('keeps a cloned VM on a second plan, and replaces it when its address changes', () => {
    const first = build(renderVmConfiguration(document('10.20.0.77'), cloning).files);
    const same = plan(
      world,
      planInput(renderVmConfiguration(document('10.20.0.77'), cloning).files, first.applied.resources),
    );
    assert.deepEqual(same.changes, []);
    const moved = renderVmConfiguration(document('10.20.0.90'), cloning).files;
    const { planned } = build(moved, first.applied.resources);
    assert.deepEqual(
      planned.changes.map((c) => c.action),
      ['replace'],
    );
    assert.equal(world.vcenter.listVms({ names: ['web-01'] })[0]?.guest_ip, '10.20.0.90');
  });

  it('drops a gateway that is not on the address subnet, as the provider does', () => {
    const files = edited(document('10.20.0.77'), (vm) => {
      vm.clone[0].customize[0].ipv4_gateway = '10.99.0.1';
    });
    build(files);
    const vm = world.vcenter.listVms({ names: ['web-01'] })[0]!;
    assert.equal(vm.guest_ip, '10.20.0.77');
    assert.equal(world.vcenter.guestNetworking(vm).gateway, null);
  });

  it('clones a powered-off VM of the inventory, and refuses one that is running', () => {
    const source = world.vcenter.createVm({
      name: 'golden',
      guest_OS: 'RHEL_9_64',
      placement: { folder: 'group-v30', datastore: 'datastore-13', cluster: 'domain-c20' },
      disks: [{ capacity: 40 * 1024 ** 3 }],
      nics: [{ network: 'dvportgroup-16' }],
      created_by: 'test',
    });
    const fromVm = (doc: VirtualMachineDocument) =>
      edited(doc, (vm, module) => {
        delete module.data.vsphere_virtual_machine;
        vm.clone[0].template_uuid = source.identity.bios_uuid;
      });
    world.vcenter.powerVm(source.vm, 'start');
    assert.throws(
      () => plan(world, planInput(fromVm(document('10.20.0.80')))),
      /must be powered off to be used as a source for cloning/,
    );
    world.vcenter.powerVm(source.vm, 'stop');
    build(fromVm(document('10.20.0.80')));
    assert.equal(world.vcenter.listVms({ names: ['web-01'] })[0]?.guest_ip, '10.20.0.80');
    const read = readDataSource(world, 'vsphere_virtual_machine', 'golden', { name: 'golden' });
    assert.equal(read.id, source.identity.bios_uuid);
    assert.equal(read.moid, source.vm);
  });

  it('reads a lab template with the vsphere_virtual_machine data source', () => {
    const template = readDataSource(world, 'vsphere_virtual_machine', 'template', {
      name: 'ubuntu22',
      datacenter_id: 'datacenter-2',
    });
    assert.equal(template.id, templateUuid({ name: 'ubuntu22' }));
    assert.equal(template.guest_id, 'ubuntu64Guest');
    assert.deepEqual(
      (template.disks as { size: number }[]).map((d) => d.size),
      [32],
    );
    assert.throws(
      () => readDataSource(world, 'vsphere_virtual_machine', 't', { name: 'no-such-template' }),
      /virtual machine 'no-such-template' not found/,
    );
  });

  it('maps every lab image between guest_id and guest_OS both ways', () => {
    for (const image of Object.values(world.state.lab.images)) {
      assert.equal(guestOsFromGuestId(guestIdFromGuestOs(image.guest_OS)), image.guest_OS, image.name);
    }
    assert.deepEqual(
      [
        'rhel9_64Guest',
        'ubuntu64Guest',
        'windows2019srvNext_64Guest',
        'windows2019srv_64Guest',
        'windows9Server64Guest',
      ].map(guestOsFromGuestId),
      ['RHEL_9_64', 'UBUNTU_64', 'WINDOWS_SERVER_2021', 'WINDOWS_SERVER_2019', 'WINDOWS_9_SERVER_64'],
    );
  });

  describe('refuses at plan what the provider refuses', () => {
    const cases: [string, (vm: Record<string, any>) => void, RegExp][] = [
      [
        'a template that is not in the lab',
        (vm) => (vm.clone[0].template_uuid = '4230dead-0000-0000-0000-000000000000'),
        /cannot locate virtual machine or template with UUID "4230dead/,
      ],
      [
        "a guest id other than the template's",
        (vm) => (vm.guest_id = 'ubuntu64Guest'),
        /invalid guest ID "ubuntu64Guest" for clone. Please set it to "rhel9_64Guest"/,
      ],
      [
        "a disk smaller than the template's",
        (vm) => (vm.disk[0].size = 20),
        /cannot be smaller than the source's disk \(40 GB\)/,
      ],
      [
        'a Linux template without linux_options',
        (vm) => delete vm.clone[0].customize[0].linux_options,
        /linux_options must exist in VM customization options for Linux/,
      ],
      [
        'linux_options and windows_options together',
        (vm) => (vm.clone[0].customize[0].windows_options = { computer_name: 'x' }),
        /Conflicting configuration arguments/,
      ],
      [
        'linux_options without a domain',
        (vm) => delete vm.clone[0].customize[0].linux_options.domain,
        /The argument "domain" is required/,
      ],
      [
        'an argument the customize block does not have',
        (vm) => (vm.clone[0].customize[0].ip_address = '10.20.0.5'),
        /An argument named "ip_address" is not expected here/,
      ],
      [
        'an address that is not IPv4',
        (vm) => (vm.clone[0].customize[0].network_interface[0].ipv4_address = '10.20.0.300'),
        /valid IPv4 address, got: 10.20.0.300/,
      ],
      [
        'a static address without a netmask',
        (vm) => delete vm.clone[0].customize[0].network_interface[0].ipv4_netmask,
        /ipv4_netmask must be a prefix length/,
      ],
      ['two clone blocks', (vm) => vm.clone.push(vm.clone[0]), /No more than 1 "clone" blocks are allowed/],
    ];
    for (const [what, edit, error] of cases) {
      it(what, () => {
        const files = edited(document('10.20.0.77'), (vm) => edit(vm));
        assert.throws(() => plan(world, planInput(files)), error);
        assert.equal(world.vcenter.listVms({ names: ['web-01'] }).length, 0);
      });
    }

    it('a Windows template without windows_options', () => {
      const doc = document('10.20.0.78', { osImage: 'windows2022', disks: [{ sizeGb: 100 }] });
      const files = edited(doc, (vm) => delete vm.clone[0].customize[0].windows_options);
      assert.throws(
        () => plan(world, planInput(files)),
        /one of windows_options or windows_sysprep_text must exist/,
      );
    });
  });

  it('fails the apply, as vCenter fails the clone task, when adapter settings do not match the NICs', () => {
    const files = edited(document('10.20.0.77'), (vm) => {
      vm.clone[0].customize[0].network_interface.push({});
    });
    const planned = plan(world, planInput(files));
    const applied = apply(world, planInput(files), planned.changes, 'run-clone');
    assert.match(
      applied.error ?? '',
      /number of network adapter settings in the customization specification: 2 does not match the number of network adapters present in the virtual machine: 1/,
    );
    assert.equal(world.vcenter.listVms({ names: ['web-01'] }).length, 0);
  });
});
