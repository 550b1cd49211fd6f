/** `aci:ensure-application-profile`: the application profile (fvAp) exists in the tenant. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';
import { aciNameSchema, ensuredSchema, exists, mo, requireParent, tenantDn } from './schemas';

export const ensureApplicationProfile = defineTask({
  id: 'aci:ensure-application-profile',
  description: 'Creates or updates an ACI application profile (fvAp) in an existing tenant.',
  timeouts: 'short',
  input: z.object({
    tenant: aciNameSchema,
    name: aciNameSchema,
    description: z.string().max(128).optional(),
  }),
  output: ensuredSchema,
  examples: [{ tenant: 'Prod', name: 'shop' }],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const { aci } = ctx.deps;
    const parent = tenantDn(input.tenant);
    await requireParent(
      aci,
      { dn: parent, described: `tenant ${input.tenant}`, ensuredBy: 'aci:ensure-tenant' },
      'aci:ensure-application-profile',
      ctx.signal,
    );
    const dn = `${parent}/ap-${input.name}`;
    const existed = await exists(aci, dn, ctx.signal);
    await aci.postMo(parent, mo('fvAp', { name: input.name, descr: input.description }), ctx.signal);
    return { dn, created: !existed };
  },
});
