/**
 * `aci:ensure-epg`: the endpoint group (fvAEPg) exists in the application profile, bound to its
 * bridge domain (fvRsBd), to the domains given (fvRsDomAtt) and static ports (fvRsPathAtt). A
 * bridge domain that does not exist does not fail the POST in APIC (`missing-target`); the task
 * reports that state so a template can decide.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';
import { aciNameSchema, ensuredSchema, exists, mo, relationState, requireParent, tenantDn } from './schemas';

export const ensureEpg = defineTask({
  id: 'aci:ensure-epg',
  description:
    'Creates or updates an ACI endpoint group (fvAEPg) with its bridge domain, domains and static ports.',
  timeouts: 'short',
  input: z.object({
    tenant: aciNameSchema,
    applicationProfile: aciNameSchema,
    name: aciNameSchema,
    bridgeDomain: aciNameSchema,
    description: z.string().max(128).optional(),
    domains: z
      .array(
        z.object({
          /** e.g. `uni/phys-phys_dom` or `uni/vmmp-VMware/dom-dvs1`. */
          tDn: z.string().regex(/^uni\//, 'a domain dn under uni/'),
          resImedcy: z.enum(['immediate', 'lazy', 'pre-provision']).optional(),
          instrImedcy: z.enum(['immediate', 'lazy']).optional(),
          encap: z
            .string()
            .regex(/^vlan-\d{1,4}$/)
            .optional(),
          /** `vlan` with a VLAN `encap`: the port group gets that VLAN rather than one from the domain's pool. */
          encapMode: z.enum(['auto', 'vlan', 'vxlan']).optional(),
          /** For a VMM domain: the name of the vCenter port group the APIC makes for the EPG. */
          customEpgName: aciNameSchema.optional(),
        }),
      )
      .default([]),
    staticPaths: z
      .array(
        z.object({
          /** e.g. `topology/pod-1/paths-101/pathep-[eth1/10]`. */
          tDn: z.string().regex(/^topology\//, 'a path dn under topology/'),
          encap: z.string().regex(/^vlan-\d{1,4}$/, 'vlan-<id>'),
          mode: z.enum(['regular', 'native', 'untagged']).default('regular'),
        }),
      )
      .default([]),
  }),
  output: ensuredSchema.extend({ bridgeDomainRelationState: z.string().nullable() }),
  examples: [
    {
      tenant: 'Prod',
      applicationProfile: 'shop',
      name: 'web',
      bridgeDomain: 'web_bd',
      domains: [{ tDn: 'uni/phys-phys_dom', resImedcy: 'immediate' }],
    },
  ],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const { aci } = ctx.deps;
    const parent = `${tenantDn(input.tenant)}/ap-${input.applicationProfile}`;
    await requireParent(
      aci,
      {
        dn: parent,
        described: `application profile ${parent}`,
        ensuredBy: 'aci:ensure-application-profile',
      },
      'aci:ensure-epg',
      ctx.signal,
    );
    const dn = `${parent}/epg-${input.name}`;
    const existed = await exists(aci, dn, ctx.signal);
    await aci.postMo(
      parent,
      mo('fvAEPg', { name: input.name, descr: input.description }, [
        mo('fvRsBd', { tnFvBDName: input.bridgeDomain }),
        ...input.domains.map((d) =>
          mo('fvRsDomAtt', {
            tDn: d.tDn,
            resImedcy: d.resImedcy,
            instrImedcy: d.instrImedcy,
            encap: d.encap,
            encapMode: d.encapMode,
            customEpgName: d.customEpgName,
          }),
        ),
        ...input.staticPaths.map((p) => mo('fvRsPathAtt', { tDn: p.tDn, encap: p.encap, mode: p.mode })),
      ]),
      ctx.signal,
    );
    return {
      dn,
      created: !existed,
      bridgeDomainRelationState: await relationState(aci, `${dn}/rsbd`, ctx.signal),
    };
  },
});
