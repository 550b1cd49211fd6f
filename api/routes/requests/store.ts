/**
 * The requests in the ledger as the API reads and writes them. A submission is written in one
 * transaction that also starts its workflow before committing: if Temporal refuses, nothing is
 * written; if the commit failed after the start, the workflow's first ledger write puts the row
 * back, so the ledger never lacks a request Temporal runs.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { RequestEvent, RequestStatus } from '../../../common/request';

export interface RequestRow {
  requestId: string;
  traceId: string;
  requester: string;
  status: RequestStatus;
  workflowId: string;
  resourceTypes: string[];
  rerunOf: string | null;
  outcome: unknown;
  /** What the submission says it is for (`description`); a hook's request names its alert here. */
  description: string | null;
  /** The hash of the plan it was submitted with (docs/plan-preview.md); null when none was made. */
  planHash: string | null;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = `request_id, trace_id, requester, status, workflow_id, resource_types, rerun_of, outcome, body->>'description' AS description, plan_hash, created_at, updated_at`;

function toRow(r: Record<string, unknown>): RequestRow {
  return {
    requestId: r.request_id as string,
    traceId: r.trace_id as string,
    requester: r.requester as string,
    status: r.status as RequestStatus,
    workflowId: r.workflow_id as string,
    resourceTypes: r.resource_types as string[],
    rerunOf: (r.rerun_of as string | null) ?? null,
    outcome: r.outcome ?? null,
    description: (r.description as string | null) ?? null,
    planHash: (r.plan_hash as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * How long after its submission a pending start is left to the process that took the submission
 * before any other process's sweep may take it.
 */
export const STARTER_GRACE_SECONDS = 5;

export interface NewRequest {
  requestId: string;
  traceId: string;
  requester: string;
  workflowId: string;
  resourceTypes: string[];
  rerunOf?: string;
  /** The submitted JSON, stored verbatim as the request file. */
  file: Buffer;
  idempotencyKey?: string;
  /** What the request's workflow starts with, kept until Temporal has it (request_starts). */
  workflowInput: unknown;
  /** The resources it acts on; none may be claimed by another unfinished request. */
  claims: { type: string; name: string }[];
  /** The plan it was submitted with, when one was made. */
  plan?: { planHash: string };
}

/** The resource another unfinished request is acting on, and that request. */
export interface ClaimConflict {
  type: string;
  name: string;
  requestId: string;
  status: RequestStatus;
}

export type InsertOutcome =
  | { created: true; row: RequestRow }
  | { created: false; existingRequestId: string }
  | { created: false; claimedBy: ClaimConflict };

/** A pg error's SQLSTATE and constraint. */
const pgError = (err: unknown) => err as { code?: string; constraint?: string };

/**
 * Records a submission: the request row, its first status event, its file, its pending workflow
 * start, its claims on the resources it acts on and, when it has one, its Idempotency-Key, all in
 * one statement (one round trip, one transaction). When the key was already taken by the same
 * requester nothing is written and the request that took it is returned; a concurrent submission
 * with the same key waits for the first to commit, then finds it. The same holds for a second
 * re-run of one request (the first re-run is returned) and for a resource another unfinished
 * request claims (that request is returned), through the unique indexes, across processes.
 */
export async function insertRequest(pool: Pool | PoolClient, req: NewRequest): Promise<InsertOutcome> {
  const fileHash = sha256(req.file);
  const params: unknown[] = [
    req.requestId,
    req.traceId,
    req.requester,
    req.workflowId,
    req.file.toString('utf8'),
    req.resourceTypes,
    req.rerunOf ?? null,
    req.file,
    fileHash,
    JSON.stringify(req.workflowInput),
    `${STARTER_GRACE_SECONDS} seconds`,
    req.claims.map((c) => c.type),
    req.claims.map((c) => c.name),
    req.plan?.planHash ?? null,
    req.plan ? JSON.stringify(req.plan) : null,
  ];
  let claim = '';
  let from = '';
  if (req.idempotencyKey) {
    params.push(req.idempotencyKey);
    claim = `k AS (
        INSERT INTO idempotency_keys (requester, key, request_id, body_sha256)
        VALUES ($3, $16, $1, $9) ON CONFLICT (requester, key) DO NOTHING RETURNING request_id),`;
    from = 'FROM k';
  }
  let rows: Record<string, unknown>[];
  try {
    rows = (
      await pool.query(
        `WITH ${claim}
       r AS (
        INSERT INTO requests (request_id, trace_id, requester, status, workflow_id, body, resource_types, rerun_of, plan_hash, plan)
        SELECT $1, $2, $3, 'received', $4, $5::jsonb, $6, $7, $14, $15::jsonb ${from}
        RETURNING ${COLUMNS}),
       e AS (INSERT INTO request_status_events (request_id, status) SELECT request_id, 'received' FROM r),
       f AS (
        INSERT INTO request_files (request_id, content_type, body, sha256)
        SELECT request_id, 'application/json', $8, $9 FROM r),
       s AS (
        INSERT INTO request_starts (request_id, input, next_attempt_at)
        SELECT request_id, $10::jsonb, now() + $11::interval FROM r),
       c AS (
        INSERT INTO resource_claims (resource_type, name, request_id)
        SELECT DISTINCT c.type, c.name, r.request_id FROM r, unnest($12::text[], $13::text[]) AS c(type, name))
     SELECT * FROM r`,
        params,
      )
    ).rows;
  } catch (err) {
    const { code, constraint } = pgError(err);
    if (code === '23505' && constraint === 'requests_one_rerun') {
      const rerun = await findRerun(pool, req.rerunOf!);
      if (rerun) return { created: false, existingRequestId: rerun };
    }
    if (code === '23505' && constraint === 'resource_claims_pkey') {
      const claimedBy = await findClaim(pool, req.claims);
      if (claimedBy) return { created: false, claimedBy };
    }
    throw err;
  }
  if (rows[0]) return { created: true, row: toRow(rows[0]) };
  const existing = await findIdempotent(pool, req.requester, req.idempotencyKey!);
  return { created: false, existingRequestId: existing!.requestId };
}

/** The plan a request was submitted with, if one was made. */
export async function planOf(pool: Pool, requestId: string): Promise<unknown> {
  const { rows } = await pool.query<{ plan: unknown }>('SELECT plan FROM requests WHERE request_id = $1', [
    requestId,
  ]);
  return rows[0]?.plan ?? undefined;
}

/** The request that re-ran `requestId`, if one did. */
export async function findRerun(pool: Pool | PoolClient, requestId: string): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT request_id FROM requests WHERE rerun_of = $1', [requestId]);
  return rows[0]?.request_id;
}

/** The first of `claims` an unfinished request holds, and that request. */
export async function findClaim(
  pool: Pool | PoolClient,
  claims: { type: string; name: string }[],
): Promise<ClaimConflict | undefined> {
  const { rows } = await pool.query(
    `SELECT c.resource_type, c.name, c.request_id, r.status
       FROM resource_claims c JOIN requests r USING (request_id)
      WHERE (c.resource_type, c.name) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      ORDER BY c.resource_type, c.name LIMIT 1`,
    [claims.map((c) => c.type), claims.map((c) => c.name)],
  );
  const r = rows[0];
  return r ? { type: r.resource_type, name: r.name, requestId: r.request_id, status: r.status } : undefined;
}

/** Records a decision that ended a request's pause, with who took it. */
export async function recordResume(
  pool: Pool,
  requestId: string,
  action: string,
  by: string,
): Promise<{ at: string }> {
  const { rows } = await pool.query(
    'INSERT INTO request_resumes (request_id, action, by_subject) VALUES ($1, $2, $3) RETURNING at',
    [requestId, action, by],
  );
  return { at: (rows[0].at as Date).toISOString() };
}

/** Every decision that ended a pause of the request, oldest first. */
export async function resumesOf(
  pool: Pool,
  requestId: string,
): Promise<{ action: string; by: string; at: string }[]> {
  const { rows } = await pool.query(
    'SELECT action, by_subject, at FROM request_resumes WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
  return rows.map((r) => ({ action: r.action, by: r.by_subject, at: (r.at as Date).toISOString() }));
}

/** The request an idempotency key already names, with the hash of the body it was sent with. */
export async function findIdempotent(
  db: Pool | PoolClient,
  requester: string,
  key: string,
): Promise<{ requestId: string; bodySha256: string } | undefined> {
  const { rows } = await db.query(
    'SELECT request_id, body_sha256 FROM idempotency_keys WHERE requester = $1 AND key = $2',
    [requester, key],
  );
  return rows[0] ? { requestId: rows[0].request_id, bodySha256: rows[0].body_sha256 } : undefined;
}

export async function getRequest(pool: Pool, requestId: string): Promise<RequestRow | undefined> {
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM requests WHERE request_id = $1`, [requestId]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function getRequestFile(
  pool: Pool,
  requestId: string,
): Promise<{ contentType: string; body: Buffer } | undefined> {
  const { rows } = await pool.query('SELECT content_type, body FROM request_files WHERE request_id = $1', [
    requestId,
  ]);
  return rows[0] ? { contentType: rows[0].content_type, body: rows[0].body } : undefined;
}

export async function statusHistory(
  pool: Pool,
  requestId: string,
): Promise<{ status: string; at: string }[]> {
  const { rows } = await pool.query(
    'SELECT status, at FROM request_status_events WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
  return rows.map((r) => ({ status: r.status, at: (r.at as Date).toISOString() }));
}

export interface ListFilter {
  traceId?: string;
  status?: RequestStatus;
  requester?: string;
  limit: number;
  /** Keyset cursor: the last row of the previous page. */
  after?: ListPosition;
}

/** A row's place in the list: its creation time in microseconds since the epoch (as text), and its ID. */
export interface ListPosition {
  createdMicros: string;
  requestId: string;
}

/** Newest first, keyset-paginated; returns one page and the cursor of the next, if any. */
export async function listRequests(
  pool: Pool,
  filter: ListFilter,
): Promise<{ rows: RequestRow[]; next?: ListPosition }> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (filter.traceId) add('trace_id = ?', filter.traceId);
  if (filter.status) add('status = ?', filter.status);
  if (filter.requester) add('requester = ?', filter.requester);
  if (filter.after) {
    args.push(filter.after.createdMicros, filter.after.requestId);
    // In whole microseconds, as Postgres keeps them: a millisecond timestamp would skip rows.
    where.push(
      `(created_at, request_id) < ('epoch'::timestamptz + $${args.length - 1}::bigint * interval '1 microsecond', $${args.length})`,
    );
  }
  args.push(filter.limit + 1);
  const { rows } = await pool.query(
    `SELECT ${COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
       FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, request_id DESC LIMIT $${args.length}`,
    args,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    rows: page.map(toRow),
    ...(rows.length > filter.limit && last
      ? { next: { createdMicros: String(last.created_micros), requestId: String(last.request_id) } }
      : {}),
  };
}

/**
 * Records that a cancellation was asked for: `cancelling` until the workflow records how it
 * ended. Only a request still under way changes (an end already recorded stays).
 */
export async function recordCancelling(pool: Pool, requestId: string): Promise<void> {
  await pool.query(
    `WITH changed AS (
       UPDATE requests SET status = 'cancelling', updated_at = now()
        WHERE request_id = $1 AND status IN ('received', 'running', 'paused')
        RETURNING request_id)
     INSERT INTO request_status_events (request_id, status) SELECT request_id, 'cancelling' FROM changed`,
    [requestId],
  );
}

/**
 * A request's recorded events after `afterSeq`, in order (at most `limit`), the highest seq
 * recorded, and whether its outcome is recorded (`ended`).
 */
export async function eventsAfter(
  pool: Pool,
  requestId: string,
  afterSeq: number,
  limit = 500,
): Promise<{ events: RequestEvent[]; maxSeq: number; ended: boolean }> {
  const { rows } = await pool.query(
    `SELECT seq, type, data, at, max(seq) OVER () AS max_seq
       FROM request_events WHERE request_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [requestId, afterSeq, limit],
  );
  if (rows.length === 0) {
    const { rows: top } = await pool.query(
      `SELECT coalesce(max(seq), 0) AS max_seq, coalesce(bool_or(type = 'outcome'), false) AS ended
         FROM request_events WHERE request_id = $1`,
      [requestId],
    );
    return { events: [], maxSeq: Number(top[0].max_seq), ended: top[0].ended as boolean };
  }
  return {
    events: rows.map(
      (r) => ({ seq: r.seq, type: r.type, data: r.data, at: (r.at as Date).toISOString() }) as RequestEvent,
    ),
    maxSeq: Number(rows[0].max_seq),
    ended: rows.some((r) => r.type === 'outcome'),
  };
}
