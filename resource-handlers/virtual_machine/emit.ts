/**
 * The common format of a validated VM, given the catalog and what placement and the IPAM found.
 * Pure. Request and trace IDs stay out of the document on purpose: a re-run of the same request
 * then emits the same bytes, and RFM makes no second commit.
 */
import { configurationJobTemplates, resourceTemplates } from '../../common/resource';
import { parseCidr, prefixToNetmask } from '../ipv4';
import type { CatalogSnapshot, Enrichment, ResourceMetadata } from '../types';
import { commonFormatVersion, type VirtualMachineDocument } from './common-format';
import type { VirtualMachineInput } from './input';

/** Templates that build and remove a VM, by how it is managed; the template files use these names. */
export const vmTemplates = resourceTemplates.virtual_machine;

/** Thrown when emit is called without what `needs` asked for: a wiring bug, not a user error. */
export class MissingEnrichmentError extends Error {}

/** The `i`-th disk of a VM (from 0) in its common format; vSphere's SCSI controller reserves unit 7 for itself. */
export function diskAt(i: number, sizeGb: number): VirtualMachineDocument['disks'][number] {
  return { label: `disk${i}`, unitNumber: i >= 7 ? i + 1 : i, sizeGb };
}

export function emitVirtualMachine(
  input: VirtualMachineInput,
  catalog: CatalogSnapshot,
  enrichment: Enrichment,
): VirtualMachineDocument {
  const image = catalog.images[input.osImage];
  const network = catalog.networks[input.network];
  const { placement, address } = enrichment;
  if (!image || !network)
    throw new MissingEnrichmentError(`emit of ${input.name}: image or network missing from the catalog`);
  if (!placement) throw new MissingEnrichmentError(`emit of ${input.name}: no placement was chosen`);
  if (!address || address.network !== network.name)
    throw new MissingEnrichmentError(`emit of ${input.name}: no address on ${network.name} was allocated`);
  const { prefixLength } = parseCidr(network.cidr);
  return {
    formatVersion: commonFormatVersion,
    resourceType: 'virtual_machine',
    name: input.name,
    hostname: input.name,
    fqdn: network.dnsDomain ? `${input.name}.${network.dnsDomain}` : input.name,
    managed: input.managed,
    os: {
      image: image.name,
      type: image.osType,
      family: image.osFamily,
      templateName: image.templateName,
      guestId: image.guestId,
      firmware: image.firmware,
    },
    cpu: input.cpu,
    memoryMb: input.memoryGb * 1024,
    disks: input.disks.map((d, i) => diskAt(i, d.sizeGb)),
    network: {
      name: network.name,
      cidr: network.cidr,
      vlan: network.vlan,
      ipv4Address: address.address,
      prefixLength,
      netmask: prefixToNetmask(prefixLength),
      gateway: network.gateway,
      dnsServers: network.dnsServers,
      dnsDomain: network.dnsDomain,
    },
    placement,
    leaseEnd: input.leaseEnd ?? null,
    tags: input.tags,
    contacts: input.notify,
  };
}

/** The metadata file of a VM document: OS type, the templates that build and remove it, the job that configures it. */
export function describeVirtualMachine(
  document: VirtualMachineDocument,
  handlerVersion: string,
): ResourceMetadata {
  const templates = document.managed ? vmTemplates.managed : vmTemplates.unmanaged;
  return {
    metadataVersion: 1,
    resourceType: document.resourceType,
    name: document.name,
    handlerVersion,
    formatVersion: document.formatVersion,
    osType: document.os.type,
    osFamily: document.os.family,
    managed: document.managed,
    template: templates.create,
    removalTemplate: templates.remove,
    configurationJob: configurationJobTemplates.virtual_machine,
  };
}
