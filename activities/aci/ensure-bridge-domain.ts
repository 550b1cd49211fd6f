/**
 * `aci:ensure-bridge-domain`: the bridge domain (fvBD) exists in the tenant, bound to its VRF
 * (fvRsCtx) and with the gateway subnets given (fvSubnet). A VRF that does not exist does not
 * fail the POST in APIC (the relation is `missing-target`); the task reports that state.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';
import { aciNameSchema, ensuredSchema, exists, mo, relationState, requireParent, tenantDn } from './schemas';

export const ensureBridgeDomain = defineTask({
  id: 'aci:ensure-bridge-domain',
  description: 'Creates or updates an ACI bridge domain (fvBD) with its VRF relation and subnets.',
  timeouts: 'short',
  input: z.object({
    tenant: aciNameSchema,
    name: aciNameSchema,
    vrf: aciNameSchema,
    description: z.string().max(128).optional(),
    subnets: z
      .array(
        z.object({
          /** Gateway address with mask, e.g. `10.1.1.1/24`. */
          ip: z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'gateway/mask, e.g. 10.1.1.1/24'),
          scope: z
            .enum(['private', 'public', 'shared', 'public,shared', 'private,shared'])
            .default('private'),
        }),
      )
      .default([]),
    unicastRoute: z.boolean().optional(),
    arpFlood: z.boolean().optional(),
  }),
  output: ensuredSchema.extend({ vrfRelationState: z.string().nullable(), subnets: z.array(z.string()) }),
  examples: [{ tenant: 'Prod', name: 'web_bd', vrf: 'vrf1', subnets: [{ ip: '10.1.1.1/24' }] }],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const { aci } = ctx.deps;
    const parent = tenantDn(input.tenant);
    await requireParent(
      aci,
      { dn: parent, described: `tenant ${input.tenant}`, ensuredBy: 'aci:ensure-tenant' },
      'aci:ensure-bridge-domain',
      ctx.signal,
    );
    const dn = `${parent}/BD-${input.name}`;
    const existed = await exists(aci, dn, ctx.signal);
    const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? 'yes' : 'no');
    await aci.postMo(
      parent,
      mo(
        'fvBD',
        {
          name: input.name,
          descr: input.description,
          unicastRoute: yesNo(input.unicastRoute),
          arpFlood: yesNo(input.arpFlood),
        },
        [
          mo('fvRsCtx', { tnFvCtxName: input.vrf }),
          ...input.subnets.map((s) => mo('fvSubnet', { ip: s.ip, scope: s.scope })),
        ],
      ),
      ctx.signal,
    );
    return {
      dn,
      created: !existed,
      vrfRelationState: await relationState(aci, `${dn}/rsctx`, ctx.signal),
      subnets: input.subnets.map((s) => `${dn}/subnet-[${s.ip}]`),
    };
  },
});
