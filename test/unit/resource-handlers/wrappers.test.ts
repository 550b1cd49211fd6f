import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { createAnsibleDeps } from '../../../activities/ansible/deps';
import {
  configureVmExtraVars,
  createVmExtraVars,
  deleteVmExtraVars,
} from '../../../activities/ansible/extra-vars';
import { renderExtraVars } from '../../../activities/ansible/render-extra-vars';
import { createTerraformDeps } from '../../../activities/terraform/deps';
import { renderConfiguration } from '../../../activities/terraform/render-configuration';
import { runTask, taskFailure } from '../../integration/resources/run-task';
import { renderVmConfiguration } from '../../../activities/terraform/configuration';
import type { TerraformConfig } from '../../../activities/terraform/config';
import { projectRoot } from '../../../platform/dev-config';
import { choosePlacement } from '../../../resource-handlers/placement';
import { labCatalog } from '../../../resource-handlers/store/seed';
import { virtualMachine, type VirtualMachineRequest } from '../../../resource-handlers/virtual_machine';
import { runPlaybook } from '../../../simulators/awx/playbooks';
import { apply, plan, type PlanInput } from '../../../simulators/tfe/terraform';
import { World } from '../../../simulators/world';

const catalog = labCatalog();
const GiB = 1024 ** 3;
const lab: TerraformConfig = {
  workspacePrefix: 'vm-',
  vsphereProviderVersion: '~> 2.6',
  cloneFromTemplate: false,
};

function vm(change: Partial<VirtualMachineRequest> = {}) {
  const input = virtualMachine.input.parse({
    type: 'virtual_machine',
    name: 'web-01',
    osImage: 'rhel9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 100 }, { sizeGb: 50 }],
    tags: { env: 'dev' },
    ...change,
  });
  const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
  return virtualMachine.emit(input, catalog, {
    placement,
    address: { network: input.network, address: catalog.networks[input.network]!.rangeStart },
  });
}

describe('wrappers: rendering the common format for AWX and Terraform', () => {
  let dir: string;
  let world: World;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'render-'));
    world = World.open({ dataDir: dir, seed: 1 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('ansible extra_vars', () => {
    it('carries the VM, its placement and its address', () => {
      const doc = vm();
      const vars = createVmExtraVars(doc);
      assert.deepEqual(
        {
          vm_name: vars.vm_name,
          image: vars.image,
          cpu: vars.cpu,
          memory_mb: vars.memory_mb,
          disks: vars.disks,
          network: vars.network,
          ip_address: vars.ip_address,
          gateway: vars.gateway,
          netmask: vars.netmask,
          cluster: vars.cluster,
          datastore: vars.datastore,
          folder: vars.folder,
        },
        {
          vm_name: 'web-01',
          image: 'rhel9',
          cpu: 2,
          memory_mb: 8192,
          disks: [
            { size_gb: 100, label: 'disk0', unit_number: 0 },
            { size_gb: 50, label: 'disk1', unit_number: 1 },
          ],
          network: 'INTRANET_DEV',
          ip_address: '10.20.0.10',
          gateway: '10.20.0.1',
          netmask: '255.255.255.0',
          cluster: doc.placement.cluster,
          datastore: doc.placement.datastore,
          folder: 'Orchestrated',
        },
      );
    });

    it("builds the VM as asked when the lab's vm-create playbook runs with them, and vm-delete removes it", () => {
      const doc = vm();
      const templates = Object.values(world.state.awx.job_templates);
      const create = templates.find((t) => t.name === 'vm-create')!;
      const result = runPlaybook(world, create, createVmExtraVars(doc), 'awx job 1');
      assert.equal(result.ok, true, result.lines.join('\n'));
      const built = world.vcenter.listVms({ names: ['web-01'] });
      assert.equal(built.length, 1);
      const made = built[0]!;
      assert.equal(made.cpu.count, 2);
      assert.equal(made.memory.size_MiB, 8192);
      assert.deepEqual(
        Object.values(made.disks).map((d) => d.capacity / GiB),
        [100, 50],
      );
      assert.equal(Object.values(made.nics)[0]?.backing.network_name, 'INTRANET_DEV');
      assert.equal(world.state.vcenter.clusters[made.placement.cluster!]?.name, doc.placement.cluster);
      assert.equal(world.state.vcenter.datastores[made.placement.datastore]?.name, doc.placement.datastore);

      const remove = templates.find((t) => t.name === 'vm-delete')!;
      assert.equal(runPlaybook(world, remove, deleteVmExtraVars(doc), 'awx job 2').ok, true);
      assert.equal(world.vcenter.listVms({ names: ['web-01'] }).length, 0);
    });

    it('configures the built VM with its facts through the job template its metadata names', () => {
      const doc = vm();
      const job = virtualMachine.describe(doc).configurationJob;
      assert.equal(job, 'vm-configure');
      const vars = configureVmExtraVars(doc);
      assert.deepEqual(
        [vars.vm_name, vars.ip_address, vars.os_image, vars.cpu, vars.memory_mb, vars.disks_gb],
        ['web-01', doc.network.ipv4Address, 'rhel9', 2, 8192, [100, 50]],
      );
      const templates = Object.values(world.state.awx.job_templates);
      const configure = templates.find((t) => t.name === job)!;
      const unbuilt = runPlaybook(world, configure, vars, 'awx job 1');
      assert.equal(unbuilt.ok, false, 'nothing to reach before the build');
      const create = templates.find((t) => t.name === 'vm-create')!;
      assert.equal(runPlaybook(world, create, createVmExtraVars(doc), 'awx job 2').ok, true);
      const configured = runPlaybook(world, configure, vars, 'awx job 3');
      assert.equal(configured.ok, true, configured.lines.join('\n'));
      assert.deepEqual(configured.artifacts.monitoring, {
        registered: true,
        host: doc.fqdn,
        address: doc.network.ipv4Address,
      });
    });
  });

  describe('terraform configuration', () => {
    const planInput = (files: Record<string, string>, isDestroy = false, priorResources: unknown[] = []) =>
      ({
        files,
        workingDirectory: null,
        workspaceVars: [],
        runVars: [],
        priorResources,
        isDestroy,
        refresh: true,
        refreshOnly: false,
        targetAddrs: null,
        replaceAddrs: null,
        terraformVersion: '1.9.5',
      }) as unknown as PlanInput;

    it('names a workspace per VM and declares every variable it sets', () => {
      const rendered = renderVmConfiguration(vm(), lab);
      assert.equal(rendered.workspaceName, 'vm-web-01');
      const module = JSON.parse(rendered.files['main.tf.json']!);
      assert.deepEqual(Object.keys(module.variable).sort(), rendered.variables.map((v) => v.key).sort());
      assert.deepEqual(
        rendered.variables.filter((v) => v.hcl).map((v) => [v.key, v.value]),
        [
          ['disk_sizes_gb', '[100,50]'],
          ['dns_servers', '["10.0.0.53","10.0.1.53"]'],
        ],
      );
      assert.deepEqual(JSON.parse(rendered.files['terraform.tfvars.json']!).disk_sizes_gb, [100, 50]);
    });

    it('fits the input of the tfe-plan-apply template as it is', () => {
      const rendered = renderVmConfiguration(vm(), lab);
      const template = JSON.parse(
        readFileSync(path.join(projectRoot, 'templates', 'tfe-plan-apply.json'), 'utf8'),
      );
      const ajv = new Ajv({ allErrors: true, strict: false });
      const validate = ajv.compile(template.input);
      const input = {
        workspace: rendered.workspaceName,
        files: rendered.files,
        variables: rendered.variables,
      };
      assert.equal(validate(input), true, JSON.stringify(validate.errors));
    });

    it("plans and applies in the lab's TFE to the VM asked for, and destroys it", () => {
      const doc = vm({ managed: true, osImage: 'ubuntu22', disks: [{ sizeGb: 60 }] });
      const { files } = renderVmConfiguration(doc, lab);
      const planned = plan(world, planInput(files));
      assert.deepEqual(
        planned.changes.map((c) => [c.address, c.action]),
        [['vsphere_virtual_machine.vm', 'create']],
      );
      const applied = apply(world, planInput(files), planned.changes, 'run-test');
      assert.equal(applied.error, null, applied.log);
      const made = world.vcenter.listVms({ names: ['web-01'] })[0]!;
      assert.equal(made.cpu.count, 2);
      assert.equal(made.memory.size_MiB, 8192);
      assert.equal(made.guest_OS, 'UBUNTU_64');
      assert.deepEqual(
        Object.values(made.disks).map((d) => d.capacity / GiB),
        [60],
      );
      assert.equal(Object.values(made.nics)[0]?.backing.network_name, 'INTRANET_DEV');
      assert.equal(world.state.vcenter.datastores[made.placement.datastore]?.name, doc.placement.datastore);
      assert.equal(applied.outputs.find((o) => o.name === 'vm_id')?.value, made.vm);

      const again = plan(world, planInput(files, false, applied.resources));
      assert.deepEqual(again.changes, [], 'a second plan of the same VM changes nothing');
      const destroy = plan(world, planInput(files, true, applied.resources));
      apply(world, planInput(files, true, applied.resources), destroy.changes, 'run-destroy');
      assert.equal(world.vcenter.listVms({ names: ['web-01'] }).length, 0);
    });

    it('clones the image template with guest customization for a real vSphere', () => {
      const linux = JSON.parse(
        renderVmConfiguration(vm(), { ...lab, cloneFromTemplate: true }).files['main.tf.json']!,
      );
      const machine = linux.resource.vsphere_virtual_machine.vm;
      assert.equal(machine.clone[0].template_uuid, '${data.vsphere_virtual_machine.template.id}');
      assert.deepEqual(machine.clone[0].customize[0].network_interface, [
        { ipv4_address: '${var.ipv4_address}', ipv4_netmask: '${var.ipv4_prefix_length}' },
      ]);
      assert.ok(machine.clone[0].customize[0].linux_options);
      const windows = JSON.parse(
        renderVmConfiguration(vm({ osImage: 'windows2022', disks: [{ sizeGb: 100 }] }), {
          ...lab,
          cloneFromTemplate: true,
        }).files['main.tf.json']!,
      );
      assert.deepEqual(windows.resource.vsphere_virtual_machine.vm.clone[0].customize[0].windows_options, {
        computer_name: '${var.hostname}',
      });
    });
  });

  describe('render tasks', () => {
    it('ansible:render-extra-vars names the job template of the action', async () => {
      const deps = createAnsibleDeps({
        jobTemplates: { create: 'vm-create', delete: 'vm-delete', update: 'vm-update', power: 'vm-power' },
      });
      const out = (await runTask(renderExtraVars, deps, { document: vm(), action: 'delete' })) as {
        jobTemplateName: string;
        extraVars: Record<string, unknown>;
      };
      assert.deepEqual(out, {
        jobTemplateName: 'vm-delete',
        extraVars: { vm_name: 'web-01', datacenter: 'LAB-DC1', folder: 'Orchestrated' },
      });
    });

    it('ansible:render-extra-vars configures with the job template it is given, and refuses to guess one', async () => {
      const deps = createAnsibleDeps({
        jobTemplates: { create: 'vm-create', delete: 'vm-delete', update: 'vm-update', power: 'vm-power' },
      });
      const out = (await runTask(renderExtraVars, deps, {
        document: vm(),
        action: 'configure',
        jobTemplate: 'baseline-and-monitoring',
      })) as { jobTemplateName: string; extraVars: Record<string, unknown> };
      assert.equal(out.jobTemplateName, 'baseline-and-monitoring');
      assert.deepEqual(out.extraVars, configureVmExtraVars(vm()));
      const failure = await taskFailure(renderExtraVars, deps, { document: vm(), action: 'configure' });
      assert.equal(failure.type, 'InvalidInput');
      assert.equal(failure.nonRetryable, true);
    });

    it('ansible:render-extra-vars fits the input of the awx-run-job-template template', async () => {
      const deps = createAnsibleDeps({
        jobTemplates: { create: 'vm-create', delete: 'vm-delete', update: 'vm-update', power: 'vm-power' },
      });
      const out = (await runTask(renderExtraVars, deps, { document: vm(), action: 'create' })) as {
        jobTemplateName: string;
        extraVars: Record<string, unknown>;
      };
      const template = JSON.parse(
        readFileSync(path.join(projectRoot, 'templates', 'awx-run-job-template.json'), 'utf8'),
      );
      const validate = new Ajv({ allErrors: true, strict: false }).compile(template.input);
      const input = { jobTemplate: out.jobTemplateName, extraVars: out.extraVars };
      assert.equal(validate(input), true, JSON.stringify(validate.errors));
    });

    it('refuses a document outside the common format, naming the field, without retries', async () => {
      const bad = { ...vm(), memoryMb: -1 };
      const ansible = await taskFailure(
        renderExtraVars,
        createAnsibleDeps({ jobTemplates: { create: 'c', delete: 'd', update: 'u', power: 'p' } }),
        {
          document: bad,
          action: 'create',
        },
      );
      const terraform = await taskFailure(renderConfiguration, createTerraformDeps(lab), { document: bad });
      for (const failure of [ansible, terraform]) {
        assert.equal(failure.type, 'InvalidInput');
        assert.equal(failure.nonRetryable, true);
        assert.match(failure.message, /input\.document\.memoryMb/);
      }
    });
  });
});
