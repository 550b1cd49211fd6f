/** What the vCenter tasks receive as `ctx.deps`: the worker's vCenter client (and its session). */
import type { VcenterConfig } from '../../platform/end-systems';
import { VcenterClient } from './client';

/** The vCenter tasks' dependencies. */
export interface VcenterDeps {
  vcenter: VcenterClient;
}

/** Builds the vCenter deps from configuration; the password and session stay inside the client. */
export function createVcenterDeps(config: VcenterConfig): VcenterDeps {
  return {
    vcenter: new VcenterClient({
      url: config.url,
      username: config.username,
      password: () => config.password.reveal(),
      timeoutMs: config.timeoutMs,
      tls: config.tls,
      ...(config.apiStyle ? { style: config.apiStyle } : {}),
    }),
  };
}
