/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the upstream JSON documents by path, as a client would */
/**
 * The lab coupling seen from outside: a VM workspace applied through the TFE simulator's API is
 * visible through the vCenter simulator's own REST API, and gone from it after a destroy run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderVmConfiguration } from '../../activities/terraform/configuration';
import { tarGz } from '../../activities/tfe/archive';
import { choosePlacement } from '../../resource-handlers/placement';
import { labCatalog } from '../../resource-handlers/store/seed';
import { virtualMachine } from '../../resource-handlers/virtual_machine';
import { startSimulators, type RunningSimulators } from '../../simulators';
import { ORG, vmModule } from './tfe-fixture';

describe('TFE simulator with the vCenter simulator', () => {
  let sims: RunningSimulators;
  let dataDir: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfe-vcenter-'));
    sims = await startSimulators({
      dataDir,
      durations: { '*': 0 },
      systems: ['tfe', 'vcenter'],
      logLevel: 'silent',
    });
    await fetch(`${sims.urls.tfe}/_sim/tfe/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate_limit_per_second: 100_000 }),
    });
  });
  after(async () => {
    await sims.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const tfe = async (method: string, apiPath: string, body?: unknown) => {
    const res = await fetch(`${sims.urls.tfe}/api/v2${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${sims.credentials.tfe.token}`,
        'content-type': 'application/vnd.api+json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  const vcenter = async (apiPath: string) => {
    const { username, password } = sims.credentials.vcenter;
    const login = await fetch(`${sims.urls.vcenter}/api/session`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    const session = (await login.json()) as string;
    const res = await fetch(`${sims.urls.vcenter}${apiPath}`, {
      headers: { 'vmware-api-session-id': session },
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  const runToEnd = async (body: unknown) => {
    const created = await tfe('POST', '/runs', body);
    assert.equal(created.status, 201);
    const deadline = Date.now() + 5000;
    for (;;) {
      const run = await tfe('GET', `/runs/${created.json.data.id}`);
      const status = run.json.data.attributes.status;
      if (['applied', 'errored', 'planned_and_finished', 'discarded', 'canceled'].includes(status))
        return status;
      if (Date.now() > deadline) throw new Error(`run stuck in ${status}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it("clones the wrapper's module from the lab template, and vCenter reports the IPAM's address as the guest's", async () => {
    const input = virtualMachine.input.parse({
      type: 'virtual_machine',
      name: 'cl-01',
      osImage: 'rhel9',
      network: 'INTRANET_PROD',
      cpu: 2,
      memoryGb: 4,
      disks: [{ sizeGb: 50 }],
      managed: true,
    });
    const catalog = labCatalog();
    const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
    const doc = virtualMachine.emit(input, catalog, {
      placement,
      address: { network: 'INTRANET_PROD', address: '10.10.0.200' },
    });
    const rendered = renderVmConfiguration(doc, {
      workspacePrefix: 'vm-',
      vsphereProviderVersion: '~> 2.6',
      cloneFromTemplate: true,
    });
    const ws = await tfe('POST', `/organizations/${ORG}/workspaces`, {
      data: { type: 'workspaces', attributes: { name: rendered.workspaceName, 'auto-apply': true } },
    });
    const cv = await tfe('POST', `/workspaces/${ws.json.data.id}/configuration-versions`, {
      data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } },
    });
    await fetch(cv.json.data.attributes['upload-url'], { method: 'PUT', body: tarGz(rendered.files) });
    for (let i = 0; i < 200; i++) {
      const read = await tfe('GET', `/configuration-versions/${cv.json.data.id}`);
      if (read.json.data.attributes.status === 'uploaded') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const relationships = {
      workspace: { data: { type: 'workspaces', id: ws.json.data.id } },
      'configuration-version': { data: { type: 'configuration-versions', id: cv.json.data.id } },
    };
    assert.equal(
      await runToEnd({ data: { type: 'runs', attributes: { message: 'clone' }, relationships } }),
      'applied',
    );
    const [summary] = (await vcenter('/api/vcenter/vm?names=cl-01')).json;
    const identity = await vcenter(`/api/vcenter/vm/${summary.vm}/guest/identity`);
    assert.equal(identity.status, 200);
    assert.equal(identity.json.ip_address, '10.10.0.200');
    assert.equal(identity.json.host_name, doc.hostname);
    assert.equal(identity.json.name, 'RHEL_9_64');
  });

  it('creates the VM that vCenter then reports with its CPU, memory, disk and network, and destroys it', async () => {
    const ws = await tfe('POST', `/organizations/${ORG}/workspaces`, {
      data: { type: 'workspaces', attributes: { name: 'vm-db-01', 'auto-apply': true } },
    });
    const wsId = ws.json.data.id;
    for (const [key, value] of [
      ['vm_name', 'db-01'],
      ['cpu', '4'],
      ['memory_mb', '16384'],
      ['disk_gb', '200'],
      ['network', 'INTRANET_PROD'],
      ['cluster', 'CL-PROD-01'],
      ['datastore', 'DS-PROD-01'],
    ]) {
      await tfe('POST', `/workspaces/${wsId}/vars`, {
        data: { type: 'vars', attributes: { key, value, category: 'terraform' } },
      });
    }
    const cv = await tfe('POST', `/workspaces/${wsId}/configuration-versions`, {
      data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } },
    });
    await fetch(cv.json.data.attributes['upload-url'], { method: 'PUT', body: tarGz(vmModule()) });
    for (let i = 0; i < 200; i++) {
      const read = await tfe('GET', `/configuration-versions/${cv.json.data.id}`);
      if (read.json.data.attributes.status === 'uploaded') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const relationships = {
      workspace: { data: { type: 'workspaces', id: wsId } },
      'configuration-version': { data: { type: 'configuration-versions', id: cv.json.data.id } },
    };
    assert.equal(
      await runToEnd({ data: { type: 'runs', attributes: { message: 'create' }, relationships } }),
      'applied',
    );

    const list = await vcenter('/api/vcenter/vm?names=db-01');
    assert.equal(list.json.length, 1);
    const vm = await vcenter(`/api/vcenter/vm/${list.json[0].vm}`);
    assert.equal(vm.json.cpu.count, 4);
    assert.equal(vm.json.memory.size_MiB, 16384);
    assert.deepEqual(
      Object.values(vm.json.disks).map((d: any) => d.capacity),
      [200 * 1024 ** 3],
    );
    const nic = Object.values(vm.json.nics)[0] as any;
    assert.equal(nic.backing.network, 'dvportgroup-17');
    assert.equal(vm.json.power_state, 'POWERED_ON');

    assert.equal(
      await runToEnd({
        data: { type: 'runs', attributes: { message: 'destroy', 'is-destroy': true }, relationships },
      }),
      'applied',
    );
    assert.deepEqual((await vcenter('/api/vcenter/vm?names=db-01')).json, []);
  });
});
