/**
 * `ledger:record-events`: appends changes of a request's story to `request_events` and wakes the
 * API processes that stream it (`NOTIFY request_events`, the request ID as payload). Idempotent:
 * the workflow numbers the events, so a retry adds nothing twice. A local activity, one statement
 * inside the workflow task that told the change.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { LedgerDeps } from './deps';

/** The channel the API listens on for new events; the payload is the request ID. */
export const REQUEST_EVENTS_CHANNEL = 'request_events';

export const recordEvents = defineTask({
  id: 'ledger:record-events',
  description: "Appends changes of a request's story (statuses, steps, its outcome) for the event stream.",
  timeouts: 'short',
  local: true,
  input: z.object({
    requestId: z.string().min(1),
    events: z
      .array(
        z.object({
          seq: z.number().int().positive(),
          at: z.string().min(1),
          type: z.string().min(1),
          data: z.unknown(),
        }),
      )
      .min(1),
  }),
  output: z.object({ recorded: z.number().int() }),
  async handler(input, { deps }: TaskContext<LedgerDeps>) {
    const { rowCount } = await deps.pool.query(
      `WITH added AS (
         INSERT INTO request_events (request_id, seq, type, data, at)
         SELECT $1, e.seq, e.type, e.data, e.at
           FROM jsonb_to_recordset($2::jsonb) AS e(seq integer, type text, data jsonb, at timestamptz)
         ON CONFLICT (request_id, seq) DO NOTHING
         RETURNING 1)
       SELECT pg_notify($3, $1) FROM added LIMIT 1`,
      [input.requestId, JSON.stringify(input.events), REQUEST_EVENTS_CHANNEL],
    );
    return { recorded: rowCount ?? 0 };
  },
});
