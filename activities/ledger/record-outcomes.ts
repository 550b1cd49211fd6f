/**
 * `ledger:record-outcomes`: keeps how each resource of a batch ended, its template's steps
 * included, in `request_resource_outcomes`, where GET /v1/requests/{id} finds the steps the
 * request's own outcome leaves out (a request built through batches). Idempotent: a retry writes
 * the same rows again.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { LedgerDeps } from './deps';

export const recordOutcomes = defineTask({
  id: 'ledger:record-outcomes',
  description:
    "Keeps the outcomes of a batch's resources, their steps included, by their position in the request.",
  timeouts: 'short',
  input: z.object({
    requestId: z.string().min(1),
    outcomes: z.array(z.object({ position: z.number().int().nonnegative(), outcome: z.unknown() })).min(1),
  }),
  output: z.object({ recorded: z.number().int() }),
  async handler(input, { deps }: TaskContext<LedgerDeps>) {
    const { rowCount } = await deps.pool.query(
      `INSERT INTO request_resource_outcomes (request_id, position, outcome)
       SELECT $1, o.position, o.outcome
         FROM jsonb_to_recordset($2::jsonb) AS o(position integer, outcome jsonb)
       ON CONFLICT (request_id, position) DO UPDATE SET outcome = EXCLUDED.outcome`,
      [input.requestId, JSON.stringify(input.outcomes)],
    );
    return { recorded: rowCount ?? 0 };
  },
});
