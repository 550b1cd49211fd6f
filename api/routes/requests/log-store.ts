/**
 * The request log bundle's File Store side: an ended request's collected lines
 * (`request_log_lines`, written by every process's collector, platform/request-log.ts) gathered
 * into one text file (`request_log_files`, beside the request file), and the log as
 * `GET /v1/requests/{id}/log` serves it: the file, then the lines not gathered yet, in order of
 * time. Every API process gathers; a request is gathered by one of them at a time (row locks,
 * SKIP LOCKED), so any number of them may run.
 */
import type { Pool } from 'pg';

/** Lines a request's log file keeps at most; past that they are counted, not kept. */
export const MAX_FILE_LINES = 20_000;
/** How long before a second gathering pass picks up the lines slow processes wrote late. */
const SECOND_PASS = '30 seconds';
/** How long lines naming a request the ledger does not have are kept (a crash between the two). */
const ORPHAN_AGE = '1 hour';
/** Requests gathered per sweep at most. */
const PER_SWEEP = 50;

/** What `GET /v1/requests/{id}/log` serves. */
export interface RequestLog {
  text: string;
  /** Whether the request's lines are all in its file (it ended and was gathered). */
  complete: boolean;
}

/** The request's log: its file, then its lines still collected, oldest first. */
export async function readRequestLog(pool: Pool, requestId: string): Promise<RequestLog> {
  const [file, live] = await Promise.all([
    pool.query<{ body: string; omitted: number }>(
      'SELECT body, omitted FROM request_log_files WHERE request_id = $1',
      [requestId],
    ),
    pool.query<{ line: string }>(
      'SELECT line FROM request_log_lines WHERE request_id = $1 ORDER BY at, id LIMIT $2',
      [requestId, MAX_FILE_LINES + 1],
    ),
  ]);
  const kept = file.rows[0];
  const lines = live.rows.map((r) => `${r.line}\n`);
  const omitted = kept?.omitted
    ? `… ${kept.omitted} more lines not kept (a log file keeps ${MAX_FILE_LINES})\n`
    : '';
  return {
    text: (kept?.body ?? '') + omitted + lines.join(''),
    complete: kept !== undefined && lines.length === 0,
  };
}

/**
 * Gathers the lines of one ended request that is due (request_log_due, set by a trigger when its
 * status becomes final) into its file, and schedules its second pass or, after that, forgets it.
 * Returns false when no request is due (or every due one is being gathered by another process).
 */
async function gatherOne(pool: Pool): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const due = await client.query<{ request_id: string; passes: number }>(
      `SELECT request_id, passes FROM request_log_due WHERE due_at <= now()
        ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    const row = due.rows[0];
    if (!row) {
      await client.query('COMMIT');
      return false;
    }
    const moved = await client.query<{ line: string }>(
      `WITH moved AS (DELETE FROM request_log_lines WHERE request_id = $1 RETURNING at, id, line)
       SELECT line FROM moved ORDER BY at, id`,
      [row.request_id],
    );
    if (moved.rows.length || row.passes === 0) {
      const { rows } = await client.query<{ lines: number }>(
        'SELECT lines FROM request_log_files WHERE request_id = $1 FOR UPDATE',
        [row.request_id],
      );
      const room = Math.max(0, MAX_FILE_LINES - (rows[0]?.lines ?? 0));
      const kept = moved.rows.slice(0, room);
      const omitted = moved.rows.length - kept.length;
      await client.query(
        `INSERT INTO request_log_files (request_id, body, lines, omitted) VALUES ($1, $2, $3, $4)
         ON CONFLICT (request_id) DO UPDATE
           SET body = request_log_files.body || EXCLUDED.body, lines = request_log_files.lines + EXCLUDED.lines,
               omitted = request_log_files.omitted + EXCLUDED.omitted, updated_at = now()`,
        [row.request_id, kept.map((r) => `${r.line}\n`).join(''), kept.length, omitted],
      );
    }
    if (row.passes === 0)
      await client.query(
        `UPDATE request_log_due SET passes = 1, due_at = now() + $2::interval WHERE request_id = $1`,
        [row.request_id, SECOND_PASS],
      );
    else await client.query('DELETE FROM request_log_due WHERE request_id = $1', [row.request_id]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** One sweep: gathers the due requests' logs, and drops lines no ledger row will ever claim. */
export async function gatherRequestLogs(pool: Pool): Promise<number> {
  let gathered = 0;
  while (gathered < PER_SWEEP && (await gatherOne(pool))) gathered++;
  await pool.query(
    `DELETE FROM request_log_lines l WHERE l.at < now() - $1::interval
        AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.request_id = l.request_id)`,
    [ORPHAN_AGE],
  );
  return gathered;
}
