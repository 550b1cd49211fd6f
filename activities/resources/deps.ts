/** What the resource tasks receive as `ctx.deps`: the database, the handlers and a clock. */
import type { Pool } from 'pg';
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';

export interface ResourceDeps {
  pool: Pool;
  registry: ResourceHandlerRegistry;
  /** Validation compares lease ends with it; injected so tests can fix it. */
  now(): Date;
}

/** Builds the resource deps on the worker's Postgres pool. */
export function createResourceDeps(opts: { pool: Pool; registry?: ResourceHandlerRegistry }): ResourceDeps {
  return { pool: opts.pool, registry: opts.registry ?? resourceHandlers, now: () => new Date() };
}
