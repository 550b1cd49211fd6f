/** What the ledger tasks receive as `ctx.deps`. */
import type { Pool } from 'pg';

export interface LedgerDeps {
  pool: Pool;
  /** Whether a workflow still runs (Temporal says so, or cannot be asked now). */
  workflowRunning(workflowId: string): Promise<boolean>;
}
