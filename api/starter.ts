/**
 * Starts the workflows of recorded requests. A submission is answered as soon as PostgreSQL holds
 * it, with its pending start in `request_starts` (one statement); the submitting process then
 * starts the workflow here at once, in the background, so a busy or briefly absent Temporal slows
 * the start, never the answer, and loses nothing. A start that fails for a reason that can pass
 * (Temporal down, busy, a timeout) is retried with backoff by the sweep, which also takes what a
 * process that died between its answer and the start left behind. A start Temporal refuses for
 * good (an invalid argument) fails the request in the ledger, with Temporal's message.
 *
 * Starting is idempotent, so a kick, a sweep and another API process may race: the workflow ID is
 * fixed per request, a start of a running workflow finds it (USE_EXISTING), and a start of one
 * that already closed is refused (REJECT_DUPLICATE) and counts as started.
 *
 * Each start picks the request's lane (`laneOf`): the interactive `orchestrator`, or
 * `orchestrator-bulk` when its requester already has `bulkAfter` requests received or running.
 */
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { requestWorkflowId } from '../common/ids';
import { templateFor, type RequestWorkflowInput } from '../common/request';
import { requestDetails, requestSummary } from '../common/summaries';
import { RequestId, Requester, RequestStatus, ResourceType, TraceId } from '../common/search-attributes';
import { DEFAULT_BULK_AFTER, TaskQueues, type TaskQueue } from '../common/task-queues';
import type { Logger } from '../platform/logger';
import { repeatEvery } from '../platform/repeat';
import { TurnQueue } from '../platform/turn-queue';
import { requestWorkflow } from '../workflows/request';

/** gRPC status codes that no retry changes: the start itself is malformed. */
const PERMANENT_CODES = new Set([3 /* INVALID_ARGUMENT */]);
/** How long one process holds a start before another may take it over. */
const LEASE = '30 seconds';

/** A start that could not happen now (Temporal unreachable or busy); it stays waiting. */
export class StartDeferredError extends Error {
  constructor(readonly requestId: string) {
    super(`the workflow of ${requestId} could not be started yet`);
  }
}

export interface WorkflowStarter {
  /**
   * Starts the request's workflow in the background, now (several at once, a bounded number, in
   * turns per requester); `input`, when the caller has just recorded it, saves reading it back.
   */
  kick(requestId: string, input?: RequestWorkflowInput): void;
  /**
   * Starts it now, whoever else is starting it, and resolves once Temporal has it; false when it
   * was not waiting (started already, or failed for good); StartDeferredError when Temporal
   * could not take it now.
   */
  startNow(requestId: string): Promise<boolean>;
  /** The request's start when it is still waiting: attempts so far and the last error. */
  waiting(requestId: string): Promise<{ attempts: number; lastError?: string; since: string } | undefined>;
  /** Takes the due starts every `everyMs` (the first sweep at once); returns what stops it. */
  sweepEvery(everyMs: number): () => Promise<void>;
  /** Resolves once no start of this process is in flight. */
  idle(): Promise<void>;
}

export interface StarterDeps {
  temporal: Client;
  pool: Pool;
  log: Logger;
  /** Starts in flight at once in this process. */
  concurrency?: number;
  /** `REQUEST_BULK_AFTER`: see `laneOf`. Default DEFAULT_BULK_AFTER. */
  bulkAfter?: number;
}

type Outcome = 'started' | 'retrying' | 'failed' | 'absent';

export function createWorkflowStarter(deps: StarterDeps): WorkflowStarter {
  const { temporal, pool, log } = deps;
  const limit = deps.concurrency ?? 16;
  const bulkAfter = deps.bulkAfter ?? DEFAULT_BULK_AFTER;
  /**
   * Waiting for a free slot, in turns per requester (one requester's burst of submissions starts
   * behind itself, not in front of another requester's one); the input when the kick had it.
   */
  const queued = new TurnQueue<RequestWorkflowInput | undefined>();
  const active = new Set<string>();
  let idleWaiters: (() => void)[] = [];

  /**
   * One attempt. With the input in hand (the submitting process, right after writing the row,
   * which no sweep takes before STARTER_GRACE_SECONDS) it starts at once; otherwise it reads the
   * row and counts the attempt, and `leased` takes it only when it is due and no other process
   * holds it.
   */
  async function attempt(
    requestId: string,
    how: { input: RequestWorkflowInput } | { leased: boolean },
  ): Promise<Outcome> {
    let input: RequestWorkflowInput;
    let counted = false;
    if ('input' in how) input = how.input;
    else {
      const { rows } = await pool.query<{ input: RequestWorkflowInput }>(
        `UPDATE request_starts
            SET attempts = attempts + 1, leased_until = now() + $2::interval
          WHERE request_id = $1 ${how.leased ? 'AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())' : ''}
          RETURNING input`,
        [requestId, LEASE],
      );
      if (!rows[0]) return 'absent';
      input = rows[0].input;
      counted = true;
    }
    try {
      await startRequestWorkflow(temporal, input, await laneOf(pool, input, bulkAfter));
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        if (isPermanent(err)) {
          await failRequest(pool, requestId, messageOf(err));
          log.error(
            { requestId, traceId: input.traceId, err: messageOf(err) },
            'Temporal refused the request workflow; request failed',
          );
          return 'failed';
        }
        // Backoff: 1 s, 2 s, 4 s … up to a minute after the attempts so far.
        const { rows } = await pool.query<{ attempts: number }>(
          `UPDATE request_starts
              SET attempts = attempts + $3, leased_until = NULL, last_error = $2,
                  next_attempt_at = now() + least(60, power(2, greatest(0, attempts + $3 - 1))) * interval '1 second'
            WHERE request_id = $1
            RETURNING attempts`,
          [requestId, messageOf(err), counted ? 0 : 1],
        );
        log.warn(
          { requestId, traceId: input.traceId, attempts: rows[0]?.attempts, err: messageOf(err) },
          'request workflow not started yet; will retry',
        );
        return 'retrying';
      }
    }
    await pool.query('DELETE FROM request_starts WHERE request_id = $1', [requestId]);
    log.info({ requestId, traceId: input.traceId }, 'request workflow started');
    return 'started';
  }

  function pump(): void {
    while (active.size < limit && queued.size) {
      const { id: requestId, value: input } = queued.take()!;
      active.add(requestId);
      attempt(requestId, input ? { input } : { leased: true })
        .catch((err: Error) =>
          // PostgreSQL unreachable: the row stays due, and the next sweep takes it.
          log.warn({ requestId, err: err.message }, 'request workflow start deferred'),
        )
        .finally(() => {
          active.delete(requestId);
          pump();
          if (active.size === 0 && queued.size === 0) {
            const waiters = idleWaiters;
            idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }

  function enqueue(requester: string, requestId: string, input?: RequestWorkflowInput): void {
    if (!active.has(requestId)) queued.add(requester, requestId, input);
    pump();
  }
  const kick = (requestId: string, input?: RequestWorkflowInput) =>
    enqueue(input?.requester ?? '', requestId, input);

  return {
    kick,
    async startNow(requestId) {
      const outcome = await attempt(requestId, { leased: false });
      if (outcome === 'retrying') throw new StartDeferredError(requestId);
      return outcome === 'started';
    },
    async waiting(requestId) {
      const { rows } = await pool.query<{ attempts: number; last_error: string | null; created_at: Date }>(
        'SELECT attempts, last_error, created_at FROM request_starts WHERE request_id = $1',
        [requestId],
      );
      const r = rows[0];
      if (!r) return undefined;
      return {
        attempts: r.attempts,
        ...(r.last_error ? { lastError: r.last_error } : {}),
        since: r.created_at.toISOString(),
      };
    },
    sweepEvery(everyMs) {
      const sweep = async () => {
        const { rows } = await pool.query<{ request_id: string; requester: string }>(
          `SELECT s.request_id, r.requester FROM request_starts s JOIN requests r USING (request_id)
            WHERE s.next_attempt_at <= now() AND (s.leased_until IS NULL OR s.leased_until < now())
            ORDER BY s.next_attempt_at LIMIT $1`,
          [limit * 4],
        );
        for (const r of rows) enqueue(r.requester, r.request_id);
      };
      return repeatEvery(everyMs, sweep, (err) =>
        log.warn({ err: err.message }, 'start sweep failed; next one soon'),
      );
    },
    idle() {
      if (active.size === 0 && queued.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/**
 * The lane a request starts in: the bulk lane when its requester already has `bulkAfter` other
 * requests received or running, as PostgreSQL has them at the start (a burst's requests committed
 * in the same instant may not see each other: a few more of them can start interactive). Its
 * workflows and the orchestrator's own activities then stay in that lane, served by a worker of
 * their own, so one requester's burst queues behind itself and not in front of another
 * requester's next request (docs/waits.md, "Two lanes").
 */
export async function laneOf(
  pool: Pool,
  input: Pick<RequestWorkflowInput, 'requester' | 'requestId'>,
  bulkAfter: number,
): Promise<TaskQueue> {
  const { rows } = await pool.query<{ working: number }>(
    `SELECT count(*)::int AS working FROM (
       SELECT 1 FROM requests
        WHERE requester = $1 AND status IN ('received', 'running') AND request_id <> $2
        LIMIT $3) AS w`,
    [input.requester, input.requestId, bulkAfter],
  );
  return rows[0]!.working >= bulkAfter ? TaskQueues.orchestratorBulk : TaskQueues.orchestrator;
}

/** Starts the request workflow of `input` in `lane` (idempotent, see the module comment). */
export async function startRequestWorkflow(
  temporal: Client,
  input: RequestWorkflowInput,
  lane: TaskQueue = TaskQueues.orchestrator,
): Promise<void> {
  const resourceTypes = [...new Set(input.resources.map((r) => r.type))].sort();
  await temporal.workflow.start(requestWorkflow, {
    taskQueue: lane,
    workflowId: requestWorkflowId(input.traceId, input.requestId),
    args: [input],
    // What the Temporal Web UI and `temporal workflow describe` show of the request.
    staticSummary: requestSummary(input),
    staticDetails: requestDetails(input, input.resources.map(templateFor)),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // Inherited by every workflow and activity of the request's tree (docs/waits.md, "Workflow tasks").
    priority: { fairnessKey: fairnessKeyOf(input.requester) },
    typedSearchAttributes: [
      { key: TraceId, value: input.traceId },
      { key: RequestId, value: input.requestId },
      { key: Requester, value: input.requester },
      { key: ResourceType, value: resourceTypes.join(',') },
      { key: RequestStatus, value: 'received' },
    ],
  });
}

/**
 * The Temporal fairness key of a requester's requests: their subject, so that task queues share
 * their dispatch evenly between requesters and one requester's burst of requests waits behind
 * itself, not in front of everyone else. Keys are limited to 64 bytes: a longer subject is
 * replaced by its SHA-256.
 */
export function fairnessKeyOf(requester: string): string {
  return Buffer.byteLength(requester) <= 64
    ? requester
    : createHash('sha256').update(requester).digest('hex');
}

function isPermanent(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && PERMANENT_CODES.has(cause.code);
}

function messageOf(err: unknown): string {
  const cause = err instanceof ServiceError && err.cause ? `: ${err.cause.message}` : '';
  return `${(err as Error).message}${cause}`;
}

/** The ledger says failed, with why, and the start is no longer waiting (one statement). */
async function failRequest(pool: Pool, requestId: string, message: string): Promise<void> {
  const error = { message: `the workflow could not be started: ${message}` };
  await pool.query(
    `WITH d AS (DELETE FROM request_starts WHERE request_id = $1 RETURNING request_id),
          u AS (
           UPDATE requests SET status = 'failed', outcome = $2::jsonb, updated_at = now()
            WHERE request_id IN (SELECT request_id FROM d) RETURNING request_id)
     INSERT INTO request_status_events (request_id, status, detail)
     SELECT request_id, 'failed', $3::jsonb FROM u`,
    [requestId, JSON.stringify({ resources: [], error }), JSON.stringify(error)],
  );
}
