/**
 * The common format of a virtual machine, version 1: what RFM commits to git and what the
 * Ansible and Terraform wrappers render from. `common-format.v1.schema.json` is its contract;
 * this type mirrors it for the code (the tests check documents against the schema).
 */

export const commonFormatVersion = 1;

export interface VirtualMachineDocument {
  formatVersion: 1;
  resourceType: 'virtual_machine';
  name: string;
  hostname: string;
  fqdn: string;
  managed: boolean;
  os: {
    image: string;
    type: 'linux' | 'windows';
    family: string;
    templateName: string;
    guestId: string;
    firmware: 'bios' | 'efi';
  };
  cpu: number;
  memoryMb: number;
  disks: { label: string; unitNumber: number; sizeGb: number }[];
  network: {
    name: string;
    cidr: string;
    vlan: number | null;
    ipv4Address: string;
    prefixLength: number;
    netmask: string;
    gateway: string;
    dnsServers: string[];
    dnsDomain: string;
  };
  placement: { datacenter: string; cluster: string; datastore: string; folder: string };
  leaseEnd: string | null;
  tags: Record<string, string>;
  contacts: string[];
  /** Set by a day-2 power action; absent: on, as every VM is built. */
  power?: 'on' | 'off';
}
