/** Schemas and helpers the ACI tasks share. */
import { z } from 'zod';
import { failure } from '../../common/errors';
import type { AciClient, ManagedObject } from './client';

/** APIC object names: letters, digits and `_ . : -`, at most 64 characters. */
export const aciNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64)');

/** A distinguished name under the policy root, e.g. `uni/tn-Prod/ap-shop/epg-web`. */
export const dnSchema = z
  .string()
  .regex(/^uni(\/[^/\s[\]]+(\[[^\]]*\])?[^/\s]*)*$/, 'a distinguished name under uni/, e.g. uni/tn-Prod');

/** The dn of a tenant (`uni/tn-<name>`). */
export const tenantDn = (tenant: string) => `uni/tn-${tenant}`;

/** Output of every "ensure": the object's dn and whether it existed before. */
export const ensuredSchema = z.object({ dn: z.string(), created: z.boolean() });

/** Whether a dn exists now (APIC answers an absent dn with an empty list, not 404). */
export async function exists(aci: AciClient, dn: string, signal: AbortSignal): Promise<boolean> {
  const res = await aci.readMo(dn, { 'rsp-prop-include': 'naming-only' }, signal);
  return Number(res.totalCount) > 0 || res.imdata.length > 0;
}

/**
 * Refuses to go on when the parent of an object is absent: a POST under a missing parent would
 * create the parent implicitly, with none of the settings its own task gives it.
 */
export async function requireParent(
  aci: AciClient,
  parent: { dn: string; described: string; ensuredBy: string },
  call: string,
  signal: AbortSignal,
): Promise<void> {
  if (!(await exists(aci, parent.dn, signal)))
    throw failure('NotFound', `aci: ${parent.described} does not exist (run ${parent.ensuredBy} first)`, {
      system: 'aci',
      call,
      externalId: parent.dn,
    });
}

/** The state of a relation object (`formed`, or `missing-target` when its target is absent). */
export async function relationState(aci: AciClient, dn: string, signal: AbortSignal): Promise<string | null> {
  const res = await aci.readMo(dn, {}, signal);
  const mo = res.imdata[0];
  if (!mo) return null;
  const [body] = Object.values(mo);
  return body?.attributes.state ?? null;
}

/** One MO body with its attributes; `descr` only when given (so an update does not blank it). */
export function mo(
  className: string,
  attributes: Record<string, string | undefined>,
  children?: ManagedObject[],
) {
  const attrs = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return { [className]: { attributes: attrs, ...(children?.length ? { children } : {}) } } as ManagedObject;
}
