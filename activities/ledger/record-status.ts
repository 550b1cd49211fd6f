/**
 * `ledger:record-status`: writes a request's status change to the Postgres ledger, so the API
 * lists and filters requests without asking Temporal. Idempotent: a retry of a change already
 * written adds no second event. A request started from the Temporal CLI (no API row) gets its
 * row here, so the ledger always agrees with Temporal. A request's end also settles its resources
 * in the same transaction: built ones become active, ones it failed to build are given up, removed
 * ones are kept as `removed`.
 */
import { z } from 'zod';
import { requestStatuses, terminalStatuses } from '../../common/request';
import { settleResources } from '../../resource-handlers/store';
import { defineTask, type TaskContext } from '../task';
import type { LedgerDeps } from './deps';

/** What the end of a request settles: how each of its resources ended. */
const settledSchema = z.object({
  resources: z.array(
    z.looseObject({
      type: z.string(),
      name: z.string(),
      action: z.string(),
      state: z.string(),
      output: z.unknown().optional(),
      removalCommit: z.string().nullable().optional(),
    }),
  ),
});

export const recordStatus = defineTask({
  id: 'ledger:record-status',
  description: "Records a request's status (and outcome, once it has one) in the ledger.",
  timeouts: 'short',
  local: true,
  input: z.object({
    requestId: z.string().min(1),
    traceId: z.string().min(1),
    requester: z.string().min(1),
    workflowId: z.string().min(1),
    status: z.enum(requestStatuses),
    outcome: z.unknown().optional(),
  }),
  output: z.object({ changed: z.boolean() }),
  async handler(input, { deps }: TaskContext<LedgerDeps>) {
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO requests (request_id, trace_id, requester, status, workflow_id, body)
         VALUES ($1, $2, $3, 'received', $4, '{}'::jsonb)
         ON CONFLICT (request_id) DO NOTHING`,
        [input.requestId, input.traceId, input.requester, input.workflowId],
      );
      const { rowCount } = await client.query(
        `WITH changed AS (
           UPDATE requests SET status = $2, updated_at = now()
            WHERE request_id = $1 AND status IS DISTINCT FROM $2
              -- A cancellation asked for is not undone by a late 'running' or 'paused'.
              AND NOT (status = 'cancelling' AND $2 IN ('received', 'running', 'paused'))
            RETURNING request_id)
         INSERT INTO request_status_events (request_id, status) SELECT request_id, $2 FROM changed`,
        [input.requestId, input.status],
      );
      if (input.outcome !== undefined) {
        await client.query('UPDATE requests SET outcome = $2, updated_at = now() WHERE request_id = $1', [
          input.requestId,
          JSON.stringify(input.outcome),
        ]);
      }
      if (terminalStatuses.includes(input.status)) {
        const resources = settledSchema.safeParse(input.outcome);
        if (resources.success) await settleResources(client, input, resources.data.resources);
      }
      await client.query('COMMIT');
      return { changed: rowCount === 1 };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  },
});
