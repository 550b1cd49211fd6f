/**
 * The crash test of issue 4: a worker process is killed (SIGKILL) after an AWX launch — or a TFE
 * run creation — has reached the end system and before the activity completed; another worker
 * process takes the retried attempt, and the step ends with exactly one job (one run), adopted
 * through the idempotency key. A proxy in front of the simulator lets the request through and
 * holds its answer, so the kill lands exactly in that window.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createTfeDeps, tfeSystem } from '../../activities/tfe';
import { freePort } from '../../platform/net';
import { SIMULATED_TFE_ORGANIZATION } from '../../platform/simulated-end-systems';
import { getStack, type TestStack } from '../harness/stack';
import { vmModule } from '../simulators/tfe-fixture';
import { configFor, runTask } from './fixtures';

/** Forwards to `target`; the first request `hold` picks is sent on, but its answer never returned. */
async function holdingProxy(target: string, hold: (method: string, url: string) => boolean) {
  const events = new EventEmitter();
  let held = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      try {
        const answer = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await answer.arrayBuffer());
        if (!held && hold(req.method!, req.url!)) {
          held = true;
          events.emit('held', JSON.parse(body.toString('utf8')));
          return; // the caller waits for an answer that never comes
        }
        res.writeHead(
          answer.status,
          Object.fromEntries(
            [...answer.headers].filter(([k]) => k !== 'content-encoding' && k !== 'transfer-encoding'),
          ),
        );
        res.end(body);
      } catch {
        res.destroy();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => new Promise<unknown>((resolve) => events.once('held', resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a worker process for `system` on `taskQueue`; resolves once it polls. */
async function startWorkerProcess(
  stack: TestStack,
  system: 'awx' | 'tfe',
  taskQueue: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'crash', 'activity-worker.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
        CRASH_SYSTEM: system,
        CRASH_TASK_QUEUE: taskQueue,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('polling') && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}): ${errors}`)));
  });
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

describe('a worker killed mid-activity: exactly one job, exactly one run', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let workflowWorker: Worker;
  let running: Promise<void>;
  const children: ChildProcess[] = [];

  before(async () => {
    stack = await getStack();
    workflowWorker = await Worker.create({
      connection: stack.nativeConnection,
      namespace: stack.namespace,
      taskQueue: 'crash-test-workflows',
      workflowsPath: require.resolve('./crash/workflows'),
    });
    running = workflowWorker.run();
  });
  after(async () => {
    for (const child of children) await kill(child, 'SIGTERM');
    workflowWorker?.shutdown();
    await running;
  });

  /** Runs `taskId` in a workflow whose first attempt dies with its worker after `hold` let the request through. */
  async function crashAndRecover(opts: {
    system: 'awx' | 'tfe';
    taskId: string;
    input: unknown;
    target: string;
    hold: (method: string, url: string) => boolean;
    env: (proxyUrl: string) => Record<string, string>;
  }) {
    const proxy = await holdingProxy(opts.target, opts.hold);
    const taskQueue = `crash-${opts.system}-${Date.now()}`;
    try {
      const first = await startWorkerProcess(stack, opts.system, taskQueue, opts.env(proxy.url));
      children.push(first);
      const handle = await stack.client.workflow.start('runTaskOnce', {
        taskQueue: 'crash-test-workflows',
        workflowId: `crash-test/${taskQueue}`,
        args: [{ taskId: opts.taskId, taskQueue, input: opts.input }],
      });
      const heldAnswer = await proxy.held();
      await kill(first, 'SIGKILL');
      const second = await startWorkerProcess(stack, opts.system, taskQueue, opts.env(proxy.url));
      children.push(second);
      const result = await handle.result();
      const history = await handle.fetchHistory();
      const attempts = history
        .events!.filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
      return {
        result: result as Record<string, unknown>,
        heldAnswer: heldAnswer as Record<string, unknown>,
        attempts,
      };
    } finally {
      await proxy.close();
    }
  }

  it('AWX: the launch reached AWX, the worker died, the retry adopts the job', async () => {
    const env = stack.endSystemsEnv;
    const templates = await fetch(`${env.AWX_URL}/api/v2/job_templates/?name=vm-create`, {
      headers: { authorization: `Bearer ${env.AWX_TOKEN}` },
    }).then((r) => r.json() as Promise<{ results: { id: number }[] }>);
    const launchedBefore = stack.sims.world.counter('awx.jobs.launched');
    const { result, heldAnswer, attempts } = await crashAndRecover({
      system: 'awx',
      taskId: 'awx:launch-job-template',
      input: { jobTemplate: templates.results[0]!.id, extraVars: { vm_name: 'crash-awx-01' } },
      target: env.AWX_URL!,
      hold: (method, url) => method === 'POST' && url.includes('/launch/'),
      env: (proxyUrl) => ({ AWX_URL: proxyUrl, AWX_TOKEN: env.AWX_TOKEN! }),
    });
    assert.equal(
      stack.sims.world.counter('awx.jobs.launched') - launchedBefore,
      1,
      'exactly one job launched',
    );
    assert.equal(result.job, heldAnswer.job, 'the workflow got the job whose answer was lost');
    assert.equal(result.adopted, true);
    assert.ok(Math.max(...attempts) >= 2, `retried after the crash (attempts ${attempts})`);
  });

  it('TFE: the run was created, the worker died, the retry adopts the run', async () => {
    const env = stack.endSystemsEnv;
    const deps = createTfeDeps(configFor.tfe(env.TFE_URL!, env.TFE_TOKEN!, SIMULATED_TFE_ORGANIZATION));
    const task = (id: string) => tfeSystem.tasks.find((t) => t.id === id)!;
    const ws = await runTask(task('tfe:ensure-workspace'), deps, { name: `crash-ws-${Date.now()}` });
    const cv = await runTask(task('tfe:create-configuration-version'), deps, { workspaceId: ws.workspaceId });
    await runTask(task('tfe:upload-configuration'), deps, {
      configurationVersionId: cv.configurationVersionId,
      sealedUploadUrl: cv.sealedUploadUrl,
      files: vmModule(),
    });
    await runTask(task('tfe:set-variables'), deps, {
      workspaceId: ws.workspaceId,
      variables: [{ key: 'vm_name', value: 'crash-tfe-01' }],
    });
    await deps.tfe.http.close();
    const runsBefore = stack.sims.world.counter('tfe.runs.created');
    const { result, heldAnswer, attempts } = await crashAndRecover({
      system: 'tfe',
      taskId: 'tfe:create-run',
      input: {
        workspaceId: ws.workspaceId,
        configurationVersionId: cv.configurationVersionId,
        message: 'crash test',
      },
      target: env.TFE_URL!,
      hold: (method, url) => method === 'POST' && url.startsWith('/api/v2/runs'),
      env: (proxyUrl) => ({
        TFE_URL: proxyUrl,
        TFE_TOKEN: env.TFE_TOKEN!,
        TFE_ORGANIZATION: SIMULATED_TFE_ORGANIZATION,
      }),
    });
    assert.equal(stack.sims.world.counter('tfe.runs.created') - runsBefore, 1, 'exactly one run created');
    assert.equal(
      result.runId,
      (heldAnswer.data as { id: string }).id,
      'the workflow got the run whose answer was lost',
    );
    assert.equal(result.adopted, true);
    assert.ok(Math.max(...attempts) >= 2, `retried after the crash (attempts ${attempts})`);
  });
});
