/**
 * The chaos run's workload: requests of one to several VMs, managed (TFE) and unmanaged (AWX)
 * mixed, some carrying a VM that the simulators are told to fail, each submitted through the API
 * with an Idempotency-Key and submitted again after any transport error or 5xx answer (and now
 * and then again after it was accepted, as a double click would) — never with a new key; a few
 * are cancelled through the API while they run.
 */
import type { Pool } from 'pg';
import type { Random } from './random';

/** One VM of a planned request. */
export interface PlannedVm {
  name: string;
  managed: boolean;
  /** The simulators fail this VM's job or run (an outcome rule matches `failMarker` in its name). */
  fails: boolean;
}

/** One request the run submits. */
export interface PlannedRequest {
  index: number;
  idempotencyKey: string;
  vms: PlannedVm[];
  /** When it is submitted, from the start of the workload. */
  atMs: number;
  /** Cancelled through the API this long after it was accepted, if set. */
  cancelAfterMs?: number;
}

/** The part of a VM name that outcome rules match: only VMs meant to fail carry it. */
export const failMarker = 'xfail';

export interface WorkloadSize {
  requests: number;
  /** Most VMs in one request. */
  maxVms: number;
  /** Share of requests that carry one VM meant to fail. */
  failShare: number;
  /** Submissions are spread over this long. */
  spreadMs: number;
  /** Share of requests cancelled while they run. */
  cancelShare: number;
  /** Share of VMs built managed (TFE) rather than unmanaged (AWX); 0.45 when absent. */
  managedShare?: number;
  /** A cancelled request is cancelled this long after it was accepted (ms, from–to); 1–20 s when absent. */
  cancelWithinMs?: [number, number];
}

/** Where a plan's requests sit in the run: a letter in their VM names and the first index. */
export interface PlanPart {
  /** `r` for the main workload, `s` for the storm; VM names are `<tag>-<letter><index>-v<j>`. */
  letter: string;
  /** The index of the plan's first request; indexes (and so keys) are unique across the run. */
  firstIndex: number;
}

/**
 * The requests of a run; names carry the seed so two runs never share a VM name. The shares of
 * failing and cancelled requests are exact (at least one each when the share is not 0), on
 * requests the seed picks.
 */
export function planWorkload(
  size: WorkloadSize,
  seed: number,
  random: Random,
  part: PlanPart = { letter: 'r', firstIndex: 0 },
): PlannedRequest[] {
  const tag = runTag(seed);
  const [cancelFrom, cancelTo] = size.cancelWithinMs ?? [1_000, 20_000];
  const atLeastOne = (share: number) => (share > 0 ? Math.max(1, Math.round(size.requests * share)) : 0);
  const order = Array.from({ length: size.requests }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const failing = new Set(order.slice(0, atLeastOne(size.failShare)));
  const cancelled = new Set(order.slice(failing.size, failing.size + atLeastOne(size.cancelShare)));
  return Array.from({ length: size.requests }, (_, i) => {
    const index = part.firstIndex + i;
    const count = size.maxVms > 1 && random.chance(0.35) ? random.int(2, size.maxVms) : 1;
    const failingVm = failing.has(i) ? random.int(0, count - 1) : -1;
    const vms = Array.from({ length: count }, (_, j) => {
      const fails = j === failingVm;
      return {
        name: `${tag}-${part.letter}${index}-v${j}${fails ? `-${failMarker}` : ''}`,
        managed: random.chance(size.managedShare ?? 0.45),
        fails,
      };
    });
    const cancelAfterMs = cancelled.has(i) ? random.int(cancelFrom, cancelTo) : undefined;
    return {
      index,
      idempotencyKey: `chaos-${seed}-${index}`,
      vms,
      atMs: Math.floor(random.next() * size.spreadMs),
      ...(cancelAfterMs !== undefined ? { cancelAfterMs } : {}),
    };
  });
}

/** The part of every VM name of a run that tells it from other runs' VMs. */
export function runTag(seed: number): string {
  return `ch${(seed % 46656).toString(36)}`;
}

/** The request body a user would write for these VMs. */
export function requestBody(request: PlannedRequest): unknown {
  return {
    description: `chaos run request ${request.index}`,
    resources: request.vms.map((vm) => ({
      type: 'virtual_machine',
      name: vm.name,
      osImage: 'rhel9',
      network: 'INTRANET_DEV',
      cpu: 1,
      memoryGb: 2,
      disks: [{ sizeGb: 40 }],
      managed: vm.managed,
    })),
  };
}

/** What became of one submission. */
export interface Submission {
  request: PlannedRequest;
  /** Every request ID the API answered for this key: more than one is a duplicate. */
  requestIds: Set<string>;
  /** Posts that got no usable answer (transport error, 5xx, 429) and were sent again. */
  resubmits: number;
  /** A 4xx other than 429: the workload itself is wrong. */
  refused?: string;
  /** The API's answer to the planned cancellation: 202 (cancelling) or 409 (it had already ended). */
  cancel?: number;
}

/**
 * Posts the request until the API accepts it (202, or 200 for a key it already knows), with the
 * same Idempotency-Key every time; gives up at `deadline`.
 */
export async function submit(
  apiUrl: string,
  token: string,
  request: PlannedRequest,
  random: Random,
  deadline: number,
  onAccepted?: (requestId: string) => void,
): Promise<Submission> {
  const result: Submission = { request, requestIds: new Set(), resubmits: 0 };
  const body = JSON.stringify(requestBody(request));
  // A double click: the same submission again after it was accepted.
  let posts = random.chance(0.25) ? 2 : 1;
  while (posts > 0 && Date.now() < deadline) {
    let answer: { status: number; body: { requestId?: string } } | undefined;
    try {
      const res = await fetch(`${apiUrl}/v1/requests`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      answer = { status: res.status, body: text ? (JSON.parse(text) as { requestId?: string }) : {} };
    } catch {
      answer = undefined;
    }
    if (answer && (answer.status === 200 || answer.status === 202) && answer.body.requestId) {
      if (!result.requestIds.size) onAccepted?.(answer.body.requestId);
      result.requestIds.add(answer.body.requestId);
      posts--;
      continue;
    }
    if (answer && answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
      result.refused = `${answer.status} ${JSON.stringify(answer.body)}`;
      return result;
    }
    result.resubmits++;
    await new Promise((r) => setTimeout(r, 300 + Math.floor(random.next() * 1200)));
  }
  const [requestId] = result.requestIds;
  if (request.cancelAfterMs !== undefined && requestId) {
    await new Promise((r) => setTimeout(r, request.cancelAfterMs));
    while (result.cancel === undefined && Date.now() < deadline) {
      const status = await fetch(`${apiUrl}/v1/requests/${requestId}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      }).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 202 || status === 409) result.cancel = status;
      else await new Promise((r) => setTimeout(r, 500 + Math.floor(random.next() * 1000)));
    }
  }
  return result;
}

/** The statuses a request ends in. */
export const terminalStatuses = ['succeeded', 'failed', 'cancelled'];

/** Waits until the ledger shows every accepted request of `submissions` ended, or the deadline passes. */
export async function waitForEnd(
  pool: Pool,
  submissions: Submission[],
  deadline: number,
  log: (line: string) => void,
  whileOpen: () => void = () => undefined,
): Promise<void> {
  const ids = submissions.flatMap((s) => [...s.requestIds]);
  let lastOpen = -1;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM requests WHERE request_id = ANY($1) AND NOT (status = ANY($2))`,
      [ids, terminalStatuses],
    );
    const open = rows[0]!.n;
    if (open === 0) return;
    if (open !== lastOpen) log(`${open} requests still open`);
    lastOpen = open;
    whileOpen();
    await new Promise((r) => setTimeout(r, 2_000));
  }
  log('deadline passed with requests still open');
}
