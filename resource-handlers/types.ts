/**
 * What every resource handler shares: the catalog snapshot it validates against, the field
 * problems it reports, the enrichment (placement, address) the lookup tasks hand it, and the
 * shape of a handler declaration. Pure types and data: no I/O, so the API, the activities and
 * the tests all run handlers the same way.
 */
import type { z } from 'zod';
import type { ChangeAction } from '../common/resource';

/** One problem with a field of a request, e.g. `{ path: 'resources.0.cpu', message: '…' }`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** An OS image users may ask for. */
export interface CatalogOsImage {
  name: string;
  description: string;
  osType: 'linux' | 'windows';
  osFamily: string;
  /** What AWX and vCenter build from (a vCenter template, the lab image name). */
  templateName: string;
  /** vSphere API guest id (`rhel9_64Guest`). */
  guestId: string;
  firmware: 'bios' | 'efi';
  minDiskGb: number;
  enabled: boolean;
}

/** A network requests may name, with the addressing its pool hands out. */
export interface CatalogNetwork {
  name: string;
  datacenter: string;
  cidr: string;
  gateway: string;
  dnsServers: string[];
  dnsDomain: string;
  vlan: number | null;
  rangeStart: string;
  rangeEnd: string;
  enabled: boolean;
  /**
   * Set for the pool a `network` resource registered: the trace that built it and where it lives
   * in ACI. Absent for the admin's own networks. Disabled while it is being built.
   */
  builtBy?: { traceId: string; tenant: string; vrf: string };
}

/**
 * Where an admin permits new networks: an ACI tenant and VRF, the range their subnets are cut
 * from and how large they may be, the VMM domain (vCenter distributed switch) their port groups
 * go on, the VLANs they may use, and the DNS their pools hand out.
 */
export interface NetworkPermit {
  name: string;
  tenant: string;
  vrf: string;
  cidr: string;
  minPrefix: number;
  maxPrefix: number;
  datacenter: string;
  vmmDomain: string;
  vlanMin: number;
  vlanMax: number;
  dnsServers: string[];
  dnsDomain: string;
  enabled: boolean;
}

export interface CatalogCluster {
  name: string;
  datacenter: string;
  /** VM folder (relative to the datacenter's VM root) new VMs on this cluster go into. */
  vmFolder: string;
}

export interface CatalogDatastore {
  name: string;
  datacenter: string;
}

/** One cell of the admin placement matrix. */
export interface PlacementRule {
  cluster: string;
  datastore: string;
  allowed: boolean;
  /** Preference among allowed pairs: a higher weight takes a larger share of new resources. */
  weight: number;
}

/** A limit on a numeric property of a resource type, inclusive. */
export interface Limit {
  min: number;
  max: number;
}

/**
 * Everything synchronous validation needs, read from Postgres in one consistent snapshot. Plain
 * JSON, so the API may cache it and a task may carry it.
 */
export interface CatalogSnapshot {
  images: Record<string, CatalogOsImage>;
  /** By resource type, then by limit name (`cpu`, `memoryGb`, …). */
  limits: Record<string, Record<string, Limit>>;
  networks: Record<string, CatalogNetwork>;
  clusters: Record<string, CatalogCluster>;
  datastores: Record<string, CatalogDatastore>;
  placements: PlacementRule[];
  /** Where new networks may go, by permit name (absent: none may be built). */
  networkPermits?: Record<string, NetworkPermit>;
}

/** Where a resource goes, as chosen from the matrix. */
export interface Placement {
  datacenter: string;
  cluster: string;
  datastore: string;
  folder: string;
}

/** What a handler asks the placement choice for: a stable key, and the user's pins if any. */
export interface PlacementRequest {
  /** Same key, same choice: the resource name, so a re-run lands where the first run did. */
  key: string;
  datacenter: string;
  cluster?: string;
  datastore?: string;
}

/** An address the IPAM allocated. */
export interface AddressAllocation {
  network: string;
  address: string;
}

/** What the lookup tasks found for a resource, handed to `emit`. */
export interface Enrichment {
  placement?: Placement;
  address?: AddressAllocation;
  /** The pool reserved for a new network's subnet (its gateway, range and VLAN chosen). */
  subnet?: CatalogNetwork;
}

/** The lookups `emit` will need, derived from the validated input. */
export interface EnrichmentNeeds {
  placement?: PlacementRequest;
  /** The network to allocate an address on. */
  address?: { network: string };
  /** A new network's subnet to reserve as an address pool, under the permit that allows it. */
  subnet?: SubnetRequest;
}

/** A new network's subnet, to reserve as an address pool under the permit that allows it. */
export interface SubnetRequest {
  network: string;
  cidr: string;
  permit: string;
}

/**
 * The metadata file committed beside a resource's common format: enough for a reader to know
 * what the resource is and which template builds or removes it, without parsing the document.
 */
export interface ResourceMetadata {
  metadataVersion: 1;
  resourceType: string;
  name: string;
  handlerVersion: string;
  formatVersion: number;
  osType: string | null;
  osFamily: string | null;
  managed: boolean;
  /** The template that builds the resource (`vm-create-unmanaged`, `vm-create-managed`). */
  template: string;
  /** The template that removes it (`vm-delete-unmanaged`, `vm-delete-managed`). */
  removalTemplate: string;
  /** The AWX job template that configures it once built (`vm-configure`); absent: none. */
  configurationJob?: string;
}

/** A documented input the handler's tests run through validation and emit. */
export interface HandlerExample<In> {
  description: string;
  input: In;
}

/** Context validation may read besides the catalog; passed in so validation stays pure. */
export interface ValidationContext {
  now: Date;
  /**
   * The networks the same request creates, by name (`network` resources of the request): a VM may
   * name one of them as its `network`. `validateResources` fills it from the request itself.
   */
  requestNetworks?: ReadonlySet<string>;
}

/** The common format every handler emits carries these two fields at its root. */
export interface CommonFormatDocument {
  formatVersion: number;
  resourceType: string;
  name: string;
}

/**
 * A resource handler, declared once: type as users write it, version, description, input
 * schema, examples, the versioned JSON Schema of its common format, and pure functions to
 * validate against the catalog and to emit the common format. The lookups it needs (catalog,
 * placement, IPAM) happen in tasks; handlers only compute.
 */
export interface ResourceHandler<S extends z.ZodType, D extends CommonFormatDocument> {
  type: string;
  version: string;
  description: string;
  /** What a user writes for one resource, `type` included (strict: unknown fields are named). */
  input: S;
  examples: HandlerExample<z.input<S>>[];
  commonFormat: { version: number; schema: Record<string, unknown> };
  /**
   * The JSON Schema of `input` narrowed by what `catalog` permits (enumerations, limits): what the
   * API's OpenAPI document shows. Absent: `input` as it is.
   */
  documentedInput?(catalog: CatalogSnapshot): Record<string, unknown>;
  /** Checks a schema-valid input against permitted values; paths are relative to the resource. */
  validate(input: z.infer<S>, catalog: CatalogSnapshot, ctx: ValidationContext): FieldProblem[];
  /** The fields of a schema-valid input that name other resources; absent: none. */
  references?(input: z.infer<S>): ResourceReference[];
  /** The lookups `emit` needs for this input. */
  needs(input: z.infer<S>, catalog: CatalogSnapshot): EnrichmentNeeds;
  /** The common format of a validated input, given what the lookups found. */
  emit(input: z.infer<S>, catalog: CatalogSnapshot, enrichment: Enrichment): D;
  /** The metadata file of a document. */
  describe(document: D): ResourceMetadata;
  /** What the inventory shows of a document: its size, its placement and its lease end. */
  summarize(document: D): ResourceSummary;
  /** The day-2 changes the type allows (`update`, `power`), each declared once; absent: none. */
  changes?: Partial<Record<ChangeAction, ChangeDeclaration<D>>>;
}

/**
 * One day-2 change of a resource type: what a user writes for it, how it is checked against the
 * resource as it is now (with the permitted values and placement a create obeys), and what it
 * makes of the common format. The API checks against the inventory's summary, the request's
 * preparation against the document in git: the same `check` for both.
 */
export interface ChangeDeclaration<D extends CommonFormatDocument> {
  description: string;
  /** The whole resource entry, `type`, `action` and `name` included (strict: unknown fields are named). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  input: z.ZodObject<any>;
  /** Problems of a schema-valid change to a resource that is `current` now; paths relative to the resource. */
  check(change: Record<string, unknown>, current: ResourceSummary, catalog: CatalogSnapshot): FieldProblem[];
  /** The common format once the change is made. */
  apply(document: D, change: Record<string, unknown>): D;
}

/** A resource as the inventory (`GET /v1/resources`) shows it, from its common format. */
export interface ResourceSummary {
  size: Record<string, unknown>;
  placement: Record<string, unknown>;
  leaseEnd: string | null;
}

/**
 * A field of a resource that names another resource (a VM's `network`): when the request holds
 * a resource of that type and name, the resource depends on it and is built after it.
 */
export interface ResourceReference {
  /** The field, relative to the resource (`network`). */
  path: string;
  type: string;
  name: string;
}

/** A handler with its types erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResourceHandler = ResourceHandler<z.ZodType<any>, any>;

/** Declares a handler; only here for type inference. */
export function defineResourceHandler<S extends z.ZodType, D extends CommonFormatDocument>(
  handler: ResourceHandler<S, D>,
): ResourceHandler<S, D> {
  if (!/^[a-z][a-z0-9_]*$/.test(handler.type))
    throw new Error(`resource type ${handler.type} must be lowercase letters, digits and _`);
  return handler;
}
