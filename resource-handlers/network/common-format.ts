/**
 * The common format of a network, version 1: what RFM commits to git and what the templates
 * `network-create` and `network-delete` read. `common-format.v1.schema.json` is its contract.
 */

export const commonFormatVersion = 1;

export interface NetworkDocument {
  formatVersion: 1;
  resourceType: 'network';
  name: string;
  description: string;
  /** The ACI objects: the shared tenant and VRF, and the network's own profile, bridge domain and EPG. */
  aci: {
    tenant: string;
    vrf: string;
    applicationProfile: string;
    bridgeDomain: string;
    epg: string;
    /** The VMM domain the EPG is bound to (`uni/vmmp-VMware/dom-<switch>`), with its VLAN. */
    domain: string;
    encap: string;
  };
  /** The distributed port group the APIC puts on the domain's switch for the EPG; VMs attach to it. */
  vcenter: { datacenter: string; portgroup: string };
  subnet: {
    cidr: string;
    gateway: string;
    /** The bridge domain's subnet as ACI writes it: gateway/prefix length. */
    gatewayCidr: string;
    prefixLength: number;
    netmask: string;
    rangeStart: string;
    rangeEnd: string;
    dnsServers: string[];
    dnsDomain: string;
  };
  vlan: number;
  leaseEnd: string | null;
  tags: Record<string, string>;
  contacts: string[];
}
