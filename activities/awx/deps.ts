/** What the AWX tasks receive as `ctx.deps`: the worker's AWX client and its timing settings. */
import type { AwxConfig } from '../../platform/end-systems';
import { AwxClient } from './client';

/** The AWX tasks' dependencies. */
export interface AwxDeps {
  awx: AwxClient;
  /** Pause between two reads of a job while waiting for it. */
  pollIntervalMs: number;
  /** How far back a launch looks for the job an earlier attempt may have started. */
  idempotencyLookbackMs: number;
}

/** Builds the AWX deps from configuration; the token stays inside the client. */
export function createAwxDeps(config: AwxConfig): AwxDeps {
  return {
    awx: new AwxClient({
      url: config.url,
      apiPrefix: config.apiPrefix,
      token: () => config.token.reveal(),
      timeoutMs: config.timeoutMs,
      tls: config.tls,
    }),
    pollIntervalMs: config.pollIntervalMs,
    idempotencyLookbackMs: config.idempotencyLookbackMs,
  };
}
