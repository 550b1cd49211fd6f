/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the upstream JSON:API documents by path, as a client would */
/** A running TFE simulator over a fresh world in a temp directory, with helpers that speak its API. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tarGz } from '../../activities/tfe/archive';
import { createContext, type SimulatorContext } from '../../simulators/common';
import { startTfe } from '../../simulators/tfe';

/** The organization the simulator seeds. */
export const ORG = 'lab';
const TOKEN = 'test-token.atlasv1.simulated';

/** An answer: status, headers and the parsed JSON body (undefined when empty). */
export interface Answer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

/** The TFE simulator for one test. */
export interface TfeFixture {
  url: string;
  ctx: SimulatorContext;
  dataDir: string;
  token: string;
  /** Calls `/api/v2<path>` with the bearer token (or `token` when given, null for none). */
  api(method: string, apiPath: string, body?: unknown, token?: string | null): Promise<Answer>;
  createWorkspace(name: string, attributes?: Record<string, unknown>): Promise<string>;
  setVariable(workspaceId: string, key: string, value: string, extra?: Record<string, unknown>): Promise<any>;
  /** Creates a configuration version, uploads `files` and waits until it is uploaded. */
  uploadConfiguration(
    workspaceId: string,
    files: Record<string, string>,
    autoQueueRuns?: boolean,
  ): Promise<string>;
  createRun(workspaceId: string, attributes?: Record<string, unknown>, cvId?: string): Promise<any>;
  /** Polls a run until its status is one of `statuses`; returns the run and every status seen. */
  waitForRun(runId: string, statuses: string[], timeoutMs?: number): Promise<{ run: any; seen: string[] }>;
  counter(name: string): number;
  stop(): Promise<void>;
  restart(): Promise<TfeFixture>;
}

/** A root module describing one VM the way the vSphere provider takes it. */
export function vmModule(extraOutputs: Record<string, unknown> = {}): Record<string, string> {
  return {
    'main.tf.json': JSON.stringify({
      terraform: { required_providers: { vsphere: { source: 'hashicorp/vsphere' } } },
      variable: {
        vm_name: { type: 'string' },
        cpu: { type: 'number', default: 2 },
        memory_mb: { type: 'number', default: 4096 },
        disk_gb: { type: 'number', default: 50 },
        network: { type: 'string', default: 'INTRANET_DEV' },
        cluster: { type: 'string', default: 'CL-DEV-01' },
        datastore: { type: 'string', default: 'DS-DEV-01' },
      },
      data: {
        vsphere_datacenter: { dc: { name: 'LAB-DC1' } },
        vsphere_compute_cluster: {
          cluster: { name: '${var.cluster}', datacenter_id: '${data.vsphere_datacenter.dc.id}' },
        },
        vsphere_datastore: {
          ds: { name: '${var.datastore}', datacenter_id: '${data.vsphere_datacenter.dc.id}' },
        },
        vsphere_network: {
          net: { name: '${var.network}', datacenter_id: '${data.vsphere_datacenter.dc.id}' },
        },
      },
      resource: {
        vsphere_virtual_machine: {
          vm: {
            name: '${var.vm_name}',
            resource_pool_id: '${data.vsphere_compute_cluster.cluster.resource_pool_id}',
            datastore_id: '${data.vsphere_datastore.ds.id}',
            folder: 'Orchestrated',
            num_cpus: '${var.cpu}',
            memory: '${var.memory_mb}',
            guest_id: 'rhel9_64Guest',
            network_interface: [{ network_id: '${data.vsphere_network.net.id}', adapter_type: 'vmxnet3' }],
            disk: [{ label: 'disk0', size: '${var.disk_gb}' }],
          },
        },
      },
      output: {
        vm_id: { value: '${vsphere_virtual_machine.vm.moid}' },
        ip_address: { value: '${vsphere_virtual_machine.vm.default_ip_address}' },
        ...extraOutputs,
      },
    }),
  };
}

/** Starts the TFE simulator; durations default to 0 so runs move as fast as the timers allow. */
export async function startTfeFixture(
  options: { dataDir?: string; durations?: Record<string, number>; documentedRateLimits?: boolean } = {},
): Promise<TfeFixture> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tfe-sim-'));
  const durations = options.durations ?? { '*': 0 };
  const ctx = createContext({ dataDir, durations, credentials: { tfe: { token: TOKEN } } });
  const running = await startTfe(ctx);
  if (!options.documentedRateLimits) {
    // The tests poll far faster than 30 requests a second; only the rate-limit tests keep the documented limits.
    await fetch(`${running.url}/_sim/tfe/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate_limit_per_second: 100_000, run_list_per_minute: 100_000 }),
    });
  }
  const api = async (
    method: string,
    apiPath: string,
    body?: unknown,
    token: string | null = TOKEN,
  ): Promise<Answer> => {
    const headers: Record<string, string> = { accept: 'application/vnd.api+json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/vnd.api+json';
    const res = await fetch(`${running.url}/api/v2${apiPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  const fixture: TfeFixture = {
    url: running.url,
    ctx,
    dataDir,
    token: TOKEN,
    api,
    async createWorkspace(name, attributes = {}) {
      const res = await api('POST', `/organizations/${ORG}/workspaces`, {
        data: { type: 'workspaces', attributes: { name, ...attributes } },
      });
      assert.equal(res.status, 201, res.text);
      return res.json.data.id;
    },
    async setVariable(workspaceId, key, value, extra = {}) {
      const res = await api('POST', `/workspaces/${workspaceId}/vars`, {
        data: { type: 'vars', attributes: { key, value, category: 'terraform', ...extra } },
      });
      assert.equal(res.status, 201, res.text);
      return res.json.data;
    },
    async uploadConfiguration(workspaceId, files, autoQueueRuns = false) {
      const created = await api('POST', `/workspaces/${workspaceId}/configuration-versions`, {
        data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': autoQueueRuns } },
      });
      assert.equal(created.status, 201, created.text);
      const put = await fetch(created.json.data.attributes['upload-url'], {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: tarGz(files),
      });
      assert.equal(put.status, 200);
      const id = created.json.data.id as string;
      const deadline = Date.now() + 5000;
      for (;;) {
        const cv = await api('GET', `/configuration-versions/${id}`);
        if (cv.json.data.attributes.status !== 'pending') {
          assert.equal(cv.json.data.attributes.status, 'uploaded', cv.text);
          return id;
        }
        if (Date.now() > deadline) throw new Error(`configuration version ${id} stayed pending`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async createRun(workspaceId, attributes = {}, cvId) {
      const res = await api('POST', '/runs', {
        data: {
          type: 'runs',
          attributes: { message: 'test run', ...attributes },
          relationships: {
            workspace: { data: { type: 'workspaces', id: workspaceId } },
            ...(cvId
              ? { 'configuration-version': { data: { type: 'configuration-versions', id: cvId } } }
              : {}),
          },
        },
      });
      assert.equal(res.status, 201, res.text);
      return res.json.data;
    },
    async waitForRun(runId, statuses, timeoutMs = 5000) {
      const seen: string[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await api('GET', `/runs/${runId}`);
        assert.equal(res.status, 200, res.text);
        const status = res.json.data.attributes.status as string;
        if (seen.at(-1) !== status) seen.push(status);
        if (statuses.includes(status)) return { run: res.json.data, seen };
        if (Date.now() > deadline)
          throw new Error(`run ${runId} is ${status}, not ${statuses.join('|')}; saw ${seen.join(' → ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    counter: (name) => ctx.world.counter(name),
    async stop() {
      await running.stop();
      ctx.world.close();
    },
    async restart() {
      await fixture.stop();
      return startTfeFixture({ ...options, dataDir, durations });
    },
  };
  return fixture;
}
