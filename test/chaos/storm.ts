/**
 * The chaos run's storm (issue 15): once the main workload has ended, many one-VM builds, managed
 * and unmanaged, are submitted at the same moment, together with concurrent re-runs of the same
 * failed requests (and a duplicate re-run after them); some are cancelled while they wait, TFE's
 * run concurrency is limited, and the worker is killed at the peak. A probe request, one
 * unmanaged VM, is timed alone before the storm and again submitted at its peak. While it lasts,
 * `/readyz` is read every second: it must stay ready, and show the `tfe` queue's backlog.
 * Everything the storm submits is audited with the rest of the run.
 */
import { seededRandom, type Random } from './random';
import type { Topology } from './topology';
import {
  failMarker,
  planWorkload,
  runTag,
  submit,
  terminalStatuses,
  waitForEnd,
  type PlannedRequest,
  type Submission,
} from './workload';

export interface StormSize {
  /** One-VM requests submitted at the same moment. */
  requests: number;
  /** Share of them built managed (TFE). */
  managedShare: number;
  /** Share of them meant to fail (at least one when not 0). */
  failShare: number;
  /** Share of them cancelled while they wait, 2–10 s after they were accepted. */
  cancelShare: number;
  /** Failed managed requests made before the storm, each re-run `rerunFanIn` times at once in it. */
  reruns: number;
  rerunFanIn: number;
  /** TFE runs of the organization that plan or apply at once while the storm lasts. */
  tfeRunConcurrency: number;
  /** Worker settings for the storm (e.g. fewer slots than waits); empty: the defaults. */
  workerEnv: Record<string, string>;
  /** Requests unfinished at once at the peak; the run fails below this. */
  minInFlight: number;
}

/** What the storm did and saw. */
export interface StormReport {
  /** Every submission of the storm (the failed requests made before it, the re-runs and the probes included). */
  submissions: Submission[];
  /** Requests submitted at the storm's start, re-runs included. */
  requests: number;
  /** VMs the storm's requests build, for the stall bound of each of them. */
  vms: number;
  /** Requests unfinished when the probe was submitted. */
  peakInFlight: number;
  idleProbeMs: number;
  /** The probe's time at the peak; undefined when it did not end. */
  probeMs: number | undefined;
  probeBoundMs: number;
  /** From the storm's submissions to its last request's end. */
  seconds: number;
  /** Answers to the concurrent re-runs, by status. */
  rerunAnswers: Record<string, number>;
  readiness: { samples: number; notReady: string[]; tfeBacklogMax: number; tfeStates: string[] };
  problems: string[];
}

export interface StormOptions {
  topology: Topology;
  size: StormSize;
  seed: number;
  /** Index of the storm's first request (indexes and keys are unique across the run). */
  firstIndex: number;
  /** How long any storm request may take before it counts as stalled (the run's stall bound). */
  stallBoundMs: (vms: number) => number;
  /** SIGKILLs the worker and starts it again; resolves with what it cost (time down + the timeout that notices cut activities, ms). */
  killWorker: () => Promise<number>;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runStorm(opts: StormOptions): Promise<StormReport> {
  const { topology, size, seed, log } = opts;
  const random = seededRandom(seed ^ 0x570);
  const tag = runTag(seed);
  let next = opts.firstIndex;
  const problems: string[] = [];
  const submissions: Submission[] = [];
  const oneVm = (letter: string, managed: boolean, fails: boolean): PlannedRequest => {
    const index = next++;
    return {
      index,
      idempotencyKey: `chaos-${seed}-${index}`,
      vms: [{ name: `${tag}-${letter}${index}-v0${fails ? `-${failMarker}` : ''}`, managed, fails }],
      atMs: 0,
    };
  };
  const post = (request: PlannedRequest, deadline: number, onAccepted?: (id: string) => void) =>
    submit(
      topology.apiUrl,
      topology.requesterToken,
      request,
      seededRandom(seed + request.index),
      deadline,
      onAccepted,
    );

  // Failed managed requests to re-run in the storm.
  const setupDeadline = Date.now() + opts.stallBoundMs(1);
  const failed = await Promise.all(
    Array.from({ length: size.reruns }, () => post(oneVm('f', true, true), setupDeadline)),
  );
  submissions.push(...failed);
  await waitForEnd(topology.pool, failed, setupDeadline, log);

  // The probe, alone.
  const idle = await probe(opts, oneVm('p', false, false), setupDeadline);
  submissions.push(idle.submission);
  if (idle.ms === undefined) throw new Error('the idle probe request did not end');
  log(`storm: the probe request took ${seconds(idle.ms)} s alone`);

  if (Object.keys(size.workerEnv).length) {
    const env = perProcess(size.workerEnv, topology.processes);
    log(`storm: worker started again with ${JSON.stringify(env)}`);
    await topology.worker.restartWith(env);
  }
  await tfeSettings(topology, { run_concurrency: size.tfeRunConcurrency });

  const plan = planWorkload(
    {
      requests: size.requests,
      maxVms: 1,
      failShare: size.failShare,
      spreadMs: 0,
      cancelShare: size.cancelShare,
      managedShare: size.managedShare,
      cancelWithinMs: [2_000, 10_000],
    },
    seed,
    random,
    { letter: 's', firstIndex: next },
  );
  next += plan.length;
  const vms = plan.length + size.reruns + 1;
  const started = Date.now();
  const deadline = started + opts.stallBoundMs(1) + 60_000;
  log(
    `storm: ${plan.length} requests (${plan.filter((r) => r.vms[0]!.managed).length} managed) and ` +
      `${size.reruns} × ${size.rerunFanIn} re-runs at once, TFE ${size.tfeRunConcurrency} runs at a time`,
  );
  const readiness = readinessSampler(topology.apiUrl);
  const accepted = new Set<string>();
  const storm = plan.map((request, i) =>
    submit(
      topology.apiUrl,
      topology.stormTokens[i % topology.stormTokens.length]!,
      request,
      seededRandom(seed + request.index),
      deadline,
      (id) => accepted.add(id),
    ),
  );
  const rerunAnswers: Record<string, number> = {};
  const reruns = failed.map(async (original) => {
    const [id] = original.requestIds;
    const request: PlannedRequest = { ...original.request, index: next++, idempotencyKey: `rerun of ${id}` };
    const result: Submission = { request, requestIds: new Set(), resubmits: 0 };
    if (!id) return result;
    const answers = await Promise.all(
      Array.from({ length: size.rerunFanIn }, () => rerun(topology, id, random, deadline)),
    );
    // The same re-run again once they were answered, as a retrying client would.
    answers.push(await rerun(topology, id, random, deadline));
    for (const a of answers) {
      rerunAnswers[a.status] = (rerunAnswers[a.status] ?? 0) + 1;
      if (a.requestId) result.requestIds.add(a.requestId);
      else result.refused ??= `re-run of ${id}: ${a.status} ${a.detail}`;
      result.resubmits += a.resubmits;
    }
    return result;
  });
  const rerunsDone = Promise.all(reruns);

  // The peak: every storm request accepted and every re-run answered.
  const stormDone = Promise.all(storm);
  while (accepted.size < plan.length && Date.now() < deadline) {
    const ended = await Promise.race([stormDone.then(() => true), sleep(100).then(() => false)]);
    if (ended) break;
  }
  submissions.push(...(await rerunsDone));
  const inFlightIds = [...accepted, ...submissions.flatMap((s) => [...s.requestIds])];
  const peakInFlight = (
    await topology.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM requests WHERE request_id = ANY($1) AND NOT (status = ANY($2))`,
      [inFlightIds, terminalStatuses],
    )
  ).rows[0]!.n;
  log(`storm: peak at ${seconds(Date.now() - started)} s, ${peakInFlight} requests unfinished`);
  if (peakInFlight < size.minInFlight)
    problems.push(`the storm had only ${peakInFlight} requests in flight of ${size.minInFlight}`);

  // The probe at the peak, and the worker killed under it.
  const probing = probe(opts, oneVm('p', false, false), deadline);
  await sleep(random.int(1_000, 3_000));
  const killCostMs = await opts.killWorker();
  const atPeak = await probing;
  submissions.push(atPeak.submission);
  const probeBoundMs = 3 * idle.ms + 60_000 + killCostMs;
  if (atPeak.ms === undefined) problems.push('the probe submitted at the storm’s peak did not end');
  else {
    log(`storm: the probe took ${seconds(atPeak.ms)} s at the peak (bound ${seconds(probeBoundMs)} s)`);
    if (atPeak.ms > probeBoundMs)
      problems.push(
        `the probe took ${seconds(atPeak.ms)} s at the storm's peak, beyond its bound of ${seconds(probeBoundMs)} s`,
      );
  }

  const stormSubmissions = await stormDone;
  submissions.push(...stormSubmissions);
  await waitForEnd(topology.pool, submissions, deadline, log);
  const lastEnd = (
    await topology.pool.query<{ at: Date | null }>(
      `SELECT max(at) AS at FROM request_status_events WHERE request_id = ANY($1) AND status = ANY($2)`,
      [submissions.flatMap((s) => [...s.requestIds]), terminalStatuses],
    )
  ).rows[0]!.at;
  const seen = readiness.stop();
  await tfeSettings(topology, { run_concurrency: null });
  if (seen.notReady.length)
    problems.push(
      `/readyz said not ready ${seen.notReady.length} times of ${seen.samples} during the storm: ${seen.notReady[0]}`,
    );
  if (seen.tfeBacklogMax === 0)
    problems.push(`/readyz never showed a backlog on the tfe queue in ${seen.samples} readings of the storm`);
  log(
    `storm: /readyz ready in ${seen.samples - seen.notReady.length} of ${seen.samples} readings; ` +
      `tfe backlog up to ${seen.tfeBacklogMax} tasks (states ${seen.tfeStates.join(', ')})`,
  );
  return {
    submissions,
    requests: plan.length + failed.length,
    vms,
    peakInFlight,
    idleProbeMs: idle.ms,
    probeMs: atPeak.ms,
    probeBoundMs,
    seconds: Math.round(((lastEnd?.getTime() ?? Date.now()) - started) / 1000),
    rerunAnswers,
    readiness: seen,
    problems,
  };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Submits one request as another requester than the storm's (one requester's storm is meant to
 * wait behind itself, not to hold up everyone else's requests: docs/waits.md, "Workflow tasks") and
 * times it, from its submission until the API shows it ended.
 */
async function probe(
  opts: StormOptions,
  request: PlannedRequest,
  deadline: number,
): Promise<{ submission: Submission; ms: number | undefined }> {
  const started = Date.now();
  const submission = await submit(
    opts.topology.apiUrl,
    opts.topology.probeToken,
    request,
    seededRandom(opts.seed + request.index),
    deadline,
  );
  const [id] = submission.requestIds;
  while (id && Date.now() < deadline) {
    const status = await fetch(`${opts.topology.apiUrl}/v1/requests/${id}`, {
      headers: { authorization: `Bearer ${opts.topology.probeToken}` },
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (res) => (res.ok ? ((await res.json()) as { status: string }).status : undefined),
      () => undefined,
    );
    if (status && terminalStatuses.includes(status)) return { submission, ms: Date.now() - started };
    await sleep(200);
  }
  return { submission, ms: undefined };
}

/** One re-run, posted again after a transport error, a 5xx or a 429. */
async function rerun(
  topology: Topology,
  id: string,
  random: Random,
  deadline: number,
): Promise<{ status: number; requestId?: string; detail: string; resubmits: number }> {
  let resubmits = 0;
  while (Date.now() < deadline) {
    const answer = await fetch(`${topology.apiUrl}/v1/requests/${id}/rerun`, {
      method: 'POST',
      headers: { authorization: `Bearer ${topology.requesterToken}` },
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (res) => ({ status: res.status, text: await res.text() }),
      () => undefined,
    );
    if (answer && answer.status < 500 && answer.status !== 429) {
      const body = answer.text ? (JSON.parse(answer.text) as { requestId?: string }) : {};
      const ok = answer.status === 200 || answer.status === 202;
      return {
        status: answer.status,
        ...(ok && body.requestId ? { requestId: body.requestId } : {}),
        detail: answer.text,
        resubmits,
      };
    }
    resubmits++;
    await sleep(300 + Math.floor(random.next() * 1200));
  }
  return { status: 0, detail: 'no answer before the deadline', resubmits };
}

/** The TFE simulator's settings, on its own admin route. */
async function tfeSettings(topology: Topology, settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${topology.endSystems.tfe!.url}/_sim/tfe/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!res.ok) throw new Error(`simulators PUT /_sim/tfe/settings: ${res.status} ${await res.text()}`);
}

interface QueueReading {
  state?: string;
  backlog?: { tasks: number };
}

/** Reads `/readyz` every second until stopped. */
function readinessSampler(apiUrl: string): { stop(): StormReport['readiness'] } {
  const seen: StormReport['readiness'] = { samples: 0, notReady: [], tfeBacklogMax: 0, tfeStates: [] };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reading = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
        async (res) => ({ status: res.status, text: await res.text() }),
        (err: Error) => ({ status: 0, text: err.message }),
      );
      if (stopped) break;
      seen.samples++;
      if (reading.status !== 200) seen.notReady.push(`${reading.status} ${reading.text}`);
      else {
        const tfe = (JSON.parse(reading.text) as { checks: { taskQueues: Record<string, QueueReading> } })
          .checks.taskQueues.tfe;
        seen.tfeBacklogMax = Math.max(seen.tfeBacklogMax, tfe?.backlog?.tasks ?? 0);
        if (tfe?.state && !seen.tfeStates.includes(tfe.state)) seen.tfeStates.push(tfe.state);
      }
      await sleep(1_000);
    }
  })();
  return {
    stop() {
      stopped = true;
      void loop;
      return seen;
    },
  };
}

/**
 * The storm's slot counts are the whole topology's: with several worker processes each gets its
 * share (at least one), so the queues still have fewer slots than the storm has work.
 */
function perProcess(env: Record<string, string>, processes: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) =>
      k.startsWith('WORKER_CONCURRENCY_')
        ? [k, String(Math.max(1, Math.floor(Number(v) / processes)))]
        : [k, v],
    ),
  );
}
