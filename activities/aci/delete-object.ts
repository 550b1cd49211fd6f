/**
 * `aci:delete-object`: the object and its subtree are gone. APIC answers 200 for an absent dn
 * too, so the task reads first to say whether there was anything to delete.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';
import { dnSchema, exists } from './schemas';

export const deleteObject = defineTask({
  id: 'aci:delete-object',
  description: 'Deletes an ACI object (and everything under it) by dn; an absent dn is success.',
  timeouts: 'short',
  input: z.object({ dn: dnSchema.refine((dn) => dn !== 'uni', 'refusing to delete the policy root') }),
  output: z.object({ dn: z.string(), deleted: z.boolean() }),
  examples: [{ dn: 'uni/tn-Prod/ap-shop/epg-web' }],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const existed = await exists(ctx.deps.aci, input.dn, ctx.signal);
    if (existed) await ctx.deps.aci.deleteMo(input.dn, ctx.signal);
    return { dn: input.dn, deleted: existed };
  },
});
