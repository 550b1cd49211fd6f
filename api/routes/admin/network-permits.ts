/**
 * `/v1/admin/network-permits`: where requests may build networks (admins only): an ACI tenant and
 * VRF, the range new subnets are cut from and their sizes, the VMM domain their port groups go on,
 * the VLANs they may use, the DNS their pools hand out. A disabled permit allows no new network;
 * networks already built under it stay.
 */
import { Router } from 'express';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { listNetworkPermits, setNetworkPermit } from '../../../resource-handlers/store';
import { principalOf, requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest } from '../../errors';

const aciName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64), as ACI accepts');

/** An IPv4 range as four decimal octets and a prefix length (the document's pattern too). */
const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4Cidr = new RegExp(`^(${octet}\\.){3}${octet}/(3[0-2]|[12]?\\d)$`);

/** A permit's shape: a body not of it is a 400 naming the field. */
export const networkPermitSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and hyphens'),
  tenant: aciName,
  vrf: aciName,
  /** The range new subnets are cut from, e.g. `10.30.0.0/16`. */
  cidr: z.string().regex(ipv4Cidr, 'an IPv4 range like 10.30.0.0/16'),
  minPrefix: z.number().int().min(8).max(30),
  maxPrefix: z.number().int().min(8).max(30),
  datacenter: z.string().min(1).max(200),
  /** The VMware VMM domain (the vCenter distributed switch) of the networks' port groups. */
  vmmDomain: aciName,
  vlanMin: z.number().int().min(1).max(4094),
  vlanMax: z.number().int().min(1).max(4094),
  dnsServers: z.array(z.ipv4()).max(4).default([]),
  dnsDomain: z.string().max(253).default(''),
  enabled: z.boolean().default(true),
});

/** What a permit of the right shape must also hold: a body breaking it is a 422 naming the field. */
const networkPermitRules = networkPermitSchema.superRefine((p, ctx) => {
  if (p.minPrefix > p.maxPrefix)
    ctx.addIssue({ code: 'custom', path: ['minPrefix'], message: 'must not exceed maxPrefix' });
  if (p.vlanMin > p.vlanMax)
    ctx.addIssue({ code: 'custom', path: ['vlanMin'], message: 'must not exceed vlanMax' });
  if (ipaddr.IPv4.isValidCIDRFourPartDecimal(p.cidr)) {
    const [address, length] = ipaddr.IPv4.parseCIDR(p.cidr);
    if (length > p.minPrefix)
      ctx.addIssue({
        code: 'custom',
        path: ['minPrefix'],
        message: `a /${length} range holds no /${p.minPrefix}`,
      });
    if (ipaddr.IPv4.networkAddressFromCIDR(p.cidr).toString() !== address.toString())
      ctx.addIssue({ code: 'custom', path: ['cidr'], message: 'not a network address' });
  }
});

export function networkPermitRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ permits: await listNetworkPermits(deps.pool) });
  });

  router.put('/', async (req, res) => {
    const shaped = networkPermitSchema.safeParse(req.body);
    if (!shaped.success) throw invalidRequest('body', shaped.error);
    const parsed = networkPermitRules.safeParse(shaped.data);
    if (!parsed.success) {
      const invalid = invalidRequest('body', parsed.error);
      throw new HttpError(422, 'Unprocessable', invalid.message, invalid.fields);
    }
    const by = principalOf(req).subject;
    const permit = await setNetworkPermit(deps.pool, parsed.data, by);
    deps.log.info({ permit: permit.name, by }, 'network permit set');
    res.json(permit);
  });
  return router;
}
