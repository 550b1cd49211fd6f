/** What the ledger tasks receive as `ctx.deps`. */
import type { Pool } from 'pg';

export interface LedgerDeps {
  pool: Pool;
}
