/**
 * `GET /v1/system/status` as an operator's dashboard reads it: the worker of each queue, the API
 * process, Temporal and PostgreSQL; a worker process killed with SIGKILL drops out within seconds
 * and is listed again once restarted.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allTaskQueues } from '../../../common/task-queues';
import { secretVariables } from '../../../platform/end-systems';
import { waitFor } from '../../../platform/net';
import { startProcess, type ManagedProcess } from '../../../platform/processes';
import type { SystemStatus } from '../../../api/routes/system/status';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, type TestApi } from '../api/api-client';

const projectRoot = path.join(__dirname, '../../..');

describe('GET /v1/system/status', function () {
  this.timeout(240_000);
  let stack: TestStack;
  let api: TestApi;
  let admin: string;
  let worker: ManagedProcess | undefined;

  const status = async () => {
    const res = await api.call<SystemStatus>('GET', '/v1/system/status', { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  /** A worker process of the project (workers/main.ts) on the test stack; resolves once it polls. */
  async function startWorker(): Promise<ManagedProcess> {
    let polling: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (polling = resolve));
    const output: string[] = [];
    const child = startProcess('worker', process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        ...stack.endSystemsEnv,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
        DATABASE_URL: stack.databaseUrl,
        RFM_GIT_BASE_URL: pathToFileURL(path.join(stack.tmpDir, 'git')).href,
        RFM_GIT_WORK_DIR: path.join(stack.tmpDir, 'rfm-work-status'),
        LOG_LEVEL: 'info',
      },
      onLine: (line) => {
        output.push(line);
        if (line.includes('workers polling')) polling();
      },
    });
    await Promise.race([
      ready,
      child.exited.then((code) => {
        throw new Error(`the worker exited during start-up (${code}):\n${output.slice(-20).join('\n')}`);
      }),
    ]);
    return child;
  }

  before(async () => {
    stack = await getStack();
    api = await startTestApi(stack);
    admin = await api.tokenFor('admin');
  });
  after(async () => {
    await worker?.stop();
    await api?.close();
  });

  it('is for admins only', async () => {
    const requester = await api.tokenFor('requester');
    assert.equal((await api.call('GET', '/v1/system/status', { token: requester })).status, 403);
    assert.equal((await api.call('GET', '/v1/system/status')).status, 401);
  });

  it('lists the worker of each queue, the API process, Temporal and PostgreSQL', async () => {
    const body = await status();
    for (const queue of allTaskQueues)
      assert.ok(
        body.workers.some((w) => w.queues.some((q) => q.taskQueue === queue)),
        `no worker listed for ${queue}: ${JSON.stringify(body.workers)}`,
      );
    assert.equal(body.temporal.reachable, true);
    assert.equal(body.temporal.namespace, stack.namespace);
    assert.match(body.temporal.version ?? '', /^\d+\.\d+/);
    assert.equal(body.postgres.reachable, true);
    assert.ok(
      body.apiProcesses.some((p) => p.details.url === api.baseUrl && p.pid === process.pid),
      JSON.stringify(body.apiProcesses),
    );
  });

  it("reports each end system's URL without credentials, whether it answers and the version it reports", async () => {
    const byName = async () => Object.fromEntries((await status()).endSystems.map((e) => [e.system, e]));
    await waitFor('every end system probed once', async () =>
      Object.values(await byName()).every((e) => e.lastChecked !== null),
    );
    const systems = await byName();
    assert.deepEqual(Object.keys(systems).sort(), ['aci', 'awx', 'smtp', 'tfe', 'vcenter']);
    for (const e of Object.values(systems)) {
      assert.equal(e.configured, true, JSON.stringify(e));
      assert.equal(e.reachable, true, JSON.stringify(e));
      assert.match(e.url ?? '', /^(https?|smtps?):\/\/[^@]+$/, 'a URL with no credentials in it');
    }
    // The versions the simulators report as the products do.
    assert.equal(systems.awx!.version, '24.6.1');
    assert.equal(systems.tfe!.version, 'v202410-1');
    assert.equal(systems.tfe!.product, 'Terraform Enterprise');
    assert.equal(systems.vcenter!.version, 'vSphere API 8.0.2.0');
    assert.match(systems.smtp!.product ?? '', /ESMTP/);
    const text = JSON.stringify(systems);
    const secrets = secretVariables.map((k) => stack.endSystemsEnv[k]).filter((v): v is string => !!v);
    assert.ok(secrets.length >= 4);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'no credential in the status');
  });

  it('drops a killed worker within seconds and lists it again once restarted', async () => {
    worker = await startWorker();
    const identity = `${worker.child.pid}@`;
    const listed = (s: SystemStatus) => s.workers.find((w) => w.identity.startsWith(identity));
    await waitFor('the new worker to be listed on every queue', async () => {
      const w = listed(await status());
      return !!w && allTaskQueues.every((q) => w.queues.some((x) => x.taskQueue === q));
    });
    const shown = listed(await status())!;
    assert.equal(shown.pid, worker.child.pid);
    assert.ok(shown.version, 'a worker process reports its version');
    assert.ok(
      Array.isArray(shown.slots) && shown.slots.length === allTaskQueues.length,
      JSON.stringify(shown),
    );

    process.kill(-worker.child.pid!, 'SIGKILL');
    await worker.exited;
    const killedAt = Date.now();
    await waitFor('the killed worker to drop out', async () => !listed(await status()), 30_000, 250);
    assert.ok(Date.now() - killedAt < 20_000, `took ${Date.now() - killedAt} ms`);

    worker = await startWorker();
    const again = `${worker.child.pid}@`;
    await waitFor('the restarted worker to be listed', async () =>
      (await status()).workers.some((w) => w.identity.startsWith(again)),
    );
  });
});
