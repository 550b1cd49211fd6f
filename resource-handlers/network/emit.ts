/**
 * The common format of a validated network, given the pool its prepare reserved (gateway, range,
 * VLAN). Pure. The network owns its application profile, bridge domain and EPG, named after it;
 * the tenant and VRF are the permit's, shared with other networks, and outlive it.
 */
import { resourceTemplates } from '../../common/resource';
import { parseCidr, prefixToNetmask } from '../ipv4';
import type { CatalogSnapshot, Enrichment, ResourceMetadata } from '../types';
import { commonFormatVersion, type NetworkDocument } from './common-format';
import type { NetworkInput } from './input';
import { permitFor } from './validate';

/** Templates that build and remove a network. */
export const networkTemplates = resourceTemplates.network.unmanaged;

/** Thrown when emit is called without what `needs` asked for: a wiring bug, not a user error. */
export class MissingSubnetError extends Error {}

/** The VMM domain dn of a vCenter distributed switch, as ACI names it. */
export const vmmDomainDn = (domain: string) => `uni/vmmp-VMware/dom-${domain}`;

export function emitNetwork(
  input: NetworkInput,
  catalog: CatalogSnapshot,
  enrichment: Enrichment,
): NetworkDocument {
  const pool = enrichment.subnet;
  const permit = permitFor(input, catalog);
  if (!pool || pool.name !== input.name || pool.vlan === null)
    throw new MissingSubnetError(`emit of ${input.name}: no subnet was reserved`);
  if (!permit) throw new MissingSubnetError(`emit of ${input.name}: no permit allows ${input.subnet}`);
  const { prefixLength } = parseCidr(pool.cidr);
  return {
    formatVersion: commonFormatVersion,
    resourceType: 'network',
    name: input.name,
    description: input.description ?? '',
    aci: {
      tenant: permit.tenant,
      vrf: permit.vrf,
      applicationProfile: input.name,
      bridgeDomain: `${input.name}-bd`,
      epg: input.name,
      domain: vmmDomainDn(permit.vmmDomain),
      encap: `vlan-${pool.vlan}`,
    },
    vcenter: { datacenter: pool.datacenter, portgroup: input.name },
    subnet: {
      cidr: pool.cidr,
      gateway: pool.gateway,
      gatewayCidr: `${pool.gateway}/${prefixLength}`,
      prefixLength,
      netmask: prefixToNetmask(prefixLength),
      rangeStart: pool.rangeStart,
      rangeEnd: pool.rangeEnd,
      dnsServers: pool.dnsServers,
      dnsDomain: pool.dnsDomain,
    },
    vlan: pool.vlan,
    leaseEnd: input.leaseEnd ?? null,
    tags: input.tags,
    contacts: input.notify,
  };
}

/** The metadata file of a network document: the templates that build and remove it. */
export function describeNetwork(document: NetworkDocument, handlerVersion: string): ResourceMetadata {
  return {
    metadataVersion: 1,
    resourceType: document.resourceType,
    name: document.name,
    handlerVersion,
    formatVersion: document.formatVersion,
    osType: null,
    osFamily: null,
    managed: false,
    template: networkTemplates.create,
    removalTemplate: networkTemplates.remove,
  };
}
