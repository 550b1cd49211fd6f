/**
 * Typed operations on vCenter's inventory. The vCenter simulator serves them over its REST API;
 * the AWX and TFE simulators call them when a job or an apply succeeds, so every system sees the
 * same VMs. Rules follow the vSphere Automation API reference: references are checked (404),
 * placement must be consistent (400), names are unique per folder, disks take datastore space,
 * a powered-on VM cannot be deleted.
 */
import { WorldError } from './errors';
import { randomHex } from './random';
import type { GuestCustomization, NetworkType, PowerState, Vm, VmDisk, VmNic, WorldState } from './types';
import type { World } from './world';

const GiB = 1024 ** 3;

/** Disk to add at creation: capacity in bytes. */
export interface CreateVmDisk {
  type?: VmDisk['type'];
  capacity: number;
  name?: string;
}

/** NIC to add at creation: `network` is a network id (portgroup). */
export interface CreateVmNic {
  type?: VmNic['type'];
  network: string;
  start_connected?: boolean;
  /** When given, must match the network's type, as vCenter insists. */
  backing_type?: NetworkType;
}

/**
 * Static addressing for the guest, as a customization spec carries it (`CustomizationFixedIp`,
 * subnet, gateway, `CustomizationGlobalIPSettings`, the Linux prep or sysprep names).
 */
export interface GuestCustomizationSpec {
  ip_address: string;
  prefix_length: number;
  gateway?: string | null;
  dns_servers?: string[];
  dns_suffixes?: string[];
  host_name?: string | null;
  domain?: string | null;
}

/** What VMware Tools reports of the guest's networking (`/guest/networking*`, `/guest/identity`). */
export interface GuestNetworking {
  host_name: string;
  domain_name: string | null;
  /** Null until Tools run and the address delay has passed. */
  ip_address: string | null;
  prefix_length: number | null;
  /** MANUAL for a customized address, DHCP for a lease. */
  origin: 'MANUAL' | 'DHCP';
  gateway: string | null;
  dns_servers: string[];
  search_domains: string[];
}

/** What `createVm` needs, in the words of vCenter's `VM.CreateSpec`. */
export interface CreateVmSpec {
  name: string;
  guest_OS: string;
  placement: {
    folder: string;
    datastore: string;
    cluster?: string | null;
    host?: string | null;
    resource_pool?: string | null;
  };
  cpu?: { count?: number; cores_per_socket?: number; hot_add_enabled?: boolean };
  memory?: { size_MiB?: number; hot_add_enabled?: boolean };
  disks?: CreateVmDisk[];
  nics?: CreateVmNic[];
  boot?: { type?: 'BIOS' | 'EFI' };
  /** Lab image name (rhel9 ...), recorded on the VM. */
  image?: string | null;
  /** Who asks (vcenter, awx job 12, tfe run-...), recorded on the VM. */
  created_by: string;
  /** Guest customization applied at first boot; without it the guest takes a lease from the lab. */
  customization?: GuestCustomizationSpec;
}

/** Changes `updateVm` can make. */
export interface UpdateVmSpec {
  cpu?: { count: number };
  memory?: { size_MiB: number };
  /** Disks to add (existing disks are kept). */
  add_disks?: CreateVmDisk[];
  /** When the VM is on and the change is not hot-pluggable, power it off, change, power on. */
  power_cycle?: boolean;
}

/** Filters of `GET /api/vcenter/vm`; each list must match when given. */
export interface VmFilter {
  vms?: string[];
  names?: string[];
  folders?: string[];
  datacenters?: string[];
  hosts?: string[];
  clusters?: string[];
  resource_pools?: string[];
  power_states?: PowerState[];
}

type Collection = 'folders' | 'clusters' | 'hosts' | 'resource_pools' | 'datastores' | 'networks' | 'vms';

const labels: Record<Collection, string> = {
  folders: 'Folder',
  clusters: 'Cluster',
  hosts: 'Host',
  resource_pools: 'Resource pool',
  datastores: 'Datastore',
  networks: 'Network',
  vms: 'Virtual machine',
};

const singular: Record<Collection, string> = {
  folders: 'folder',
  clusters: 'cluster',
  hosts: 'host',
  resource_pools: 'resource_pool',
  datastores: 'datastore',
  networks: 'network',
  vms: 'vm',
};

/** VMware Tools state a guest reports, derived from how long the VM has been on. */
export type ToolsRunState = 'NOT_RUNNING' | 'RUNNING';

/** vCenter inventory operations bound to one world. */
export class VcenterInventory {
  constructor(private readonly world: World) {}

  private get state(): WorldState['vcenter'] {
    return this.world.state.vcenter;
  }

  /** Finds an object by id, or by exact name when `byName` (AWX and TFE speak in names). */
  find<C extends Collection>(
    collection: C,
    ref: string,
    byName = false,
  ): WorldState['vcenter'][C][string] | undefined {
    const items = this.state[collection] as Record<string, WorldState['vcenter'][C][string]>;
    const byId = items[ref];
    if (byId || !byName) return byId;
    return Object.values(items).find((item) => (item as { name: string }).name === ref);
  }

  /** Like `find`, but a missing object is vCenter's NOT_FOUND. */
  get<C extends Collection>(collection: C, ref: string, byName = false): WorldState['vcenter'][C][string] {
    const found = this.find(collection, ref, byName);
    if (!found) {
      throw new WorldError(
        'NOT_FOUND',
        `${labels[collection]} with identifier '${ref}' does not exist.`,
        `com.vmware.api.vcenter.${singular[collection]}.not_found`,
        [ref],
      );
    }
    return found;
  }

  /** VMs matching every given filter, ordered by id number. */
  listVms(filter: VmFilter = {}): Vm[] {
    const has = <T>(list: T[] | undefined, value: T) => !list || list.length === 0 || list.includes(value);
    return Object.values(this.state.vms)
      .filter(
        (vm) =>
          has(filter.vms, vm.vm) &&
          has(filter.names, vm.name) &&
          has(filter.folders, vm.placement.folder) &&
          has(filter.hosts, vm.placement.host) &&
          has(filter.clusters, vm.placement.cluster ?? '') &&
          has(filter.resource_pools, vm.placement.resource_pool) &&
          has(filter.power_states, vm.power_state) &&
          has(filter.datacenters, this.state.folders[vm.placement.folder]?.datacenter ?? ''),
      )
      .sort((a, b) => idNumber(a.vm) - idNumber(b.vm));
  }

  /** Creates a powered-off VM and returns it (vCenter's `POST /api/vcenter/vm`). */
  createVm(spec: CreateVmSpec): Vm {
    const folder = this.get('folders', spec.placement.folder);
    if (folder.type !== 'VIRTUAL_MACHINE') {
      throw invalid(`Folder '${folder.folder}' is not a virtual machine folder.`, 'placement.folder');
    }
    const datastore = this.get('datastores', spec.placement.datastore);
    const { cluster, host, resourcePool } = this.resolveCompute(spec.placement);
    if (!spec.name || spec.name.length > 80)
      throw invalid('A VM name of 1 to 80 characters is required.', 'name');
    if (!spec.guest_OS) throw invalid('guest_OS is required.', 'guest_OS');
    if (this.listVms({ names: [spec.name], folders: [folder.folder] }).length > 0) {
      throw new WorldError(
        'ALREADY_EXISTS',
        `The name '${spec.name}' already exists.`,
        'com.vmware.vim.vmomi.core.DuplicateName',
        [spec.name],
      );
    }
    const cpuCount = spec.cpu?.count ?? 1;
    const memory = spec.memory?.size_MiB ?? 1024;
    if (!Number.isInteger(cpuCount) || cpuCount < 1 || cpuCount > 128)
      throw invalid('cpu.count must be 1-128.', 'cpu.count');
    if (!Number.isInteger(memory) || memory < 4 || memory > 6 * 1024 * 1024) {
      throw invalid('memory.size_MiB must be 4 MiB - 6 TiB.', 'memory.size_MiB');
    }
    const diskSpecs = spec.disks && spec.disks.length > 0 ? spec.disks : [{ capacity: 16 * GiB }];
    for (const d of diskSpecs) {
      if (!Number.isFinite(d.capacity) || d.capacity <= 0)
        throw invalid('Disk capacity must be positive.', 'disks');
    }
    const needed = diskSpecs.reduce((sum, d) => sum + d.capacity, 0);
    if (needed > datastore.free_space) {
      throw new WorldError(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        `Insufficient disk space on datastore '${datastore.name}'.`,
        'com.vmware.vim.vmomi.core.InsufficientDisk',
        [datastore.name],
      );
    }
    const nics = (spec.nics ?? []).map((n) => {
      const network = this.get('networks', n.network);
      if (n.backing_type && n.backing_type !== network.type) {
        throw invalid(
          `NIC backing type ${n.backing_type} does not match network '${network.network}' (${network.type}).`,
          'nics',
        );
      }
      return network;
    });
    const customization = spec.customization ? checkCustomization(spec.customization, nics.length) : null;

    return this.world.change((state) => {
      const id = `vm-${state.vcenter.next_moref++}`;
      const random = this.world.random;
      const disks: Record<string, VmDisk> = {};
      diskSpecs.forEach((d, i) => {
        const file = i === 0 ? `${spec.name}.vmdk` : `${spec.name}_${i}.vmdk`;
        disks[String(2000 + i)] = {
          label: `Hard disk ${i + 1}`,
          type: d.type ?? 'SCSI',
          scsi: { bus: 0, unit: i >= 7 ? i + 1 : i },
          backing: { type: 'VMDK_FILE', vmdk_file: `[${datastore.name}] ${spec.name}/${file}` },
          capacity: d.capacity,
        };
      });
      const nicRecords: Record<string, VmNic> = {};
      nics.forEach((network, i) => {
        const mac = randomHex(random, 3).match(/../g)!.join(':');
        nicRecords[String(4000 + i)] = {
          label: `Network adapter ${i + 1}`,
          type: spec.nics?.[i]?.type ?? 'VMXNET3',
          mac_type: 'GENERATED',
          mac_address: `00:50:56:${mac}`,
          backing: { type: network.type, network: network.network, network_name: network.name },
          state: 'NOT_CONNECTED',
          start_connected: spec.nics?.[i]?.start_connected ?? true,
          allow_guest_control: true,
          wake_on_lan_enabled: false,
          upt_compatibility_enabled: false,
        };
      });
      const facts = nics[0] && !customization ? state.lab.networks[nics[0].name] : undefined;
      const guestIp = customization?.ip_address ?? (facts ? allocateAddress(facts) : null);
      const vm: Vm = {
        vm: id,
        name: spec.name,
        guest_OS: spec.guest_OS,
        power_state: 'POWERED_OFF',
        powered_on_at: null,
        placement: {
          folder: folder.folder,
          cluster: cluster?.cluster ?? null,
          host: host.host,
          resource_pool: resourcePool.resource_pool,
          datastore: datastore.datastore,
        },
        identity: { name: spec.name, bios_uuid: uuid(random), instance_uuid: uuid(random) },
        hardware: { version: 'VMX_19', upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
        cpu: {
          count: cpuCount,
          cores_per_socket: spec.cpu?.cores_per_socket ?? 1,
          hot_add_enabled: spec.cpu?.hot_add_enabled ?? false,
          hot_remove_enabled: false,
        },
        memory: { size_MiB: memory, hot_add_enabled: spec.memory?.hot_add_enabled ?? false },
        boot: {
          type: spec.boot?.type ?? 'BIOS',
          delay: 0,
          retry: false,
          retry_delay: 10000,
          enter_setup_mode: false,
        },
        disks,
        nics: nicRecords,
        image: spec.image ?? null,
        guest_ip: guestIp,
        customization,
        created_by: spec.created_by,
        created_at: new Date(this.world.now()).toISOString(),
      };
      state.vcenter.vms[id] = vm;
      state.vcenter.datastores[datastore.datastore]!.free_space -= needed;
      this.world.count('vcenter.vms.created', 1, state);
      return vm;
    });
  }

  /** Deletes a powered-off VM and frees its disk space (`DELETE /api/vcenter/vm/{vm}`). */
  deleteVm(id: string): void {
    const vm = this.get('vms', id);
    if (vm.power_state === 'POWERED_ON') {
      throw new WorldError(
        'NOT_ALLOWED_IN_CURRENT_STATE',
        `Virtual machine '${vm.vm}' is powered on; power it off before deleting it.`,
        'com.vmware.api.vcenter.vm.powered_on',
        [vm.vm],
      );
    }
    this.world.change((state) => {
      const used = Object.values(vm.disks).reduce((sum, d) => sum + d.capacity, 0);
      const ds = state.vcenter.datastores[vm.placement.datastore];
      if (ds) ds.free_space = Math.min(ds.capacity, ds.free_space + used);
      delete state.vcenter.vms[vm.vm];
      this.world.count('vcenter.vms.deleted', 1, state);
    });
  }

  /** Power action with vCenter's state rules (`POST /api/vcenter/vm/{vm}/power?action=`). */
  powerVm(id: string, action: 'start' | 'stop' | 'suspend' | 'reset'): Vm {
    const vm = this.get('vms', id);
    const already = (what: string) =>
      new WorldError(
        'ALREADY_IN_DESIRED_STATE',
        `Virtual machine '${vm.vm}' is already ${what}.`,
        'com.vmware.api.vcenter.vm.power.already_in_desired_state',
        [vm.vm],
      );
    const notOn = () =>
      new WorldError(
        'NOT_ALLOWED_IN_CURRENT_STATE',
        `Virtual machine '${vm.vm}' is not powered on.`,
        'com.vmware.api.vcenter.vm.power.not_powered_on',
        [vm.vm],
      );
    if (action === 'start' && vm.power_state === 'POWERED_ON') throw already('powered on');
    if (action === 'stop' && vm.power_state === 'POWERED_OFF') throw already('powered off');
    if ((action === 'suspend' || action === 'reset') && vm.power_state !== 'POWERED_ON') throw notOn();
    return this.world.change((state) => {
      const live = state.vcenter.vms[vm.vm]!;
      const connect = (on: boolean) => {
        for (const nic of Object.values(live.nics))
          nic.state = on && nic.start_connected ? 'CONNECTED' : 'NOT_CONNECTED';
      };
      if (action === 'start' || action === 'reset') {
        live.power_state = 'POWERED_ON';
        live.powered_on_at = this.world.now();
        connect(true);
      } else if (action === 'stop') {
        live.power_state = 'POWERED_OFF';
        live.powered_on_at = null;
        connect(false);
      } else {
        live.power_state = 'SUSPENDED';
        live.powered_on_at = null;
      }
      return live;
    });
  }

  /** Changes CPU, memory or disks; a cold change on a running VM needs `power_cycle`. */
  updateVm(id: string, spec: UpdateVmSpec): Vm {
    const vm = this.get('vms', id);
    const on = vm.power_state === 'POWERED_ON';
    const coldCpu =
      spec.cpu &&
      spec.cpu.count !== vm.cpu.count &&
      !(vm.cpu.hot_add_enabled && spec.cpu.count > vm.cpu.count);
    const coldMemory =
      spec.memory &&
      spec.memory.size_MiB !== vm.memory.size_MiB &&
      !(vm.memory.hot_add_enabled && spec.memory.size_MiB > vm.memory.size_MiB);
    if (on && (coldCpu || coldMemory) && !spec.power_cycle) {
      throw new WorldError(
        'NOT_ALLOWED_IN_CURRENT_STATE',
        `Virtual machine '${vm.vm}' must be powered off to change its hardware.`,
        'com.vmware.api.vcenter.vm.hardware.not_allowed_in_current_state',
        [vm.vm],
      );
    }
    const datastore = this.get('datastores', vm.placement.datastore);
    const added = (spec.add_disks ?? []).reduce((sum, d) => sum + d.capacity, 0);
    if (added > datastore.free_space) {
      throw new WorldError(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        `Insufficient disk space on datastore '${datastore.name}'.`,
        'com.vmware.vim.vmomi.core.InsufficientDisk',
        [datastore.name],
      );
    }
    return this.world.change((state) => {
      const live = state.vcenter.vms[vm.vm]!;
      if (spec.cpu) live.cpu.count = spec.cpu.count;
      if (spec.memory) live.memory.size_MiB = spec.memory.size_MiB;
      let next = Object.keys(live.disks).length;
      for (const d of spec.add_disks ?? []) {
        live.disks[String(2000 + next)] = {
          label: `Hard disk ${next + 1}`,
          type: d.type ?? 'SCSI',
          scsi: { bus: 0, unit: next >= 7 ? next + 1 : next },
          backing: {
            type: 'VMDK_FILE',
            vmdk_file: `[${datastore.name}] ${live.name}/${live.name}_${next}.vmdk`,
          },
          capacity: d.capacity,
        };
        next++;
      }
      state.vcenter.datastores[datastore.datastore]!.free_space -= added;
      if (on && (coldCpu || coldMemory)) live.powered_on_at = this.world.now();
      this.world.count('vcenter.vms.updated', 1, state);
      return live;
    });
  }

  /** Tools state: RUNNING once the VM has been on for the `vcenter.boot` duration. */
  toolsRunState(vm: Vm): ToolsRunState {
    if (vm.power_state !== 'POWERED_ON' || vm.powered_on_at === null) return 'NOT_RUNNING';
    return this.world.now() - vm.powered_on_at >= this.world.duration('vcenter.boot')
      ? 'RUNNING'
      : 'NOT_RUNNING';
  }

  /** The guest's IP once tools run and the `vcenter.guest-ip` delay has passed, else null. */
  guestIpAddress(vm: Vm): string | null {
    if (this.toolsRunState(vm) !== 'RUNNING' || vm.powered_on_at === null) return null;
    const ready =
      vm.powered_on_at + this.world.duration('vcenter.boot') + this.world.duration('vcenter.guest-ip');
    return this.world.now() >= ready ? vm.guest_ip : null;
  }

  /** The guest's networking as Tools report it: the customized settings, else the lease's lab facts. */
  guestNetworking(vm: Vm): GuestNetworking {
    const ip = this.guestIpAddress(vm);
    const c = vm.customization;
    if (c) {
      return {
        host_name: c.host_name ?? vm.name,
        domain_name: c.domain,
        ip_address: ip,
        prefix_length: ip ? c.prefix_length : null,
        origin: 'MANUAL',
        gateway: c.gateway,
        dns_servers: c.dns_servers,
        search_domains: c.dns_suffixes,
      };
    }
    const nic = Object.values(vm.nics)[0];
    const facts = nic ? this.world.state.lab.networks[nic.backing.network_name] : undefined;
    return {
      host_name: vm.name,
      domain_name: facts?.dns_domain ?? null,
      ip_address: ip,
      prefix_length: ip && facts ? Number(facts.cidr.split('/')[1]) : null,
      origin: 'DHCP',
      gateway: facts?.gateway ?? null,
      dns_servers: facts?.dns_servers ?? [],
      search_domains: facts ? [facts.dns_domain] : [],
    };
  }

  private resolveCompute(placement: CreateVmSpec['placement']) {
    const cluster = placement.cluster ? this.get('clusters', placement.cluster) : undefined;
    const hostGiven = placement.host ? this.get('hosts', placement.host) : undefined;
    const poolGiven = placement.resource_pool
      ? this.get('resource_pools', placement.resource_pool)
      : undefined;
    if (!cluster && !hostGiven && !poolGiven) {
      throw invalid(
        'One of placement.resource_pool, placement.host or placement.cluster is required.',
        'placement',
      );
    }
    if (cluster && hostGiven && hostGiven.cluster !== cluster.cluster) {
      throw invalid(`Host '${hostGiven.host}' is not in cluster '${cluster.cluster}'.`, 'placement.host');
    }
    if (cluster && poolGiven && poolGiven.cluster !== cluster.cluster) {
      throw invalid(
        `Resource pool '${poolGiven.resource_pool}' is not in cluster '${cluster.cluster}'.`,
        'placement.resource_pool',
      );
    }
    if (hostGiven && poolGiven && poolGiven.cluster !== hostGiven.cluster) {
      throw invalid(
        `Resource pool '${poolGiven.resource_pool}' is not on host '${hostGiven.host}'.`,
        'placement.resource_pool',
      );
    }
    const clusterId = cluster?.cluster ?? hostGiven?.cluster ?? poolGiven!.cluster;
    const resolvedCluster = this.state.clusters[clusterId];
    const host =
      hostGiven ??
      Object.values(this.state.hosts).find(
        (h) => h.cluster === clusterId && h.connection_state === 'CONNECTED',
      );
    if (!host || !resolvedCluster) {
      throw new WorldError(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        `No connected host in cluster '${clusterId}'.`,
        'com.vmware.vim.vmomi.core.NoHost',
        [clusterId],
      );
    }
    const resourcePool = poolGiven ?? this.get('resource_pools', resolvedCluster.resource_pool);
    return { cluster: resolvedCluster, host, resourcePool };
  }
}

function invalid(message: string, field: string): WorldError {
  return new WorldError('INVALID_ARGUMENT', message, 'com.vmware.vapi.std.errors.invalid_argument', [field]);
}

/** Whether `text` is a dotted-quad IPv4 address. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/**
 * Checks a customization spec as vCenter does when the clone task starts: a NIC to carry the
 * address (the spec sets the first one), well-formed addresses and a usable prefix.
 */
function checkCustomization(spec: GuestCustomizationSpec, nicCount: number): GuestCustomization {
  if (nicCount < 1) {
    throw invalid(
      `The number of network adapter settings in the customization specification: 1 does not match the number of network adapters present in the virtual machine: ${nicCount}.`,
      'customization',
    );
  }
  if (!isIpv4(spec.ip_address))
    throw invalid(`Invalid IP address '${spec.ip_address}' in the customization specification.`, 'ip');
  if (!Number.isInteger(spec.prefix_length) || spec.prefix_length < 1 || spec.prefix_length > 32)
    throw invalid(
      `Invalid subnet prefix length ${spec.prefix_length} in the customization specification.`,
      'subnet',
    );
  for (const address of [...(spec.gateway ? [spec.gateway] : []), ...(spec.dns_servers ?? [])]) {
    if (!isIpv4(address))
      throw invalid(`Invalid IP address '${address}' in the customization specification.`, 'ip');
  }
  return {
    host_name: spec.host_name ?? null,
    domain: spec.domain ?? null,
    ip_address: spec.ip_address,
    prefix_length: spec.prefix_length,
    gateway: spec.gateway ?? null,
    dns_servers: spec.dns_servers ?? [],
    dns_suffixes: spec.dns_suffixes ?? [],
  };
}

function idNumber(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1)) || 0;
}

function uuid(random: () => number): string {
  const h = randomHex(random, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function allocateAddress(facts: { cidr: string; next_host: number }): string {
  const [base] = facts.cidr.split('/');
  const octets = (base ?? '0.0.0.0').split('.').map(Number);
  const host = facts.next_host++;
  octets[3] = (octets[3] ?? 0) + (host % 254);
  return octets.join('.');
}
