/**
 * `aci:ensure-tenant`: the tenant exists, with the VRFs given. APIC's POST without `status` is an
 * upsert, so repeating it (a retry) changes nothing; children not named are left untouched.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';
import { aciNameSchema, ensuredSchema, exists, mo, tenantDn } from './schemas';

export const ensureTenant = defineTask({
  id: 'aci:ensure-tenant',
  description: 'Creates or updates an ACI tenant (fvTenant) and its VRFs (fvCtx).',
  timeouts: 'short',
  input: z.object({
    name: aciNameSchema,
    description: z.string().max(128).optional(),
    vrfs: z.array(aciNameSchema).default([]),
  }),
  output: ensuredSchema.extend({ vrfs: z.array(z.string()) }),
  examples: [{ name: 'Prod', vrfs: ['vrf1'] }],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const dn = tenantDn(input.name);
    const existed = await exists(ctx.deps.aci, dn, ctx.signal);
    await ctx.deps.aci.postMo(
      'uni',
      mo(
        'fvTenant',
        { name: input.name, descr: input.description },
        input.vrfs.map((vrf) => mo('fvCtx', { name: vrf })),
      ),
      ctx.signal,
    );
    return { dn, created: !existed, vrfs: input.vrfs.map((vrf) => `${dn}/ctx-${vrf}`) };
  },
});
