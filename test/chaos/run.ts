/**
 * The chaos run, shared by `scripts/chaos.ts` (the full run) and `test/chaos/chaos.test.ts` (a
 * shorter one): starts its own topology, submits the workload through the API while it kills
 * the worker process (or one of several, and one of several API processes) with SIGKILL, stops and restarts the Temporal dev server once and has the
 * simulators inject faults, waits for every request to end, then audits every system. All
 * randomness comes from one seed, printed first, so a run can be repeated.
 */
import { msToNumber } from '@temporalio/common';
import { timeoutProfiles } from '../../common/tasks';
import { failMarker, planWorkload, submit, waitForEnd, type Submission, type WorkloadSize } from './workload';
import { audit, findingClasses, type Audit, type FindingClass } from './checks';
import { runStorm, type StormReport, type StormSize } from './storm';
import { seededRandom, type Random } from './random';
import { startTopology, type Topology } from './topology';

export interface ChaosSize extends WorkloadSize {
  /** Worker kills; the run fails below this. */
  kills: number;
  /** Faults the simulators must have injected; the run fails below this. */
  minFaults: number;
  /** Chaos events are spread over this long from the first submission. */
  chaosWindowMs: number;
  /** How long every request has to end once the chaos is over. */
  settleMs: number;
  /** The storm after the workload (docs/chaos.md); absent: none. */
  storm?: StormSize;
  /**
   * API and worker processes of each (default 1). Above 1 a kill takes one worker process of
   * them, and one API process is killed besides; the others carry on meanwhile.
   */
  processes?: number;
}

/**
 * What a worker kill costs beyond the worker's time down: Temporal notices an activity the kill
 * cut short only when its start-to-close (a call) or heartbeat (a wait) timeout passes.
 */
export const killCostMs = Math.max(
  msToNumber(timeoutProfiles.short.startToCloseTimeout),
  msToNumber(timeoutProfiles.long.heartbeatTimeout),
);

/**
 * How long a request may take before it counts as stalled: a minute, 30 s per VM of its own,
 * 5 s per VM of the phase it ran in (the main workload or the storm: what it competed with), and
 * every outage of the run (the worker's and Temporal's time down, and `killCostMs` per kill).
 */
export function stallBoundMs(vms: number, phaseVms: number, outageMs: number): number {
  return 60_000 + 30_000 * vms + 5_000 * phaseVms + outageMs;
}

/** The full run of issue 6 (`npm run chaos`). */
export const fullSize: ChaosSize = {
  requests: 60,
  maxVms: 3,
  failShare: 0.15,
  spreadMs: 150_000,
  cancelShare: 0.1,
  kills: 6,
  minFaults: 50,
  chaosWindowMs: 180_000,
  settleMs: 600_000,
  // At least 100 requests in flight against the default slot counts, TFE running a few runs at once.
  storm: {
    requests: 120,
    managedShare: 0.85,
    failShare: 0.05,
    cancelShare: 0.1,
    reruns: 3,
    rerunFanIn: 80,
    tfeRunConcurrency: 5,
    workerEnv: {},
    minInFlight: 100,
  },
};

/** The version in `npm test`: the same chaos, fewer requests, about three minutes. */
export const testSize: ChaosSize = {
  requests: 12,
  maxVms: 3,
  failShare: 0.2,
  spreadMs: 30_000,
  cancelShare: 0.15,
  kills: 2,
  minFaults: 10,
  chaosWindowMs: 45_000,
  settleMs: 150_000,
  // Smaller, but still more waits at once than the wait queues' slots, and more calls than the call slots.
  storm: {
    requests: 18,
    managedShare: 0.6,
    failShare: 0.1,
    cancelShare: 0.15,
    reruns: 1,
    rerunFanIn: 20,
    tfeRunConcurrency: 2,
    workerEnv: {
      WORKER_CONCURRENCY_TFE_WAITS: '4',
      WORKER_CONCURRENCY_AWX_WAITS: '4',
      WORKER_CONCURRENCY_TFE: '3',
      WORKER_CONCURRENCY_AWX: '4',
    },
    minInFlight: 12,
  },
};

export interface ChaosReport {
  seed: number;
  requests: number;
  kills: number;
  /** API processes killed (with `processes` above 1). */
  apiKills: number;
  /** Worker starts after a kill or exit, plus the Temporal server's restart. */
  restarts: number;
  workerExits: number;
  faults: number;
  resubmits: number;
  counts: Record<FindingClass, number>;
  /** The storm's figures, when the run had one. */
  storm?: StormReport;
  audit: Audit;
  seconds: number;
  /** Why the run failed; empty when it passed. */
  problems: string[];
}

/** The last line of a run: its figures, one line. */
export function figuresLine(r: ChaosReport): string {
  return (
    `chaos: requests=${r.requests} kills=${r.kills} api-kills=${r.apiKills} restarts=${r.restarts} faults=${r.faults} ` +
    `lost=${r.counts.lost} duplicated=${r.counts.duplicated} orphaned=${r.counts.orphaned} ` +
    `stalled=${r.counts.stalled} mismatched=${r.counts.mismatched} unexpected=${r.counts.unexpected} ` +
    `succeeded=${r.audit.requests.succeeded} failed=${r.audit.requests.failed} cancelled=${r.audit.requests.cancelled} ` +
    `vms=${r.audit.vms.succeeded} ` +
    `resubmits=${r.resubmits} ` +
    (r.storm
      ? `storm=${r.storm.requests} peak=${r.storm.peakInFlight} storm-seconds=${r.storm.seconds} ` +
        `probe=${r.storm.probeMs === undefined ? 'unended' : `${(r.storm.probeMs / 1000).toFixed(1)}s`} ` +
        `idle=${(r.storm.idleProbeMs / 1000).toFixed(1)}s `
      : '') +
    `seed=${r.seed} seconds=${r.seconds}`
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP fault rules of a run: every kind, before and after the system acted. */
function faultRules(): Record<string, unknown>[] {
  return [
    { system: 'vcenter', path: '/api/*', kind: 'error', status: 503, rate: 0.05 },
    { system: 'vcenter', path: '/api/*', kind: 'latency', latency_ms: 400, rate: 0.1 },
    { system: 'vcenter', path: '/api/*', kind: 'drop', rate: 0.02 },
    {
      system: 'awx',
      method: 'POST',
      path: '/api/v2/job_templates/*/launch/',
      kind: 'drop',
      phase: 'after',
      rate: 0.2,
    },
    {
      system: 'awx',
      method: 'POST',
      path: '/api/v2/job_templates/*/launch/',
      kind: 'error',
      status: 502,
      phase: 'after',
      rate: 0.1,
    },
    { system: 'awx', path: '/api/v2/jobs/*', kind: 'rate-limit', retry_after_seconds: 1, rate: 0.05 },
    { system: 'awx', path: '/api/v2/*', kind: 'error', status: 500, rate: 0.03 },
    {
      system: 'tfe',
      method: 'POST',
      path: '/api/v2/runs',
      kind: 'error',
      status: 502,
      phase: 'after',
      rate: 0.2,
    },
    {
      system: 'tfe',
      method: 'POST',
      path: '/api/v2/runs/*/actions/apply',
      kind: 'drop',
      phase: 'after',
      rate: 0.2,
    },
    {
      system: 'tfe',
      method: 'POST',
      path: '/api/v2/organizations/*/workspaces',
      kind: 'drop',
      phase: 'after',
      rate: 0.2,
    },
    { system: 'tfe', path: '/api/v2/*', kind: 'rate-limit', retry_after_seconds: 1, rate: 0.03 },
    { system: 'tfe', path: '/api/v2/*', kind: 'latency', latency_ms: 300, rate: 0.1 },
    { system: 'tfe', path: '/api/v2/*', kind: 'error', status: 503, rate: 0.03 },
  ];
}

async function simAdmin(url: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}/_sim${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulators ${method} /_sim${route}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

interface ChaosEvent {
  atMs: number;
  kind: 'kill' | 'api-kill' | 'temporal';
}

/** Kill times spread over the window (one per slice, at a random point of it), and the server's stop. */
function chaosSchedule(size: ChaosSize, random: Random): ChaosEvent[] {
  const slice = size.chaosWindowMs / (size.kills + 1);
  const events: ChaosEvent[] = Array.from({ length: size.kills }, (_, i) => ({
    // Not before the first requests have work under way.
    atMs: Math.floor(5_000 + slice * i + random.next() * (slice - 5_000) * 0.8),
    kind: 'kill' as const,
  }));
  // While requests are still being submitted, so the API and the clients meet the outage too.
  events.push({ atMs: Math.floor(size.spreadMs * (0.4 + random.next() * 0.4)), kind: 'temporal' });
  // While submissions arrive, so some of them meet the dead process.
  if ((size.processes ?? 1) > 1)
    events.push({ atMs: Math.floor(size.spreadMs * (0.1 + random.next() * 0.6)), kind: 'api-kill' });
  return events.sort((a, b) => a.atMs - b.atMs);
}

export interface ChaosOptions {
  size: ChaosSize;
  seed: number;
  log: (line: string) => void;
  /** Keep the temporary folder (logs, SQLite, git) even when the run passes. */
  keep?: boolean;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const { size, seed, log } = opts;
  const started = Date.now();
  const random = seededRandom(seed);
  const chaosRandom = seededRandom(seed ^ 0x5eed);
  const processes = size.processes ?? 1;
  log(
    `seed ${seed}: ${size.requests} requests, ${size.kills} worker kills, one Temporal restart` +
      (processes > 1 ? `, ${processes} API and worker processes, one API process killed` : '') +
      (size.storm ? `, then a storm of ${size.storm.requests} requests` : ''),
  );
  const topology = await startTopology({ seed, log, processes });
  log(`topology up in ${topology.dir} (Temporal ${topology.temporalAddress})`);
  let passed = false;
  try {
    const report = await exercise(topology, opts, random, chaosRandom, started);
    passed = report.problems.length === 0;
    if (!passed || opts.keep) log(`kept ${topology.dir} (logs/ has every process's output)`);
    return report;
  } finally {
    await topology.stop(!passed || !!opts.keep);
  }
}

async function exercise(
  topology: Topology,
  opts: ChaosOptions,
  random: Random,
  chaosRandom: Random,
  started: number,
): Promise<ChaosReport> {
  const { size, seed, log } = opts;
  const plan = planWorkload(size, seed, random);
  const namePrefix = plan[0]!.vms[0]!.name.split('-')[0]! + '-';
  const rules = faultRules();
  for (const rule of rules) await simAdmin(topology.simAdminUrl, 'POST', '/faults', rule);
  await simAdmin(topology.simAdminUrl, 'POST', '/outcomes', {
    system: 'awx',
    match: { template: 'vm-create', extra_vars: failMarker },
    outcome: 'failed',
    message: 'chaos: this VM is meant to fail',
  });
  await simAdmin(topology.simAdminUrl, 'POST', '/outcomes', {
    system: 'tfe',
    match: { workspace: failMarker },
    outcome: 'errored',
    phase: 'apply',
    message: 'chaos: this VM is meant to fail',
  });

  // A worker that dies on its own (it may, when Temporal is away) is started again.
  let kills = 0;
  let apiKills = 0;
  let restarts = 0;
  /** The worker's and Temporal's time down, for the stall bound. */
  let outageMs = 0;
  let workerExits = 0;
  let restarting: Promise<void> | undefined;
  const restartWorker = (why: string) => {
    restarting ??= (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await topology.worker.start();
          restarts++;
          log(`worker started again after ${why}`);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          log(`worker start failed (${(err as Error).message}); trying again`);
          await sleep(2_000);
        }
      }
    })().finally(() => (restarting = undefined));
    return restarting;
  };
  topology.worker.onUnexpectedExit((code) => {
    workerExits++;
    log(`worker exited by itself (${code})`);
    void restartWorker(`its exit (${code})`);
  });

  /** A kill of the chaos schedule or the storm: SIGKILL, a pause, a start; resolves with its cost (time down + `killCostMs`). */
  const killWorker = async () => {
    const killed = Date.now();
    await topology.worker.kill();
    kills++;
    log(`kill ${kills}: worker SIGKILLed at ${Math.round((killed - t0) / 1000)} s`);
    await sleep(chaosRandom.int(200, 3_000));
    await restartWorker(`kill ${kills}`);
    const cost = Date.now() - killed + killCostMs;
    outageMs += cost;
    return cost;
  };

  const t0 = Date.now();
  const deadline = t0 + size.chaosWindowMs + size.settleMs;
  const submissions: Promise<Submission>[] = plan.map(async (request) => {
    await sleep(request.atMs);
    return submit(
      topology.apiUrl,
      topology.requesterToken,
      request,
      seededRandom(seed + request.index),
      deadline,
    );
  });

  const chaos = (async () => {
    for (const event of chaosSchedule(size, chaosRandom)) {
      await sleep(Math.max(0, t0 + event.atMs - Date.now()));
      await restarting;
      if (event.kind === 'kill') {
        await killWorker();
      } else if (event.kind === 'api-kill') {
        const killed = Date.now();
        await topology.api!.killOne();
        apiKills++;
        restarts++;
        log(
          `API process SIGKILLed at ${Math.round((killed - t0) / 1000)} s; another listened ${Date.now() - killed} ms later`,
        );
      } else {
        // Longer than the clients' own retries of a call ride out, so some calls fail and are sent again.
        const down = chaosRandom.int(20_000, 30_000);
        log(`stopping the Temporal server for ${down} ms at ${Math.round((Date.now() - t0) / 1000)} s`);
        const stopped = Date.now();
        await topology.temporalServer.restart(down);
        outageMs += Date.now() - stopped;
        restarts++;
        log('Temporal server started again on its file');
      }
    }
  })();

  const done = await Promise.all(submissions);
  await chaos;
  await restarting;
  log(
    `all ${done.length} submissions answered; chaos over at ${Math.round((Date.now() - t0) / 1000)} s; waiting for every request to end`,
  );
  await waitForEnd(topology.pool, done, deadline, log, () => {
    if (!topology.worker.running()) log('the worker is not running');
  });
  const mainVms = plan.reduce((n, r) => n + r.vms.length, 0);

  let storm: StormReport | undefined;
  if (size.storm)
    storm = await runStorm({
      topology,
      size: size.storm,
      seed,
      firstIndex: plan.length,
      stallBoundMs: (vms) => stallBoundMs(vms, size.storm!.requests, outageMs),
      killWorker: async () => {
        await restarting;
        return killWorker();
      },
      log,
    });
  const stormSubmissions = new Set(storm?.submissions);
  const everything = [...done, ...(storm?.submissions ?? [])];

  // The injected faults, then the rules go, so the audit reads the systems undisturbed.
  const faults = (await simAdmin(topology.simAdminUrl, 'GET', '/faults')) as {
    http: { id: string; fired: number }[];
  };
  const injected = faults.http.reduce((n, r) => n + r.fired, 0);
  for (const rule of faults.http) await simAdmin(topology.simAdminUrl, 'DELETE', `/faults/${rule.id}`);

  const result = await audit({
    submissions: everything,
    stallBoundMs: (s) =>
      stallBoundMs(s.request.vms.length, stormSubmissions.has(s) ? storm!.vms : mainVms, outageMs),
    pool: topology.pool,
    temporal: topology.temporal,
    endSystems: topology.endSystems,
    simAdminUrl: topology.simAdminUrl,
    gitDir: topology.gitDir,
    namePrefix,
  });
  const counts = Object.fromEntries(findingClasses.map((c) => [c, 0])) as Record<FindingClass, number>;
  for (const f of result.findings) {
    counts[f.kind]++;
    log(`${f.kind}: ${f.what}`);
  }
  const problems = [
    ...Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`),
    ...(kills < size.kills ? [`only ${kills} kills of ${size.kills}`] : []),
    ...((size.processes ?? 1) > 1 && apiKills < 1 ? ['no API process killed'] : []),
    ...(restarts < kills + apiKills + 1
      ? [`only ${restarts} restarts for ${kills + apiKills} kills and one Temporal stop`]
      : []),
    ...(injected < size.minFaults ? [`only ${injected} faults injected of ${size.minFaults}`] : []),
    ...(storm?.problems ?? []),
  ];
  return {
    seed,
    requests: plan.length,
    ...(storm ? { storm } : {}),
    kills,
    apiKills,
    restarts,
    workerExits,
    faults: injected,
    resubmits: everything.reduce((n, s) => n + s.resubmits, 0),
    counts,
    audit: result,
    seconds: Math.round((Date.now() - started) / 1000),
    problems,
  };
}
