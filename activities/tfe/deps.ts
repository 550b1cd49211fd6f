/** What the TFE tasks receive as `ctx.deps`: the worker's TFE client and settings. */
import type { TfeConfig } from '../../platform/end-systems';
import { TfeClient } from './client';
import { seal, unseal } from './seal';

/** The TFE tasks' dependencies. */
export interface TfeDeps {
  tfe: TfeClient;
  /** The organization workspaces live in (TFE_ORGANIZATION) unless a task names another. */
  organization: string;
  /** Pause between two reads of a run while waiting for it. */
  pollIntervalMs: number;
  /** Seals a secret URL for its trip through workflow history. */
  seal(text: string): string;
  /** Opens a sealed URL; undefined when sealed by a different configuration. */
  unseal(sealed: string): string | undefined;
}

/** Builds the TFE deps from configuration; the token stays inside the client and the sealing key. */
export function createTfeDeps(config: TfeConfig): TfeDeps {
  return {
    tfe: new TfeClient({
      url: config.url,
      token: () => config.token.reveal(),
      timeoutMs: config.timeoutMs,
      tls: config.tls,
      maxRequestsPerSecond: config.maxRequestsPerSecond,
    }),
    organization: config.organization,
    pollIntervalMs: config.pollIntervalMs,
    seal: (text) => seal(text, config.token.reveal()),
    unseal: (sealed) => unseal(sealed, config.token.reveal()),
  };
}
