/**
 * `ledger:admit-request`: admission per requester. At most `limit` of one requester's requests
 * work at once; the others wait in their workflows, in the order they asked, until one of those
 * ends or pauses for a decision and gives its place up (docs/waits.md, "Admission per requester").
 *
 * `enter` queues the request (once: asking again keeps its place) and tells whether it is
 * admitted; `leave` gives its place up. Either way every request whose turn has come is admitted
 * in the same transaction, and their workflows are named in `others`, for the caller to signal.
 * A per-requester advisory lock orders the callers across worker processes, so a place is never
 * given twice. Idempotent: asking again admits nobody twice, and a lost answer costs at most a
 * signal, which the waiting request's own periodic check makes up for.
 *
 * A place held by a workflow that ended without saying so (terminated from the CLI) would be lost
 * for good: with `checkHolders`, places taken more than a minute ago are checked against Temporal
 * and those of closed workflows are freed.
 */
import { z } from 'zod';
import { inTransaction } from '../../resource-handlers/store/ipam';
import { defineTask, type TaskContext } from '../task';
import type { LedgerDeps } from './deps';

/** How old a place must be before a check asks Temporal whether its workflow still runs. */
const HOLDER_CHECK_AFTER = '1 minute';
/** At most this many holders are checked against Temporal in one call. */
const HOLDERS_CHECKED = 20;

export const admitRequest = defineTask({
  id: 'ledger:admit-request',
  description:
    "Queues a request among its requester's, or gives its place up; admits every request whose turn has come.",
  timeouts: 'short',
  local: true,
  input: z.object({
    requestId: z.string().min(1),
    requester: z.string().min(1),
    workflowId: z.string().min(1),
    /** How many of the requester's requests may work at once. */
    limit: z.number().int().min(1),
    /** `enter`: take a place (queued or admitted); `leave`: give it up. */
    move: z.enum(['enter', 'leave']),
    /** Free the places of holders whose workflows are closed (see above). */
    checkHolders: z.boolean().optional(),
  }),
  output: z.object({
    /** Whether this request holds a place now. */
    admitted: z.boolean(),
    /** Requests of the requester queued before this one. */
    ahead: z.number().int(),
    /** Requests of the requester holding a place. */
    running: z.number().int(),
    /** The workflows of the other requests admitted by this call: theirs to be told. */
    others: z.array(z.string()),
  }),
  async handler(input, { deps }: TaskContext<LedgerDeps>) {
    if (input.checkHolders) await freeClosedHolders(deps, input.requester);
    return inTransaction(deps.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('request admission ' || $1, 0))`, [
        input.requester,
      ]);
      if (input.move === 'enter')
        await client.query(
          `INSERT INTO request_admissions (request_id, requester, workflow_id) VALUES ($1, $2, $3)
           ON CONFLICT (request_id) DO NOTHING`,
          [input.requestId, input.requester, input.workflowId],
        );
      else await client.query('DELETE FROM request_admissions WHERE request_id = $1', [input.requestId]);
      const { rows: admitted } = await client.query<{
        request_id: string;
        workflow_id: string;
        queued_at: Date;
      }>(
        `UPDATE request_admissions SET admitted_at = now()
          WHERE request_id IN (
            SELECT request_id FROM request_admissions
             WHERE requester = $1 AND admitted_at IS NULL
             ORDER BY queued_at, request_id
             LIMIT greatest(0, $2 - (SELECT count(*) FROM request_admissions
                                      WHERE requester = $1 AND admitted_at IS NOT NULL)))
          RETURNING request_id, workflow_id, queued_at`,
        [input.requester, input.limit],
      );
      const { rows } = await client.query<{ admitted: boolean; ahead: string; running: string }>(
        `SELECT coalesce(me.admitted_at IS NOT NULL, false) AS admitted,
                (SELECT count(*) FROM request_admissions q
                  WHERE q.requester = $1 AND q.admitted_at IS NULL AND me.request_id IS NOT NULL
                    AND (q.queued_at, q.request_id) < (me.queued_at, me.request_id)) AS ahead,
                (SELECT count(*) FROM request_admissions
                  WHERE requester = $1 AND admitted_at IS NOT NULL) AS running
           FROM (SELECT 1) AS one
           LEFT JOIN request_admissions me ON me.request_id = $2`,
        [input.requester, input.requestId],
      );
      const row = rows[0]!;
      return {
        admitted: input.move === 'enter' && row.admitted,
        ahead: Number(row.ahead),
        running: Number(row.running),
        // In the order they queued (an UPDATE returns its rows in no order of its own).
        others: admitted
          .filter((r) => r.request_id !== input.requestId)
          .sort(
            (a, b) =>
              a.queued_at.getTime() - b.queued_at.getTime() || a.request_id.localeCompare(b.request_id),
          )
          .map((r) => r.workflow_id),
      };
    });
  },
});

/** Frees the places of the requester's holders whose workflows are no longer running. */
async function freeClosedHolders(deps: LedgerDeps, requester: string): Promise<void> {
  const { rows } = await deps.pool.query<{ request_id: string; workflow_id: string }>(
    `SELECT request_id, workflow_id FROM request_admissions
      WHERE requester = $1 AND admitted_at IS NOT NULL AND admitted_at < now() - $2::interval
      ORDER BY admitted_at LIMIT $3`,
    [requester, HOLDER_CHECK_AFTER, HOLDERS_CHECKED],
  );
  for (const holder of rows) {
    if (await deps.workflowRunning(holder.workflow_id)) continue;
    await deps.pool.query('DELETE FROM request_admissions WHERE request_id = $1 AND workflow_id = $2', [
      holder.request_id,
      holder.workflow_id,
    ]);
  }
}
