/**
 * `npm run bench`: starts the embedded stack with zero-latency simulators in a temporary folder,
 * measures the interpreter against a hand-written workflow, end-to-end latency, the API under a
 * fixed offered load, sustained throughput, fan-outs of 200 and 1,000 VMs and the memory of the worker and the
 * API, then prints a table and writes bench/results/<time>.json (and latest.json).
 *
 * Sizes come from the environment (see bench/README.md): BENCH_DAG_RUNS, BENCH_E2E_REQUESTS,
 * BENCH_API_RATE, BENCH_API_SECONDS, BENCH_THROUGHPUT_SECONDS, BENCH_THROUGHPUT_IN_FLIGHT,
 * BENCH_FANOUT_VMS, BENCH_DRAIN_SECONDS, BENCH_STORM_MANAGED, BENCH_STORM_UNMANAGED,
 * BENCH_STORM_TFE_RUNS, BENCH_DYNAMIC_CONFIG, BENCH_PHASES (comma list of phases to run; `--only
 * storm` on the command line does the same). The bare phase runs the bare-Temporal request and
 * reports the real request's e2e and throughput as ratios to it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { loadTest, type LoadTestOptions, type LoadTestResult } from 'loadtest';
import { Client, ServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { connectTemporalClient, temporalAt } from '../platform/temporal/connection';
import { temporal } from '@temporalio/proto';
import { createVcenterDeps } from '../activities/vcenter';
import { issueToken } from '../api/auth/tokens';
import { DEFAULT_BATCH_SIZE, requestOutcome, type RequestProgress } from '../common/request';
import { traceSearchAttributes } from '../common/search-attributes';
import { createPool } from '../platform/db/pool';
import { loadEndSystemsConfig } from '../platform/end-systems';
import { waitFor } from '../platform/net';
import { ensureTemporalCli } from '../platform/temporal/cli';
import { breakdown, shapeDifferences } from './breakdown';
import { BENCH_TASK_QUEUE, BENCH_TEMPLATE, benchPlan } from './dag';
import { BENCH_NETWORK, startBenchStack, type BenchStack } from './stack';
import { procMemoryMiB, RssSampler, scrapeMetrics, summary, treeCpuMs } from './stats';
import { bareQueue } from './bare';
import { backgroundNiceness } from '../platform/processes';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../workers/workers';

const numberEnv = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sizes = {
  dagRuns: numberEnv('BENCH_DAG_RUNS', 30),
  e2eRequests: numberEnv('BENCH_E2E_REQUESTS', 100),
  apiRate: numberEnv('BENCH_API_RATE', 50),
  apiSeconds: numberEnv('BENCH_API_SECONDS', 10),
  throughputSeconds: numberEnv('BENCH_THROUGHPUT_SECONDS', 60),
  throughputInFlight: numberEnv('BENCH_THROUGHPUT_IN_FLIGHT', 20),
  /** Worker processes the throughput window runs with, one window each: `BENCH_THROUGHPUT_WORKERS=1,2`. */
  throughputWorkers: (process.env.BENCH_THROUGHPUT_WORKERS ?? '1,2')
    .split(',')
    .map((n) => Number(n.trim()))
    .sort((a, b) => a - b),
  /** The sizes of the fan-out requests, one request each: `BENCH_FANOUT_VMS=200,1000`. */
  fanOutVms: (process.env.BENCH_FANOUT_VMS ?? '200,1000').split(',').map((n) => Number(n.trim())),
  drainSeconds: numberEnv('BENCH_DRAIN_SECONDS', 600),
  stormManaged: numberEnv('BENCH_STORM_MANAGED', 100),
  stormUnmanaged: numberEnv('BENCH_STORM_UNMANAGED', 10),
  /** TFE runs of the organization that plan or apply at once in the storm; 0: no limit. */
  stormTfeRuns: numberEnv('BENCH_STORM_TFE_RUNS', 0),
  /** The admin setting `runningPerRequester` for the run; unset: the default. */
  runningPerRequester: process.env.BENCH_RUNNING_PER_REQUESTER
    ? Number(process.env.BENCH_RUNNING_PER_REQUESTER)
    : undefined,
};
const allPhases = ['interpreter', 'e2e', 'api', 'throughput', 'bare', 'fanout', 'storm'] as const;
type Phase = (typeof allPhases)[number];
const { values: args } = parseArgs({ options: { only: { type: 'string' } } });
const phaseList = (args.only ?? process.env.BENCH_PHASES)?.split(',').map((p) => p.trim());
for (const p of phaseList ?? [])
  if (!(allPhases as readonly string[]).includes(p)) {
    process.stderr.write(`[bench] unknown phase ${p}: the phases are ${allPhases.join(', ')}\n`);
    process.exit(2);
  }
const phases = new Set<Phase>((phaseList as Phase[] | undefined) ?? allPhases);

const targets = {
  interpreterWallRatio: 1.15,
  interpreterEventsRatio: 1.2,
  /** Issue 21's targets for one unmanaged VM with zero-latency simulators (POST to the VM in vCenter). */
  e2eP50Ms: 500,
  e2eP99Ms: 1000,
  apiP99Ms: 100,
  fanOutMaxEvents: 10_000,
  fanOutMaxBytes: 5 * 1024 * 1024,
  stormProbeRatio: 3,
  /** The real request's throughput over the bare-Temporal request's, at least. */
  bareThroughputRatio: 0.85,
  /** The real request's end-to-end p50 over the bare-Temporal request's, at most. */
  bareE2eP50Ratio: 1.2,
  workerPeakRssMiB: 600,
};

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
/** A VM name unique in this run (the pattern the resource handler accepts). */
const vmName = (prefix: string) => `${prefix}-${process.pid.toString(36)}-${(counter++).toString(36)}`;

function vm(name: string) {
  return {
    type: 'virtual_machine',
    name,
    osImage: 'rhel9',
    network: BENCH_NETWORK,
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 50 }],
  };
}

interface Context {
  stack: BenchStack;
  /** The stack's processes by name (worker, api, temporal), for their memory and CPU time. */
  pids: Record<string, number>;
  client: Client;
  token: string;
  /** Another requester's token: the storm's probe is someone else's request (docs/waits.md, "Workflow tasks"). */
  probeToken: string;
  rss: RssSampler;
}

/** loadtest's promise form (its bundled types predate it), with the per-answer fields used here. */
const runLoadTest = loadTest as unknown as (
  options: Omit<LoadTestOptions, 'body' | 'statusCallback'> & {
    body: () => string;
    statusCallback: (
      error: unknown,
      answer: { statusCode: number; body: string; requestElapsed: number } | undefined,
    ) => void;
  },
) => Promise<LoadTestResult>;

/** Submits a request through the API; the handle of the request workflow it started. */
async function submit(
  ctx: Context,
  resources: unknown[],
  token = ctx.token,
): Promise<{ handle: WorkflowHandle; requestId: string; traceId: string }> {
  const res = await fetch(`${ctx.stack.apiUrl}/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resources }),
  });
  const body = (await res.json()) as { requestId: string; traceId: string };
  if (res.status !== 202) throw new Error(`submission refused: ${res.status} ${JSON.stringify(body)}`);
  return { ...body, handle: ctx.client.workflow.getHandle(`${body.traceId}/${body.requestId}`) };
}

/**
 * The request's outcome: the API answers once the request is recorded and starts its workflow
 * right after, so the workflow may not exist yet when this is first asked.
 */
async function outcomeOf(client: Client, workflowId: string): Promise<RequestProgress> {
  for (;;) {
    try {
      return await requestOutcome(client.workflow.getHandle(workflowId).result());
    } catch (err) {
      // Not started yet, or the long poll for its result timed out on a loaded server: ask again.
      if (!(err instanceof WorkflowNotFoundError) && !(err instanceof ServiceError)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function historyOf(client: Client, workflowId: string, runId?: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return {
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
  };
}

/** The bench DAG as a template through the interpreter and hand-written, alternately, same input. */
async function interpreterCost(ctx: Context) {
  const plan = benchPlan();
  const value = { name: 'web-01', cpu: 2, memoryGb: 8, disks: [{ sizeGb: 100 }], tags: ['bench'] };
  const run = async (kind: 'template' | 'hand-written', i: number) => {
    const trace = {
      traceId: `bench-${kind}`,
      requestId: `run-${i}`,
      requester: 'bench',
      resourceType: 'bench',
      templateName: BENCH_TEMPLATE.name,
    };
    const workflowId = `bench/${kind}/${process.pid}/${i}`;
    const common = {
      taskQueue: BENCH_TASK_QUEUE,
      workflowId,
      typedSearchAttributes: traceSearchAttributes(trace),
    };
    const started = performance.now();
    if (kind === 'template')
      await ctx.client.workflow.execute('templateInterpreter', {
        ...common,
        args: [{ plan, input: { value }, trace }],
      });
    else await ctx.client.workflow.execute('benchHandWritten', { ...common, args: [{ value }] });
    return { ms: performance.now() - started, workflowId };
  };
  // Warm-up: the worker's bundle, the caches and the connections.
  for (let i = 0; i < 3; i++) {
    await run('template', -1 - i);
    await run('hand-written', -1 - i);
  }
  const times = { template: [] as number[], 'hand-written': [] as number[] };
  let last = { template: '', 'hand-written': '' };
  for (let i = 0; i < sizes.dagRuns; i++) {
    for (const kind of i % 2
      ? (['hand-written', 'template'] as const)
      : (['template', 'hand-written'] as const)) {
      const r = await run(kind, i);
      times[kind].push(r.ms);
      last = { ...last, [kind]: r.workflowId };
    }
  }
  const template = { wall: summary(times.template), history: await historyOf(ctx.client, last.template) };
  const handWritten = {
    wall: summary(times['hand-written']),
    history: await historyOf(ctx.client, last['hand-written']),
  };
  const wallRatio = round2(template.wall.p50 / handWritten.wall.p50);
  const eventsRatio = round2(template.history.events / handWritten.history.events);
  return {
    runs: sizes.dagRuns,
    template,
    handWritten,
    wallRatio,
    eventsRatio,
    bytesRatio: round2(template.history.bytes / handWritten.history.bytes),
    met: wallRatio <= targets.interpreterWallRatio && eventsRatio <= targets.interpreterEventsRatio,
  };
}

/**
 * CPU time each of the stack's processes used while `run` ran, per request: what one request
 * costs the machine, a figure the run's other load and timing hardly move.
 */
async function cpuPerRequest(ctx: Context, requests: number, run: () => Promise<void>) {
  const cpu = () =>
    Object.fromEntries(Object.entries(ctx.pids).map(([name, pid]) => [name, treeCpuMs(pid) ?? 0]));
  const before = cpu();
  await run();
  const after = cpu();
  return Object.fromEntries(
    Object.keys(ctx.pids).map((name) => [name, round2((after[name]! - before[name]!) / requests)]),
  );
}

/**
 * Single-VM requests one after another: submission to the VM in vCenter, and to the request's
 * end; and the CPU time one request costs each process.
 */
async function endToEnd(ctx: Context) {
  const { vcenter } = createVcenterDeps(loadEndSystemsConfig(ctx.stack.endSystemsEnv).vcenter!);
  const toVm: number[] = [];
  const toDone: number[] = [];
  let failed = 0;
  let lastTrace = '';
  const cpuMsPerRequest = await cpuPerRequest(ctx, sizes.e2eRequests, async () => {
    for (let i = 0; i < sizes.e2eRequests; i++) {
      const name = vmName('e2e');
      const started = performance.now();
      const { handle, traceId } = await submit(ctx, [vm(name)]);
      lastTrace = traceId;
      const result = outcomeOf(ctx.client, handle.workflowId);
      let settled = false;
      void result.finally(() => (settled = true)).catch(() => undefined);
      for (;;) {
        if ((await vcenter.listVms({ names: name })).length > 0) {
          toVm.push(performance.now() - started);
          break;
        }
        if (settled) break;
        await sleep(10);
      }
      const outcome = await result;
      toDone.push(performance.now() - started);
      if (outcome.status !== 'succeeded') failed++;
    }
  });
  const vmInVcenter = summary(toVm);
  return {
    requests: sizes.e2eRequests,
    failed,
    vmInVcenter,
    requestSucceeded: summary(toDone),
    cpuMsPerRequest,
    lastRequestBreakdown: await breakdown(ctx.client, lastTrace),
    met: failed === 0 && vmInVcenter.p50 <= targets.e2eP50Ms && vmInVcenter.p99 <= targets.e2eP99Ms,
  };
}

/**
 * A fixed offered load of single-VM submissions, then the wait for what they started. loadtest's
 * `requestsPerSecond` is open-loop: one submission every 1/rate s whatever the answers, on as many
 * keep-alive connections as are in flight, so a slow answer cannot hold the next ones back.
 * Latency is each submission's own, from its sending to its answer.
 */
async function apiLoad(ctx: Context) {
  const started: string[] = [];
  const latencies: number[] = [];
  let errors = 0;
  const result = await runLoadTest({
    url: `${ctx.stack.apiUrl}/v1/requests`,
    method: 'POST',
    requestsPerSecond: sizes.apiRate,
    maxRequests: sizes.apiRate * sizes.apiSeconds,
    agentKeepAlive: true,
    quiet: true,
    contentType: 'application/json',
    headers: { authorization: `Bearer ${ctx.token}` },
    body: () => JSON.stringify({ resources: [vm(vmName('api'))] }),
    statusCallback: (error, answer) => {
      if (answer) latencies.push(answer.requestElapsed);
      if (!error && answer?.statusCode === 202) {
        const { traceId, requestId } = JSON.parse(answer.body) as { traceId: string; requestId: string };
        started.push(`${traceId}/${requestId}`);
      } else errors++;
    },
  });
  const drainStarted = performance.now();
  // A system that cannot drain is a finding, not a reason to hang: unfinished ones are counted.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), sizes.drainSeconds * 1000);
  });
  const outcomes = await Promise.all(
    started.map((id) => Promise.race([outcomeOf(ctx.client, id), deadline])),
  );
  clearTimeout(timer);
  const drainSeconds = round2((performance.now() - drainStarted) / 1000);
  const { p50, p99, max } = summary(latencies);
  const latency = { p50, p99, max };
  return {
    offeredPerSecond: sizes.apiRate,
    seconds: round2(result.totalTimeSeconds),
    submissions: latencies.length,
    accepted: started.length,
    errors,
    submissionsPerSecond: round2(started.length / result.totalTimeSeconds),
    latencyMs: latency,
    workflowsSucceeded: outcomes.filter((o) => o?.status === 'succeeded').length,
    workflowsUnfinished: outcomes.filter((o) => o === undefined).length,
    drainSecondsAfterLoad: drainSeconds,
    met: latency.p99 < targets.apiP99Ms && errors === 0,
  };
}

/** Requests completed and failed over one window, with `throughputInFlight` always in flight. */
async function throughputWindow(ctx: Context) {
  const end = performance.now() + sizes.throughputSeconds * 1000;
  let completed = 0;
  let failed = 0;
  const lane = async () => {
    while (performance.now() < end) {
      const { handle } = await submit(ctx, [vm(vmName('tp'))]);
      const outcome = await outcomeOf(ctx.client, handle.workflowId);
      if (performance.now() > end) break;
      if (outcome.status === 'succeeded') completed++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: sizes.throughputInFlight }, lane));
  return { completed, failed, completedPerSecond: round2(completed / sizes.throughputSeconds) };
}

/**
 * Requests completed per second over a window, with a fixed number always in flight, on one
 * worker (its main process and its bulk lane's); the worker's peak resident memory meanwhile (its
 * two processes' peaks added), and what its workflow caches cost in replays. Then the same window
 * again with each larger count of `BENCH_THROUGHPUT_WORKERS` (workers, as `WORKER_PROCESSES`
 * starts them); the workers added are stopped afterwards, so later phases run on one.
 */
async function throughput(ctx: Context) {
  const metricsBefore = await scrapeMetrics(ctx.stack.workerMetricsUrls);
  const single = await throughputWindow(ctx);
  // The worker's two processes (its main one and its bulk lane's), each at its own peak.
  const phasePeaks = ctx.rss.sincePreviousMark();
  const workerPeakRssMiB = round2((phasePeaks.worker ?? Number.NaN) + (phasePeaks['worker-bulk'] ?? 0));
  const workflowCache = workflowCacheCost(metricsBefore, await scrapeMetrics(ctx.stack.workerMetricsUrls));
  const byWorkerProcesses = [{ workerProcesses: 1, ...single }];
  try {
    for (const count of sizes.throughputWorkers.filter((n) => n > 1)) {
      while (ctx.stack.workers.length < count) await ctx.stack.addWorker();
      byWorkerProcesses.push({ workerProcesses: count, ...(await throughputWindow(ctx)) });
    }
  } finally {
    await ctx.stack.stopAddedWorkers();
  }
  return {
    seconds: sizes.throughputSeconds,
    inFlight: sizes.throughputInFlight,
    ...single,
    workerPeakRssMiB,
    workflowCache,
    byWorkerProcesses,
    met: workerPeakRssMiB <= targets.workerPeakRssMiB,
  };
}

/**
 * What the workflow cache cost over a phase, from the SDK's metrics at its start and end: the
 * workflows pushed out of the cache to make room, the workflow tasks that found their workflow
 * out of it (each replays the whole history), and the workflow tasks' mean time in the worker.
 */
function workflowCacheCost(before: Record<string, number>, after: Record<string, number>) {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const mean = (name: string) => round2(delta(`${name}_sum`) / Math.max(1, delta(`${name}_count`)));
  return {
    maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS),
    cachedAtEnd: after.temporal_sticky_cache_size ?? null,
    forcedEvictions: delta('temporal_sticky_cache_total_forced_eviction'),
    cacheHits: delta('temporal_sticky_cache_hit'),
    cacheMisses: delta('temporal_sticky_cache_miss'),
    workflowTasks: delta('temporal_workflow_task_execution_latency_count'),
    workflowTaskMeanMs: mean('temporal_workflow_task_execution_latency'),
    replayMeanMs: mean('temporal_workflow_task_replay_latency'),
  };
}

/**
 * The bare-Temporal request (bench/workflows.ts, `bareRequest`): the same workflows, activities
 * per task queue and child hops as a real single-VM request, every activity a no-op, on the same
 * stack, served by a worker tuned as the stack's. Run one after another as the e2e phase does,
 * then kept in flight as the throughput phase does; the real request's figures are reported as
 * ratios to it. One real request is run first, so its shape can be checked against the bare one.
 */
async function bare(ctx: Context, real: { e2e?: E2e; throughput?: Throughput }) {
  const realRequest = await submit(ctx, [vm(vmName('shape'))]);
  await outcomeOf(ctx.client, realRequest.handle.workflowId);
  const realBreakdown = await breakdown(ctx.client, realRequest.traceId);
  const worker = ctx.stack.startNode(
    'bare-worker',
    'bench/worker.ts',
    { BENCH_WORKER: 'bare' },
    backgroundNiceness(),
  );
  try {
    let n = 0;
    const run = async () => {
      const ids = { traceId: `bare-${process.pid}-${n++}`, requestId: 'req' };
      const started = performance.now();
      await ctx.client.workflow.execute('bareRequest', {
        taskQueue: bareQueue('orchestrator'),
        workflowId: `${ids.traceId}/${ids.requestId}`,
        args: [ids],
        typedSearchAttributes: traceSearchAttributes(ids),
      });
      return { ms: performance.now() - started, traceId: ids.traceId };
    };
    for (let i = 0; i < 3; i++) await run(); // warm-up: the worker's bundle, caches and connections
    const times: number[] = [];
    let last = '';
    for (let i = 0; i < sizes.e2eRequests; i++) {
      const r = await run();
      times.push(r.ms);
      last = r.traceId;
    }
    const bareBreakdown = await breakdown(ctx.client, last);
    const end = performance.now() + sizes.throughputSeconds * 1000;
    let completed = 0;
    const lane = async () => {
      while (performance.now() < end) {
        await run();
        if (performance.now() <= end) completed++;
      }
    };
    await Promise.all(Array.from({ length: sizes.throughputInFlight }, lane));
    const e2e = summary(times);
    const completedPerSecond = round2(completed / sizes.throughputSeconds);
    // No ratio when the bare request completed none in the window (a machine too loaded to say).
    const throughputRatio =
      real.throughput && completedPerSecond > 0
        ? round2(real.throughput.completedPerSecond / completedPerSecond)
        : null;
    const e2eP50Ratio = real.e2e ? round2(real.e2e.requestSucceeded.p50 / e2e.p50) : null;
    return {
      e2e,
      throughput: {
        seconds: sizes.throughputSeconds,
        inFlight: sizes.throughputInFlight,
        completed,
        completedPerSecond,
      },
      workerPeakRssMiB: procMemoryMiB(worker.child.pid!, 'VmHWM') ?? null,
      /** The real request over the bare one. */
      ratios: {
        throughput: throughputRatio,
        e2eP50: e2eP50Ratio,
        vmInVcenterP50: real.e2e ? round2(real.e2e.vmInVcenter.p50 / e2e.p50) : null,
        workflowTasks: round2(realBreakdown.workflowTasks.count / bareBreakdown.workflowTasks.count),
      },
      shape: {
        matches: shapeDifferences(realBreakdown.shape, bareBreakdown.shape).length === 0,
        differences: shapeDifferences(realBreakdown.shape, bareBreakdown.shape),
      },
      realBreakdown,
      bareBreakdown,
      met:
        throughputRatio !== null &&
        e2eP50Ratio !== null &&
        throughputRatio >= targets.bareThroughputRatio &&
        e2eP50Ratio <= targets.bareE2eP50Ratio,
    };
  } finally {
    await worker.stop(5_000);
  }
}

/** One request of each size of `BENCH_FANOUT_VMS`, one after another. */
async function fanOuts(ctx: Context) {
  const runs: Awaited<ReturnType<typeof fanOut>>[] = [];
  for (const vms of sizes.fanOutVms) {
    log(`fan-out of ${vms} VMs`);
    runs.push(await fanOut(ctx, vms));
  }
  return { runs, met: runs.every((r) => r.met) };
}

/**
 * One request of `vms` VMs; its time to complete and the largest history of its tree (the
 * request, its batches, the templates and their children, the resource workflows) by events and
 * by bytes.
 */
async function fanOut(ctx: Context, vms: number) {
  const resources = Array.from({ length: vms }, () => vm(vmName('fan')));
  const started = performance.now();
  const { handle, traceId } = await submit(ctx, resources);
  const outcome = await outcomeOf(ctx.client, handle.workflowId);
  const seconds = round2((performance.now() - started) / 1000);
  const succeeded = outcome.resources.filter((r) => r.state === 'succeeded').length;
  const executions: { workflowId: string; runId: string }[] = [];
  await waitFor(
    'the visibility store to list the whole tree',
    async () => {
      executions.length = 0;
      for await (const wf of ctx.client.workflow.list({ query: `TraceId='${traceId}'` }))
        executions.push({ workflowId: wf.workflowId, runId: wf.runId });
      // The request, a template and a resource workflow per VM, and its batches when it has more than one's worth.
      const batches = vms > DEFAULT_BATCH_SIZE ? Math.ceil(vms / DEFAULT_BATCH_SIZE) : 0;
      return executions.length >= 1 + 2 * vms + batches;
    },
    60_000,
    500,
  ).catch(() => log(`visibility lists ${executions.length} workflows of the tree`));
  let largestEvents = { workflowId: '', events: 0, bytes: 0 };
  let largestBytes = largestEvents;
  let totalEvents = 0;
  for (const e of executions) {
    const h = await historyOf(ctx.client, e.workflowId, e.runId);
    totalEvents += h.events;
    if (h.events > largestEvents.events) largestEvents = { workflowId: e.workflowId, ...h };
    if (h.bytes > largestBytes.bytes) largestBytes = { workflowId: e.workflowId, ...h };
  }
  return {
    vms,
    status: outcome.status,
    succeeded,
    seconds,
    workflows: executions.length,
    totalEvents,
    largestByEvents: largestEvents,
    largestByBytes: largestBytes,
    met:
      outcome.status === 'succeeded' &&
      largestEvents.events <= targets.fanOutMaxEvents &&
      largestBytes.bytes <= targets.fanOutMaxBytes,
  };
}

/**
 * The storm of issue 15: many builds submitted at once, managed and unmanaged, each a VM of its
 * own. A probe request (one unmanaged VM) is timed alone first (the median of three), then
 * submitted once every build of the storm was accepted (its peak). Reported: the probe's time at
 * the peak beside its idle time, the storm's completion time, and how many builds failed (on a
 * 429 or otherwise).
 */
async function storm(ctx: Context) {
  const probe = async () => {
    const submittedAt = Date.now();
    const started = performance.now();
    const { handle, traceId } = await submit(ctx, [vm(vmName('probe'))], ctx.probeToken);
    const outcome = await outcomeOf(ctx.client, handle.workflowId);
    const ms = round2(performance.now() - started);
    // From the submission to its workflow's start (the API's starter), beside the whole.
    const startedAfterMs = (await handle.describe()).startTime.getTime() - submittedAt;
    return { ms, startedAfterMs, status: outcome.status, traceId };
  };
  const idleRuns = [await probe(), await probe(), await probe()];
  const idleMs = summary(idleRuns.map((r) => r.ms)).p50;
  if (sizes.stormTfeRuns > 0) await tfeSettings(ctx, { run_concurrency: sizes.stormTfeRuns });
  try {
    const builds = [
      ...Array.from({ length: sizes.stormManaged }, () => ({ ...vm(vmName('storm-m')), managed: true })),
      ...Array.from({ length: sizes.stormUnmanaged }, () => vm(vmName('storm-u'))),
    ];
    const metricsBefore = await scrapeMetrics(ctx.stack.workerMetricsUrls);
    const started = performance.now();
    let lastEnd = started;
    const submitted = await Promise.all(builds.map((b) => submit(ctx, [b])));
    const peakSeconds = round2((performance.now() - started) / 1000);
    const outcomes = submitted.map(({ handle }) =>
      outcomeOf(ctx.client, handle.workflowId).then((o) => {
        lastEnd = performance.now();
        return o;
      }),
    );
    const atPeak = await probe();
    const ended = await Promise.all(outcomes);
    // Whether the storm's workflow tasks went to replaying workflows pushed out of the cache.
    const workflowCache = workflowCacheCost(metricsBefore, await scrapeMetrics(ctx.stack.workerMetricsUrls));
    const failures = ended.filter((o) => o.status !== 'succeeded');
    const rateLimited = failures.filter((o) =>
      o.resources.some((r) => /\b429\b|RateLimited/.test(JSON.stringify(r.error ?? ''))),
    ).length;
    const ratio = round2(atPeak.ms / idleMs);
    // How many of the storm's requests started in each lane (docs/waits.md, "Two lanes").
    const lanes: Record<string, number> = {};
    for (const { handle } of submitted) {
      const { taskQueue } = await handle.describe();
      lanes[taskQueue] = (lanes[taskQueue] ?? 0) + 1;
    }
    // Where the probe's time went, alone and at the peak: which queue it waited on.
    const probeBreakdown = {
      alone: await breakdown(ctx.client, idleRuns.at(-1)!.traceId),
      atPeak: await breakdown(ctx.client, atPeak.traceId),
    };
    return {
      managed: sizes.stormManaged,
      unmanaged: sizes.stormUnmanaged,
      tfeRunConcurrency: sizes.stormTfeRuns || null,
      idleProbeMs: idleMs,
      idleProbeRuns: idleRuns,
      peakSeconds,
      probeAtPeak: atPeak,
      probeRatio: ratio,
      completionSeconds: round2((lastEnd - started) / 1000),
      succeeded: ended.length - failures.length,
      failed: failures.length,
      failedOnRateLimit: rateLimited,
      lanes,
      workflowCache,
      probeBreakdown,
      met: ratio <= targets.stormProbeRatio && atPeak.status === 'succeeded' && failures.length === 0,
    };
  } finally {
    if (sizes.stormTfeRuns > 0) await tfeSettings(ctx, { run_concurrency: null });
  }
}

async function tfeSettings(ctx: Context, settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${ctx.stack.endSystemsEnv.TFE_URL}/_sim/tfe/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!res.ok) throw new Error(`PUT /_sim/tfe/settings: ${res.status} ${await res.text()}`);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
type E2e = Awaited<ReturnType<typeof endToEnd>>;
type Throughput = Awaited<ReturnType<typeof throughput>>;

function machine() {
  const cpus = os.cpus();
  let temporalCli = 'unknown';
  try {
    temporalCli = execFileSync(
      ensureTemporalCli(() => undefined),
      ['--version'],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    // Reported as unknown.
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    temporalCli,
  };
}

function table(results: Record<string, unknown>): string {
  const r = results as {
    interpreter?: Awaited<ReturnType<typeof interpreterCost>>;
    e2e?: Awaited<ReturnType<typeof endToEnd>>;
    api?: Awaited<ReturnType<typeof apiLoad>>;
    throughput?: Awaited<ReturnType<typeof throughput>>;
    bare?: Awaited<ReturnType<typeof bare>>;
    fanout?: Awaited<ReturnType<typeof fanOuts>>;
    storm?: Awaited<ReturnType<typeof storm>>;
    rss: { peakMiB: Record<string, number> };
  };
  const rows: [string, string, string][] = [];
  const ok = (met: boolean) => (met ? 'met' : 'NOT met');
  if (r.interpreter) {
    const i = r.interpreter;
    rows.push([
      'interpreter wall time p50 (template / hand-written)',
      `${i.template.wall.p50} / ${i.handWritten.wall.p50} ms = ${i.wallRatio}x`,
      `<= ${targets.interpreterWallRatio}x: ${ok(i.wallRatio <= targets.interpreterWallRatio)}`,
    ]);
    rows.push([
      'interpreter history events (template / hand-written)',
      `${i.template.history.events} / ${i.handWritten.history.events} = ${i.eventsRatio}x`,
      `<= ${targets.interpreterEventsRatio}x: ${ok(i.eventsRatio <= targets.interpreterEventsRatio)}`,
    ]);
    rows.push([
      'interpreter history bytes (template / hand-written)',
      `${i.template.history.bytes} / ${i.handWritten.history.bytes} = ${i.bytesRatio}x`,
      '',
    ]);
  }
  if (r.e2e) {
    const e = r.e2e;
    rows.push([
      `end to end, POST to VM in vCenter (${e.requests} requests)`,
      `p50 ${e.vmInVcenter.p50} ms, p99 ${e.vmInVcenter.p99} ms`,
      `p50 <= ${targets.e2eP50Ms} ms, p99 <= ${targets.e2eP99Ms} ms: ${ok(e.met)}`,
    ]);
    rows.push([
      'end to end, POST to request succeeded',
      `p50 ${e.requestSucceeded.p50} ms, p99 ${e.requestSucceeded.p99} ms (${e.failed} failed)`,
      '',
    ]);
    rows.push([
      'end to end, CPU time per request',
      Object.entries(e.cpuMsPerRequest)
        .map(([name, ms]) => `${name} ${ms} ms`)
        .join(', '),
      '',
    ]);
  }
  if (r.api) {
    const a = r.api;
    rows.push([
      `API at ${a.offeredPerSecond}/s offered for ${a.seconds} s`,
      `${a.submissionsPerSecond}/s accepted, p50 ${a.latencyMs.p50} ms, p99 ${a.latencyMs.p99} ms, ${a.errors} errors`,
      `p99 < 100 ms: ${ok(a.met)}`,
    ]);
    rows.push([
      'API load: workflows it started',
      `${a.workflowsSucceeded}/${a.accepted} succeeded (${a.workflowsUnfinished} unfinished), done ${a.drainSecondsAfterLoad} s after the load`,
      '',
    ]);
  }
  if (r.throughput) {
    const t = r.throughput;
    rows.push([
      `throughput (${t.inFlight} in flight, ${t.seconds} s)`,
      `${t.completedPerSecond} requests/s (${t.completed} completed, ${t.failed} failed)`,
      '',
    ]);
    for (const w of t.byWorkerProcesses.filter((x) => x.workerProcesses > 1))
      rows.push([
        `throughput with ${w.workerProcesses} worker processes`,
        `${w.completedPerSecond} requests/s (${w.completed} completed, ${w.failed} failed)` +
          (t.completedPerSecond > 0 ? `; ${round2(w.completedPerSecond / t.completedPerSecond)}x one` : ''),
        '',
      ]);
    const c = t.workflowCache;
    rows.push([
      `throughput: worker peak RSS (workflow cache ${c.maxCachedWorkflows})`,
      `${t.workerPeakRssMiB} MiB; ${c.forcedEvictions} evictions, ${c.cacheMisses} tasks replayed, task mean ${c.workflowTaskMeanMs} ms`,
      `<= ${targets.workerPeakRssMiB} MiB: ${ok(t.met)}`,
    ]);
  }
  if (r.bare) {
    const b = r.bare;
    rows.push([
      'bare-Temporal request: e2e p50 / p99, throughput',
      `${b.e2e.p50} / ${b.e2e.p99} ms, ${b.throughput.completedPerSecond} requests/s; shape ${b.shape.matches ? 'matches' : 'DIFFERS'}`,
      '',
    ]);
    rows.push([
      'real / bare: throughput, e2e p50 (request end)',
      `${b.ratios.throughput ?? '-'}x, ${b.ratios.e2eP50 ?? '-'}x (workflow tasks ${b.ratios.workflowTasks}x)`,
      `>= ${targets.bareThroughputRatio}x, <= ${targets.bareE2eP50Ratio}x: ${ok(b.met)}`,
    ]);
  }
  for (const f of r.fanout?.runs ?? []) {
    rows.push([
      `fan-out: one request of ${f.vms} VMs`,
      `${f.status} in ${f.seconds} s, ${f.workflows} workflows, ${f.totalEvents} events in all`,
      '',
    ]);
    rows.push([
      `fan-out of ${f.vms}: largest history`,
      `${f.largestByEvents.events} events (${f.largestByEvents.workflowId.split('/').slice(2).join('/') || 'the request'}); largest ${(f.largestByBytes.bytes / 1024 / 1024).toFixed(2)} MiB (${f.largestByBytes.workflowId.split('/').slice(2).join('/') || 'the request'})`,
      `<= 10,000 events and 5 MiB: ${ok(f.met)}`,
    ]);
  }
  if (r.storm) {
    const s = r.storm;
    rows.push([
      `storm: ${s.managed} managed + ${s.unmanaged} unmanaged builds at once (TFE runs ${s.tfeRunConcurrency ?? 'unlimited'})`,
      `${s.succeeded}/${s.managed + s.unmanaged} succeeded (${s.failedOnRateLimit} failed on a 429), all ended in ${s.completionSeconds} s`,
      `all succeed: ${ok(s.failed === 0)}`,
    ]);
    rows.push([
      'storm: probe (one unmanaged VM) at the peak / alone',
      `${s.probeAtPeak.ms} / ${s.idleProbeMs} ms = ${s.probeRatio}x (started after ${s.probeAtPeak.startedAfterMs} ms)`,
      `<= ${targets.stormProbeRatio}x: ${ok(s.probeRatio <= targets.stormProbeRatio)}`,
    ]);
    rows.push([
      "storm: its requests' lanes",
      Object.entries(s.lanes)
        .map(([lane, n]) => `${n} ${lane}`)
        .join(', '),
      '',
    ]);
    const c = s.workflowCache;
    rows.push([
      `storm: the worker's workflow tasks (workflow cache ${c.maxCachedWorkflows})`,
      `${c.workflowTasks} tasks, mean ${c.workflowTaskMeanMs} ms; ${c.forcedEvictions} evictions, ${c.cacheMisses} tasks replayed`,
      '',
    ]);
  }
  for (const [name, mib] of Object.entries(r.rss.peakMiB)) rows.push([`peak RSS, ${name}`, `${mib} MiB`, '']);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length), 6));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  return [
    line(['figure', 'value', 'target']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const stack = await startBenchStack();
  let benchWorker: ReturnType<BenchStack['startNode']> | undefined;
  const stopAll = async () => {
    await benchWorker?.stop(5_000);
    await stack.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().then(() => process.exit(130)));
  try {
    const { connection, client } = await connectTemporalClient(
      temporalAt(stack.temporalAddress, stack.namespace),
    );
    const pool = createPool(stack.databaseUrl, 1);
    const { token } = await issueToken(pool, { subject: 'bench@example.test', role: 'requester' }, 'bench');
    const probeToken = (
      await issueToken(pool, { subject: 'bench-probe@example.test', role: 'requester' }, 'bench probe')
    ).token;
    // An admin's setting, as `PUT /v1/admin/settings` stores it: how many of one requester's
    // requests work at once (docs/waits.md, "Admission per requester").
    if (sizes.runningPerRequester !== undefined)
      await pool.query(
        `INSERT INTO settings (key, value, updated_by) VALUES ('runningPerRequester', $1, 'bench')
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify(sizes.runningPerRequester)],
      );
    await pool.end();
    const pids = {
      worker: stack.worker.child.pid!,
      'worker-bulk': stack.bulkWorker.child.pid!,
      api: stack.api.child.pid!,
      temporal: stack.temporal.process.child.pid!,
    };
    const rss = new RssSampler(pids);
    const ctx: Context = { stack, client, token, probeToken, pids, rss };
    const results: Record<string, unknown> = {};
    const phaseRss: Record<string, Record<string, number>> = {};
    const runPhase = async <T>(name: Phase, fn: () => Promise<T>) => {
      if (!phases.has(name)) return;
      log(`${name}…`);
      rss.mark();
      const t = performance.now();
      results[name] = await fn();
      phaseRss[name] = rss.mark();
      log(`${name} done in ${round2((performance.now() - t) / 1000)} s`);
    };
    if (phases.has('interpreter')) {
      benchWorker = stack.startNode('bench-worker', 'bench/worker.ts');
      await waitFor(
        'the bench worker to poll',
        async () => {
          const d = await client.workflowService.describeTaskQueue({
            namespace: stack.namespace,
            taskQueue: { name: BENCH_TASK_QUEUE },
          });
          return (d.pollers?.length ?? 0) > 0;
        },
        120_000,
        250,
      );
    }
    await runPhase('interpreter', () => interpreterCost(ctx));
    await benchWorker?.stop(5_000);
    await runPhase('e2e', () => endToEnd(ctx));
    await runPhase('api', () => apiLoad(ctx));
    await runPhase('throughput', () => throughput(ctx));
    await runPhase('bare', () =>
      bare(ctx, {
        e2e: results.e2e as E2e | undefined,
        throughput: results.throughput as Throughput | undefined,
      }),
    );
    await runPhase('fanout', () => fanOuts(ctx));
    await runPhase('storm', () => storm(ctx));
    results.rss = { peakMiB: rss.peaks(), peakMiBByPhase: phaseRss };
    rss.stop();
    await connection.close();

    const report = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      sizes,
      targets,
      ...results,
    };
    process.stdout.write(`\n${table(results)}\n\n`);
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const file = path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, json);
    writeFileSync(path.join(dir, 'latest.json'), json);
    log(`figures written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await stopAll();
  }
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
