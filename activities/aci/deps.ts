/** What the ACI tasks receive as `ctx.deps`: the worker's APIC client (and its token). */
import type { AciConfig } from '../../platform/end-systems';
import { AciClient } from './client';

/** The ACI tasks' dependencies. */
export interface AciDeps {
  aci: AciClient;
}

/** Builds the ACI deps from configuration; the password and token stay inside the client. */
export function createAciDeps(config: AciConfig): AciDeps {
  return {
    aci: new AciClient({
      url: config.url,
      username: config.username,
      password: () => config.password.reveal(),
      timeoutMs: config.timeoutMs,
      tls: config.tls,
    }),
  };
}
