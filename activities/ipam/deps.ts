/** What the IPAM tasks receive as `ctx.deps`: the database the allocations live in. */
import type { Pool } from 'pg';

export interface IpamDeps {
  pool: Pool;
}

/** Builds the IPAM deps on the worker's Postgres pool. */
export function createIpamDeps(opts: { pool: Pool }): IpamDeps {
  return { pool: opts.pool };
}
