/**
 * The `network` resource handler: a new subnet in an ACI tenant and VRF an admin permits, with its
 * own application profile, bridge domain and EPG, the vCenter port group the APIC makes for the
 * EPG, and an address pool the IPAM hands VM addresses from. VMs name it as their `network` once
 * it is built (or, through `requestNetworks`, when the same request builds it).
 */
import { z } from 'zod';
import type { CatalogSnapshot } from '../types';
import { defineResourceHandler } from '../types';
import commonFormatSchema from './common-format.v1.schema.json';
import { commonFormatVersion, type NetworkDocument } from './common-format';
import { describeNetwork, emitNetwork } from './emit';
import { networkExamples } from './examples';
import { networkInput } from './input';
import { permitFor, validateNetwork } from './validate';

const version = '1.0.0';

/** The input schema with the permitted tenants and VRFs of the moment, as the API documents it. */
function networkInputSchema(catalog: CatalogSnapshot): Record<string, unknown> {
  const schema = z.toJSONSchema(networkInput, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  > & {
    properties: Record<string, Record<string, unknown>>;
  };
  delete schema.$schema;
  const permits = Object.values(catalog.networkPermits ?? {}).filter((p) => p.enabled);
  const p = schema.properties;
  p.tenant = { ...p.tenant, enum: [...new Set(permits.map((x) => x.tenant))].sort() };
  p.vrf = { ...p.vrf, enum: [...new Set(permits.map((x) => x.vrf))].sort() };
  p.subnet = {
    ...p.subnet,
    description: `Inside a permitted range: ${permits.map((x) => `${x.cidr} (/${x.minPrefix} to /${x.maxPrefix}, tenant ${x.tenant}, VRF ${x.vrf})`).join('; ') || 'none'}`,
  };
  return schema;
}

export const network = defineResourceHandler({
  type: 'network',
  version,
  description:
    'A network: a subnet in a permitted ACI tenant and VRF with its own application profile, bridge domain and EPG, the vCenter port group bound to the EPG, and the address pool VMs on it get addresses from.',
  input: networkInput,
  examples: networkExamples,
  commonFormat: { version: commonFormatVersion, schema: commonFormatSchema },
  documentedInput: networkInputSchema,
  validate: validateNetwork,
  needs: (input, catalog) => ({
    subnet: { network: input.name, cidr: input.subnet, permit: permitFor(input, catalog)?.name ?? '' },
  }),
  emit: emitNetwork,
  describe: (document: NetworkDocument) => describeNetwork(document, version),
  summarize: (document: NetworkDocument) => ({
    size: { prefixLength: document.subnet.prefixLength },
    placement: {
      tenant: document.aci.tenant,
      vrf: document.aci.vrf,
      subnet: document.subnet.cidr,
      vlan: document.vlan,
      datacenter: document.vcenter.datacenter,
      portgroup: document.vcenter.portgroup,
    },
    leaseEnd: document.leaseEnd,
  }),
});

/**
 * The names of the networks a request creates: its `network` resources (a create is what a
 * request's resource is unless it says another action). A VM of the same request may name one.
 */
export function networksCreatedBy(resources: readonly unknown[]): Set<string> {
  const names = new Set<string>();
  for (const r of resources) {
    const { type, name, action } = (r ?? {}) as { type?: unknown; name?: unknown; action?: unknown };
    if (type === network.type && typeof name === 'string' && (action === undefined || action === 'create'))
      names.add(name);
  }
  return names;
}

export { networkInput, networkName, type NetworkInput, type NetworkRequest } from './input';
export type { NetworkDocument } from './common-format';
export { networkTemplates, vmmDomainDn } from './emit';
export { subnetsOverlap } from './validate';
