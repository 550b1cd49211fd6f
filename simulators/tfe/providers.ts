/**
 * The providers a lab workspace may use, acting on the shared world the way the real ones act on
 * vCenter: `hashicorp/vsphere` (data sources for datacenter, cluster, datastore, network,
 * resource pool, host and folder; resource `vsphere_virtual_machine`, created powered on, changed
 * in place for CPU, memory and disks, replaced when its identity or placement changes, shut down
 * and deleted on destroy) and the state-only `null_resource` and `terraform_data`.
 */
import crypto from 'node:crypto';
import type { Vm, World } from '../world';
import { WorldError } from '../world';
import { ConfigurationError } from './configuration';

const GiB = 1024 ** 3;

/** How a planned resource differs from its state. */
export type ChangeAction = 'none' | 'create' | 'update' | 'replace' | 'delete';

/** One resource type's behaviour. */
export interface ResourceProvider {
  type: string;
  /** Checks the evaluated configuration; throws ConfigurationError like `terraform validate`. */
  validate(address: string, body: Record<string, unknown>): Record<string, unknown>;
  /** Refresh: the prior attributes as the world has them now, or undefined when the object is gone. */
  refresh(world: World, prior: Record<string, unknown>): Record<string, unknown> | undefined;
  /** What must happen to go from `current` (refreshed) to `desired`. */
  diff(world: World, desired: Record<string, unknown>, current: Record<string, unknown>): ChangeAction;
  create(world: World, desired: Record<string, unknown>, runId: string): Record<string, unknown>;
  update(
    world: World,
    desired: Record<string, unknown>,
    current: Record<string, unknown>,
  ): Record<string, unknown>;
  destroy(world: World, current: Record<string, unknown>): void;
}

/** Wraps a world refusal as the error text the provider would print. */
function providerError(address: string, verb: string, err: unknown): ConfigurationError {
  const message = err instanceof WorldError ? `${err.errorType}: ${err.message}` : (err as Error).message;
  return new ConfigurationError(`Error: error ${verb} ${address}: ${message}`);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function num(address: string, arg: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new ConfigurationError(
      `Error: Incorrect attribute value type\n\n  on ${address}: ${arg} must be a number`,
    );
  }
  return n;
}

function list(value: unknown): Record<string, unknown>[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null);
}

/**
 * vCenter's REST guest OS id from the vSphere API's `guest_id` (`rhel9_64Guest` → `RHEL_9_64`,
 * `windows9Server64Guest` → `WINDOWS_9_SERVER_64`); an id already in REST form passes through.
 */
export function guestOsFromGuestId(guestId: string): string {
  if (/^[A-Z0-9_]+$/.test(guestId)) return guestId;
  return guestId
    .replace(/Guest$/, '')
    .replace(/([a-z])([A-Z0-9])/g, '$1_$2')
    .replace(/([0-9])([a-zA-Z])/g, '$1_$2')
    .replace(/_+/g, '_')
    .toUpperCase();
}

/** Reads a `data` block against the world's vCenter inventory. */
export function readDataSource(
  world: World,
  type: string,
  name: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const vc = world.state.vcenter;
  const address = `data.${type}.${name}`;
  const notFound = (what: string, value: string | undefined) =>
    new ConfigurationError(
      `Error: error fetching ${what}: ${what} '${value ?? ''}' not found\n\n  with ${address}`,
    );
  const wantName = str(body.name);
  const inDatacenter = (datacenter: string) => {
    const dc = str(body.datacenter_id);
    return dc === undefined || dc === datacenter;
  };
  switch (type) {
    case 'vsphere_datacenter': {
      const all = Object.values(vc.datacenters);
      const dc = wantName === undefined && all.length === 1 ? all[0] : all.find((d) => d.name === wantName);
      if (!dc) throw notFound('datacenter', wantName);
      return { id: dc.datacenter, name: dc.name };
    }
    case 'vsphere_compute_cluster': {
      const cluster = Object.values(vc.clusters).find(
        (c) => c.name === wantName && inDatacenter(c.datacenter),
      );
      if (!cluster) throw notFound('cluster', wantName);
      return {
        id: cluster.cluster,
        name: cluster.name,
        datacenter_id: cluster.datacenter,
        resource_pool_id: cluster.resource_pool,
      };
    }
    case 'vsphere_datastore': {
      const ds = Object.values(vc.datastores).find((d) => d.name === wantName && inDatacenter(d.datacenter));
      if (!ds) throw notFound('datastore', wantName);
      return {
        id: ds.datastore,
        name: ds.name,
        datacenter_id: ds.datacenter,
        stats: { free: ds.free_space },
      };
    }
    case 'vsphere_network': {
      const net = Object.values(vc.networks).find((n) => n.name === wantName && inDatacenter(n.datacenter));
      if (!net) throw notFound('network', wantName);
      return { id: net.network, name: net.name, type: net.type, datacenter_id: net.datacenter };
    }
    case 'vsphere_host': {
      const host = Object.values(vc.hosts).find((h) => h.name === wantName && inDatacenter(h.datacenter));
      if (!host) throw notFound('host', wantName);
      return {
        id: host.host,
        name: host.name,
        datacenter_id: host.datacenter,
        resource_pool_id: vc.clusters[host.cluster]?.resource_pool ?? '',
      };
    }
    case 'vsphere_resource_pool': {
      // "CL-PROD-01/Resources" names a cluster's root pool; a bare name must be unique.
      const [clusterName, poolName] = (wantName ?? '').includes('/')
        ? (wantName as string).split('/', 2)
        : [undefined, wantName];
      const pools = Object.values(vc.resource_pools).filter(
        (p) =>
          p.name === poolName &&
          inDatacenter(p.datacenter) &&
          (clusterName === undefined || vc.clusters[p.cluster]?.name === clusterName),
      );
      if (pools.length === 0) throw notFound('resource pool', wantName);
      if (pools.length > 1) {
        throw new ConfigurationError(
          `Error: error fetching resource pool: path '${wantName}' resolves to multiple resource pools\n\n  with ${address}`,
        );
      }
      return { id: pools[0]!.resource_pool, name: pools[0]!.name };
    }
    case 'vsphere_folder': {
      const path = str(body.path) ?? '';
      const folder = folderByInventoryPath(world, path);
      if (!folder) throw notFound('folder', path);
      return { id: folder, path };
    }
    default:
      throw new ConfigurationError(
        `Error: Invalid data source\n\n  on ${address}: the lab simulator does not support data source type "${type}"`,
      );
  }
}

/** A folder id from an inventory path `/<datacenter>/vm/<a>/<b>`. */
function folderByInventoryPath(world: World, path: string): string | undefined {
  const [dcName, root, ...rest] = path.replace(/^\/+/, '').split('/');
  const dc = Object.values(world.state.vcenter.datacenters).find((d) => d.name === dcName);
  if (!dc || root !== 'vm') return undefined;
  return vmFolderByRelativePath(world, dc.vm_folder, rest.join('/'));
}

/** The VM folder at `relative` (`Linux/web`) under a datacenter's root VM folder. */
function vmFolderByRelativePath(world: World, rootFolder: string, relative: string): string | undefined {
  let current = rootFolder;
  for (const segment of relative.split('/').filter(Boolean)) {
    const next = Object.values(world.state.vcenter.folders).find(
      (f) => f.parent_folder === current && f.name === segment && f.type === 'VIRTUAL_MACHINE',
    );
    if (!next) return undefined;
    current = next.folder;
  }
  return current;
}

const VM_ARGUMENTS = new Set([
  'name',
  'resource_pool_id',
  'datastore_id',
  'host_system_id',
  'folder',
  'num_cpus',
  'num_cores_per_socket',
  'memory',
  'guest_id',
  'firmware',
  'network_interface',
  'disk',
  'annotation',
  'cpu_hot_add_enabled',
  'memory_hot_add_enabled',
  'scsi_type',
  'wait_for_guest_net_timeout',
  'wait_for_guest_ip_timeout',
  'wait_for_guest_net_routable',
  'shutdown_wait_timeout',
  'force_power_off',
  'enable_disk_uuid',
  'lifecycle',
  'depends_on',
  'provider',
  'tags',
]);

const ADAPTERS: Record<string, Vm['nics'][string]['type']> = {
  vmxnet3: 'VMXNET3',
  e1000: 'E1000',
  e1000e: 'E1000E',
  pcnet32: 'PCNET32',
};

/** The normalized desired state of a `vsphere_virtual_machine`. */
interface VmDesired {
  name: string;
  resource_pool_id: string;
  datastore_id: string;
  host_system_id: string | null;
  folder: string;
  num_cpus: number;
  num_cores_per_socket: number;
  memory: number;
  guest_id: string;
  firmware: 'bios' | 'efi';
  cpu_hot_add_enabled: boolean;
  memory_hot_add_enabled: boolean;
  network_interface: { network_id: string; adapter_type: string }[];
  disk: { label: string; size: number }[];
}

function vmDesired(body: Record<string, unknown>): VmDesired {
  return body as unknown as VmDesired;
}

function folderPathOf(world: World, folderId: string): string {
  const parts: string[] = [];
  let current = world.state.vcenter.folders[folderId];
  while (
    current &&
    current.parent_folder &&
    world.state.vcenter.folders[current.parent_folder]?.type === 'VIRTUAL_MACHINE'
  ) {
    parts.unshift(current.name);
    current = world.state.vcenter.folders[current.parent_folder];
  }
  return parts.join('/');
}

function vmAttributes(world: World, vm: Vm, desired: Pick<VmDesired, 'guest_id' | 'firmware'> | undefined) {
  const disks = Object.entries(vm.disks)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([key, d], i) => ({
      label: `disk${i}`,
      size: Math.round(d.capacity / GiB),
      path: d.backing.vmdk_file,
      key: Number(key),
    }));
  const nics = Object.entries(vm.nics)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([key, n]) => ({
      network_id: n.backing.network,
      adapter_type: n.type.toLowerCase(),
      mac_address: n.mac_address,
      key: Number(key),
    }));
  return {
    id: vm.identity.bios_uuid,
    uuid: vm.identity.bios_uuid,
    moid: vm.vm,
    name: vm.name,
    resource_pool_id: vm.placement.resource_pool,
    datastore_id: vm.placement.datastore,
    host_system_id: vm.placement.host,
    folder: folderPathOf(world, vm.placement.folder),
    num_cpus: vm.cpu.count,
    num_cores_per_socket: vm.cpu.cores_per_socket,
    memory: vm.memory.size_MiB,
    guest_id: desired?.guest_id ?? vm.guest_OS,
    firmware: desired?.firmware ?? (vm.boot.type === 'EFI' ? 'efi' : 'bios'),
    cpu_hot_add_enabled: vm.cpu.hot_add_enabled,
    memory_hot_add_enabled: vm.memory.hot_add_enabled,
    network_interface: nics,
    disk: disks,
    default_ip_address: vm.guest_ip,
    guest_ip_addresses: vm.guest_ip ? [vm.guest_ip] : [],
    power_state:
      vm.power_state === 'POWERED_ON' ? 'on' : vm.power_state === 'SUSPENDED' ? 'suspended' : 'off',
  };
}

/** Grows or drops disks beyond what `updateVm` offers (it only adds), keeping datastore space right. */
function resizeDisks(world: World, vmId: string, sizesGiB: number[]): void {
  world.change((state) => {
    const vm = state.vcenter.vms[vmId];
    if (!vm) return;
    const ds = state.vcenter.datastores[vm.placement.datastore];
    const keys = Object.keys(vm.disks).sort((a, b) => Number(a) - Number(b));
    keys.forEach((key, i) => {
      const disk = vm.disks[key]!;
      const wanted = sizesGiB[i];
      const delta = wanted === undefined ? -disk.capacity : wanted * GiB - disk.capacity;
      if (ds) ds.free_space -= delta;
      if (wanted === undefined) delete vm.disks[key];
      else disk.capacity = wanted * GiB;
    });
  });
}

const vsphereVirtualMachine: ResourceProvider = {
  type: 'vsphere_virtual_machine',

  validate(address, body) {
    for (const arg of Object.keys(body)) {
      if (!VM_ARGUMENTS.has(arg)) {
        throw new ConfigurationError(
          `Error: Unsupported argument\n\n  on ${address}: An argument named "${arg}" is not expected here.`,
        );
      }
    }
    for (const required of ['name', 'resource_pool_id']) {
      if (body[required] === undefined) {
        throw new ConfigurationError(
          `Error: Missing required argument\n\n  on ${address}: The argument "${required}" is required, but no definition was found.`,
        );
      }
    }
    if (body.datastore_id === undefined) {
      throw new ConfigurationError(
        `Error: ${address}: datastore_id is required (datastore clusters are not simulated)`,
      );
    }
    const disks = list(body.disk).map((d, i) => ({
      label: str(d.label) ?? `disk${i}`,
      size: num(address, `disk[${i}].size`, d.size),
    }));
    if (disks.length === 0) {
      throw new ConfigurationError(`Error: ${address}: at least one disk block is required`);
    }
    const nics = list(body.network_interface).map((n, i) => {
      const adapter = (str(n.adapter_type) ?? 'vmxnet3').toLowerCase();
      if (!ADAPTERS[adapter]) {
        throw new ConfigurationError(
          `Error: ${address}: network_interface[${i}].adapter_type "${adapter}" is not valid`,
        );
      }
      const network = str(n.network_id);
      if (!network)
        throw new ConfigurationError(`Error: ${address}: network_interface[${i}].network_id is required`);
      return { network_id: network, adapter_type: adapter };
    });
    const firmware = str(body.firmware) ?? 'bios';
    if (firmware !== 'bios' && firmware !== 'efi') {
      throw new ConfigurationError(`Error: ${address}: firmware must be bios or efi`);
    }
    const desired: VmDesired = {
      name: str(body.name) as string,
      resource_pool_id: str(body.resource_pool_id) as string,
      datastore_id: str(body.datastore_id) as string,
      host_system_id: str(body.host_system_id) ?? null,
      folder: (str(body.folder) ?? '').replace(/^\/+|\/+$/g, ''),
      num_cpus: num(address, 'num_cpus', body.num_cpus, 1),
      num_cores_per_socket: num(address, 'num_cores_per_socket', body.num_cores_per_socket, 1),
      memory: num(address, 'memory', body.memory, 1024),
      guest_id: str(body.guest_id) ?? 'otherGuest64',
      firmware,
      cpu_hot_add_enabled: body.cpu_hot_add_enabled === true || body.cpu_hot_add_enabled === 'true',
      memory_hot_add_enabled: body.memory_hot_add_enabled === true || body.memory_hot_add_enabled === 'true',
      network_interface: nics,
      disk: disks,
    };
    return desired as unknown as Record<string, unknown>;
  },

  refresh(world, prior) {
    const vm = world.vcenter.find('vms', String(prior.moid));
    if (!vm) return undefined;
    return vmAttributes(world, vm, prior as unknown as VmDesired);
  },

  diff(world, desiredBody, current) {
    const desired = vmDesired(desiredBody);
    const vm = world.vcenter.find('vms', String(current.moid));
    if (!vm) return 'create';
    const pool = world.state.vcenter.resource_pools[desired.resource_pool_id];
    const networks = desired.network_interface.map((n) => n.network_id).join(',');
    const currentNetworks = Object.values(vm.nics)
      .map((n) => n.backing.network)
      .join(',');
    const replace =
      desired.name !== vm.name ||
      guestOsFromGuestId(desired.guest_id) !== vm.guest_OS ||
      desired.folder !== current.folder ||
      desired.datastore_id !== vm.placement.datastore ||
      (pool
        ? pool.cluster !== vm.placement.cluster
        : desired.resource_pool_id !== vm.placement.resource_pool) ||
      (desired.host_system_id !== null && desired.host_system_id !== vm.placement.host) ||
      networks !== currentNetworks;
    if (replace) return 'replace';
    const currentDisks = (current.disk as { size: number }[]).map((d) => d.size);
    desired.disk.forEach((d, i) => {
      const have = currentDisks[i];
      if (have !== undefined && d.size < have) {
        throw new ConfigurationError(
          `Error: ${d.label}: virtual disk size cannot shrink (from ${have} GB to ${d.size} GB)`,
        );
      }
    });
    const changed =
      desired.num_cpus !== vm.cpu.count ||
      desired.memory !== vm.memory.size_MiB ||
      desired.disk.length !== currentDisks.length ||
      desired.disk.some((d, i) => d.size !== currentDisks[i]);
    return changed ? 'update' : 'none';
  },

  create(world, desiredBody, runId) {
    const desired = vmDesired(desiredBody);
    const address = `vsphere_virtual_machine (${desired.name})`;
    try {
      const pool = world.vcenter.get('resource_pools', desired.resource_pool_id);
      const dc = world.state.vcenter.datacenters[pool.datacenter];
      const folder = dc ? vmFolderByRelativePath(world, dc.vm_folder, desired.folder) : undefined;
      if (!folder) throw new Error(`folder '${desired.folder}' not found in datacenter ${pool.datacenter}`);
      const guestOs = guestOsFromGuestId(desired.guest_id);
      const image = Object.values(world.state.lab.images).find((i) => i.guest_OS === guestOs);
      const vm = world.vcenter.createVm({
        name: desired.name,
        guest_OS: guestOs,
        placement: {
          folder,
          datastore: desired.datastore_id,
          resource_pool: desired.resource_pool_id,
          host: desired.host_system_id,
        },
        cpu: {
          count: desired.num_cpus,
          cores_per_socket: desired.num_cores_per_socket,
          hot_add_enabled: desired.cpu_hot_add_enabled,
        },
        memory: { size_MiB: desired.memory, hot_add_enabled: desired.memory_hot_add_enabled },
        disks: desired.disk.map((d) => ({ capacity: d.size * GiB })),
        nics: desired.network_interface.map((n) => ({
          network: n.network_id,
          type: ADAPTERS[n.adapter_type],
        })),
        boot: { type: desired.firmware === 'efi' ? 'EFI' : 'BIOS' },
        image: image?.name ?? null,
        created_by: `tfe ${runId}`,
      });
      const on = world.vcenter.powerVm(vm.vm, 'start');
      return vmAttributes(world, on, desired);
    } catch (err) {
      throw providerError(address, 'creating', err);
    }
  },

  update(world, desiredBody, current) {
    const desired = vmDesired(desiredBody);
    const id = String(current.moid);
    try {
      const vm = world.vcenter.get('vms', id);
      const currentSizes = Object.keys(vm.disks)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => Math.round(vm.disks[k]!.capacity / GiB));
      const kept = desired.disk.slice(0, currentSizes.length).map((d) => d.size);
      if (kept.length !== currentSizes.length || kept.some((size, i) => size !== currentSizes[i])) {
        resizeDisks(world, id, kept);
      }
      const updated = world.vcenter.updateVm(id, {
        cpu: { count: desired.num_cpus },
        memory: { size_MiB: desired.memory },
        add_disks: desired.disk.slice(currentSizes.length).map((d) => ({ capacity: d.size * GiB })),
        power_cycle: true,
      });
      return vmAttributes(world, updated, desired);
    } catch (err) {
      throw providerError(`vsphere_virtual_machine (${id})`, 'updating', err);
    }
  },

  destroy(world, current) {
    const id = String(current.moid);
    const vm = world.vcenter.find('vms', id);
    if (!vm) return;
    try {
      if (vm.power_state !== 'POWERED_OFF') world.vcenter.powerVm(id, 'stop');
      world.vcenter.deleteVm(id);
    } catch (err) {
      throw providerError(`vsphere_virtual_machine (${id})`, 'destroying', err);
    }
  },
};

/** `null_resource` and `terraform_data`: state-only; a change of their triggers replaces them. */
function stateOnly(type: string, trigger: string, args: string[]): ResourceProvider {
  return {
    type,
    validate(address, body) {
      for (const arg of Object.keys(body)) {
        if (!args.includes(arg)) {
          throw new ConfigurationError(
            `Error: Unsupported argument\n\n  on ${address}: An argument named "${arg}" is not expected here.`,
          );
        }
      }
      return body;
    },
    refresh: (_world, prior) => prior,
    diff(_world, desired, current) {
      const fields = [trigger, ...(type === 'terraform_data' ? ['input'] : [])];
      const differs = fields.some(
        (f) => JSON.stringify(desired[f] ?? null) !== JSON.stringify(current[f] ?? null),
      );
      return differs ? 'replace' : 'none';
    },
    create(_world, desired) {
      const id = type === 'null_resource' ? String(crypto.randomInt(1e15, 9e15)) : crypto.randomUUID();
      return { ...desired, id, ...(type === 'terraform_data' ? { output: desired.input ?? null } : {}) };
    },
    update: (_world, desired, current) => ({ ...current, ...desired }),
    destroy: () => undefined,
  };
}

const providers = new Map<string, ResourceProvider>(
  [
    vsphereVirtualMachine,
    stateOnly('null_resource', 'triggers', ['triggers', 'depends_on', 'lifecycle', 'provider']),
    stateOnly('terraform_data', 'triggers_replace', ['input', 'triggers_replace', 'depends_on', 'lifecycle']),
  ].map((p) => [p.type, p]),
);

/** The provider of a resource type; an unknown type fails like a missing provider would. */
export function providerFor(type: string, address: string): ResourceProvider {
  const provider = providers.get(type);
  if (!provider) {
    throw new ConfigurationError(
      `Error: Invalid resource type\n\n  on ${address}: The lab simulator does not support resource type "${type}" (supported: ${[...providers.keys()].join(', ')}).`,
    );
  }
  return provider;
}
