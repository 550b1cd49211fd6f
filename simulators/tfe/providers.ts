/**
 * The providers a lab workspace may use, acting on the shared world the way the real ones act on
 * vCenter: `hashicorp/vsphere` (data sources for datacenter, cluster, datastore, network,
 * resource pool, host, folder and virtual machine or template; resource `vsphere_virtual_machine`,
 * created powered on — empty, or cloned from a lab template with guest customization — changed
 * in place for CPU, memory and disks, replaced when its identity, placement or clone changes, shut
 * down and deleted on destroy) and the state-only `null_resource` and `terraform_data`.
 * https://registry.terraform.io/providers/hashicorp/vsphere/latest/docs/resources/virtual_machine
 */
import crypto from 'node:crypto';
import type { GuestCustomizationSpec, OsImage, Vm, World } from '../world';
import { WorldError, isIpv4 } from '../world';
import { ConfigurationError } from './configuration';

const GiB = 1024 ** 3;

/** How a planned resource differs from its state. */
export type ChangeAction = 'none' | 'create' | 'update' | 'replace' | 'delete';

/** One resource type's behaviour. */
export interface ResourceProvider {
  type: string;
  /**
   * Checks the evaluated configuration at plan time (what `terraform validate` and the provider's
   * plan-time checks refuse); throws ConfigurationError.
   */
  validate(address: string, body: Record<string, unknown>, world: World): Record<string, unknown>;
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
 * vSphere guest ids whose REST `guest_OS` name does not follow from the id's spelling: Windows
 * Server 2019 onward, and the generic "other" guests. From the vSphere API's
 * VirtualMachineGuestOsIdentifier and vcenter.vm.GuestOS enumerations.
 */
const IRREGULAR_GUEST_IDS: Record<string, string> = {
  windows2019srv_64Guest: 'WINDOWS_SERVER_2019',
  /** Windows Server 2022 (vSphere API 7.0.1.0). */
  windows2019srvNext_64Guest: 'WINDOWS_SERVER_2021',
  /** Windows Server 2025 (vSphere API 8.0.0.1). */
  windows2022srvNext_64Guest: 'WINDOWS_SERVER_2025',
  otherGuest: 'OTHER',
  otherGuest64: 'OTHER_64',
};

/**
 * vCenter's REST guest OS id from the vSphere API's `guest_id` (`rhel9_64Guest` → `RHEL_9_64`,
 * `windows9Server64Guest` → `WINDOWS_9_SERVER_64`, `windows2019srvNext_64Guest` →
 * `WINDOWS_SERVER_2021`); an id already in REST form passes through.
 */
export function guestOsFromGuestId(guestId: string): string {
  if (/^[A-Z0-9_]+$/.test(guestId)) return guestId;
  const irregular = IRREGULAR_GUEST_IDS[guestId];
  if (irregular) return irregular;
  return guestId
    .replace(/Guest$/, '')
    .replace(/([a-z])([A-Z0-9])/g, '$1_$2')
    .replace(/([0-9])([a-zA-Z])/g, '$1_$2')
    .replace(/_+/g, '_')
    .toUpperCase();
}

/**
 * The vSphere API's `guest_id` of a REST `guest_OS` (`RHEL_9_64` → `rhel9_64Guest`,
 * `UBUNTU_64` → `ubuntu64Guest`, `WINDOWS_SERVER_2021` → `windows2019srvNext_64Guest`), as the
 * provider reports a template's guest.
 */
export function guestIdFromGuestOs(guestOs: string): string {
  const irregular = Object.entries(IRREGULAR_GUEST_IDS).find(([, rest]) => rest === guestOs);
  if (irregular) return irregular[0];
  const words = guestOs.toLowerCase().split('_');
  let id = words[0] ?? '';
  for (const word of words.slice(1)) {
    if (word === '64' && /[0-9]$/.test(id)) id += '_64';
    else id += /^[0-9]/.test(word) ? word : word.charAt(0).toUpperCase() + word.slice(1);
  }
  return `${id}Guest`;
}

/** The BIOS UUID of a lab image's template: stable for the image's name, as a template's is. */
export function templateUuid(image: Pick<OsImage, 'name'>): string {
  const h = crypto.createHash('sha256').update(`lab-template:${image.name}`).digest('hex');
  return `4230${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 28)}`;
}

/** What a clone starts from: a lab image's template, or a VM of the inventory. */
type CloneSource =
  | { kind: 'template'; uuid: string; name: string; guestOs: string; image: OsImage; disksGiB: number[] }
  | { kind: 'vm'; uuid: string; name: string; guestOs: string; image: OsImage | undefined; vm: Vm };

/** The template or VM with that UUID, as the provider finds it (`virtualmachine.FromUUID`). */
function cloneSource(world: World, uuid: string): CloneSource | undefined {
  const image = Object.values(world.state.lab.images).find((i) => templateUuid(i) === uuid);
  if (image) {
    return {
      kind: 'template',
      uuid,
      name: image.name,
      guestOs: image.guest_OS,
      image,
      disksGiB: [image.disk_GiB],
    };
  }
  const vm = Object.values(world.state.vcenter.vms).find((v) => v.identity.bios_uuid === uuid);
  if (!vm) return undefined;
  return {
    kind: 'vm',
    uuid,
    name: vm.name,
    guestOs: vm.guest_OS,
    image: vm.image ? world.state.lab.images[vm.image] : undefined,
    vm,
  };
}

/** The `vsphere_virtual_machine` data source: a lab template by name, or a VM by name or UUID. */
function readVirtualMachine(world: World, address: string, body: Record<string, unknown>) {
  const uuid = str(body.uuid);
  const wanted = str(body.name);
  let source: CloneSource | undefined;
  if (uuid) source = cloneSource(world, uuid);
  else if (wanted) {
    const image = world.state.lab.images[wanted];
    const vms = Object.values(world.state.vcenter.vms).filter((v) => v.name === wanted);
    if (vms.length > 1 && !image) {
      throw new ConfigurationError(
        `Error: error fetching virtual machine: path '${wanted}' resolves to multiple virtual machines\n\n  with ${address}`,
      );
    }
    source = image
      ? cloneSource(world, templateUuid(image))
      : vms[0]
        ? cloneSource(world, vms[0].identity.bios_uuid)
        : undefined;
  }
  if (!source) {
    throw new ConfigurationError(
      `Error: error fetching virtual machine: virtual machine '${wanted ?? uuid ?? ''}' not found\n\n  with ${address}`,
    );
  }
  const common = {
    id: source.uuid,
    uuid: source.uuid,
    name: source.name,
    guest_id: guestIdFromGuestOs(source.guestOs),
  };
  if (source.kind === 'template') {
    return {
      ...common,
      firmware: source.image.firmware.toLowerCase(),
      disks: source.disksGiB.map((size, i) => ({
        label: `disk${i}`,
        size,
        unit_number: i,
        thin_provisioned: true,
        eagerly_scrub: false,
      })),
      network_interface_types: ['vmxnet3'],
      scsi_type: 'pvscsi',
      default_ip_address: null,
      guest_ip_addresses: [],
    };
  }
  const attrs = vmAttributes(world, source.vm, undefined);
  return {
    ...common,
    moid: source.vm.vm,
    firmware: attrs.firmware,
    num_cpus: attrs.num_cpus,
    memory: attrs.memory,
    disks: attrs.disk.map((d, i) => ({ ...d, unit_number: i, thin_provisioned: true, eagerly_scrub: false })),
    network_interface_types: attrs.network_interface.map((n) => n.adapter_type),
    scsi_type: 'pvscsi',
    default_ip_address: attrs.default_ip_address,
    guest_ip_addresses: attrs.guest_ip_addresses,
  };
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
    case 'vsphere_virtual_machine':
      return readVirtualMachine(world, address, body);
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
  'clone',
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

/** A `clone.customize.network_interface` block: one adapter's settings, in order of the NICs. */
interface CustomizeInterface {
  ipv4_address: string | null;
  ipv4_netmask: number | null;
  dns_server_list: string[];
  dns_domain: string | null;
}

/** A `clone.customize` block; the guest's passwords are accepted but not kept. */
interface CustomizeDesired {
  linux_options: { host_name: string; domain: string; time_zone: string | null }[];
  windows_options: {
    computer_name: string;
    workgroup: string | null;
    join_domain: string | null;
    time_zone: number;
  }[];
  windows_sysprep_text: boolean;
  network_interface: CustomizeInterface[];
  ipv4_gateway: string | null;
  dns_server_list: string[];
  dns_suffix_list: string[];
  timeout: number;
}

/** A `clone` block: the template and how to customize the guest. */
interface CloneDesired {
  template_uuid: string;
  linked_clone: boolean;
  timeout: number;
  customize: CustomizeDesired[];
}

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
  /** At most one; empty when the VM is built empty rather than cloned. */
  clone: CloneDesired[];
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

function vmAttributes(
  world: World,
  vm: Vm,
  desired: Pick<VmDesired, 'guest_id' | 'firmware' | 'clone'> | undefined,
) {
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
    clone: desired?.clone ?? [],
  };
}

function unsupported(address: string, arg: string): ConfigurationError {
  return new ConfigurationError(
    `Error: Unsupported argument\n\n  on ${address}: An argument named "${arg}" is not expected here.`,
  );
}

/** The single block of a nested block type with `MaxItems: 1`, checked for unknown arguments. */
function oneBlock(
  address: string,
  name: string,
  value: unknown,
  args: string[],
): Record<string, unknown> | undefined {
  const blocks = list(value);
  if (blocks.length > 1) {
    throw new ConfigurationError(
      `Error: Too many ${name.split('.').pop()} blocks\n\n  on ${address}: No more than 1 "${name}" blocks are allowed`,
    );
  }
  const block = blocks[0];
  for (const arg of Object.keys(block ?? {}))
    if (!args.includes(arg)) throw unsupported(`${address} ${name}`, arg);
  return block;
}

function strings(address: string, arg: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigurationError(
      `Error: Incorrect attribute value type\n\n  on ${address}: ${arg} must be a list of strings`,
    );
  }
  return value as string[];
}

function required(address: string, block: string, arg: string, value: unknown): string {
  const text = str(value);
  if (text === undefined || text === '') {
    throw new ConfigurationError(
      `Error: Missing required argument\n\n  on ${address} ${block}: The argument "${arg}" is required, but no definition was found.`,
    );
  }
  return text;
}

function checkIpv4(address: string, arg: string, value: string): string {
  if (!isIpv4(value)) {
    throw new ConfigurationError(
      `Error: Invalid value\n\n  on ${address}: expected ${arg} to contain a valid IPv4 address, got: ${value}`,
    );
  }
  return value;
}

/** The `clone` block, checked the way the provider's schema does (types, required, conflicts). */
function cloneDesired(address: string, value: unknown): CloneDesired[] {
  const clone = oneBlock(address, 'clone', value, ['template_uuid', 'linked_clone', 'timeout', 'customize']);
  if (!clone) return [];
  const timeout = num(address, 'clone.timeout', clone.timeout, 30);
  if (timeout < 10)
    throw new ConfigurationError(`Error: expected clone.0.timeout to be at least (10), got ${timeout}`);
  const customize = oneBlock(address, 'clone.customize', clone.customize, [
    'linux_options',
    'windows_options',
    'windows_sysprep_text',
    'network_interface',
    'ipv4_gateway',
    'dns_server_list',
    'dns_suffix_list',
    'timeout',
  ]);
  return [
    {
      template_uuid: required(address, 'clone', 'template_uuid', clone.template_uuid),
      linked_clone: clone.linked_clone === true || clone.linked_clone === 'true',
      timeout,
      customize: customize ? [customizeDesired(address, customize)] : [],
    },
  ];
}

function customizeDesired(address: string, c: Record<string, unknown>): CustomizeDesired {
  const linux = oneBlock(address, 'clone.customize.linux_options', c.linux_options, [
    'host_name',
    'domain',
    'hw_clock_utc',
    'time_zone',
    'script_text',
  ]);
  const windows = oneBlock(address, 'clone.customize.windows_options', c.windows_options, [
    'computer_name',
    'admin_password',
    'workgroup',
    'join_domain',
    'domain_admin_user',
    'domain_admin_password',
    'domain_ou',
    'full_name',
    'organization_name',
    'product_key',
    'run_once_command_list',
    'auto_logon',
    'auto_logon_count',
    'time_zone',
  ]);
  const sysprep = str(c.windows_sysprep_text);
  const given = [linux && 'linux_options', windows && 'windows_options', sysprep && 'windows_sysprep_text'];
  const conflicting = given.filter(Boolean);
  if (conflicting.length > 1) {
    throw new ConfigurationError(
      `Error: Conflicting configuration arguments\n\n  on ${address}: "clone.0.customize.0.${conflicting[0]}": conflicts with clone.0.customize.0.${conflicting[1]}`,
    );
  }
  if (windows && windows.workgroup !== undefined && windows.join_domain !== undefined) {
    throw new ConfigurationError(
      `Error: Conflicting configuration arguments\n\n  on ${address}: "clone.0.customize.0.windows_options.0.workgroup": conflicts with clone.0.customize.0.windows_options.0.join_domain`,
    );
  }
  const gateway = str(c.ipv4_gateway) || null;
  return {
    linux_options: linux
      ? [
          {
            host_name: required(address, 'linux_options', 'host_name', linux.host_name),
            domain: required(address, 'linux_options', 'domain', linux.domain),
            time_zone: str(linux.time_zone) ?? null,
          },
        ]
      : [],
    windows_options: windows
      ? [
          {
            computer_name: required(address, 'windows_options', 'computer_name', windows.computer_name),
            workgroup: str(windows.workgroup) ?? null,
            join_domain: str(windows.join_domain) ?? null,
            time_zone: num(address, 'windows_options.time_zone', windows.time_zone, 85),
          },
        ]
      : [],
    windows_sysprep_text: Boolean(sysprep),
    network_interface: list(c.network_interface).map((n, i) => {
      const at = `clone.customize.network_interface[${i}]`;
      for (const arg of Object.keys(n)) {
        if (
          ![
            'ipv4_address',
            'ipv4_netmask',
            'ipv6_address',
            'ipv6_netmask',
            'dns_server_list',
            'dns_domain',
          ].includes(arg)
        )
          throw unsupported(`${address} ${at}`, arg);
      }
      const ip = str(n.ipv4_address) || null;
      const netmask =
        n.ipv4_netmask === undefined || n.ipv4_netmask === null
          ? null
          : num(address, `${at}.ipv4_netmask`, n.ipv4_netmask);
      if (ip) checkIpv4(address, `${at}.ipv4_address`, ip);
      if (ip && (netmask === null || !Number.isInteger(netmask) || netmask < 1 || netmask > 32)) {
        throw new ConfigurationError(
          `Error: ${address}: ${at}.ipv4_netmask must be a prefix length of 1 to 32 with a static ipv4_address`,
        );
      }
      return {
        ipv4_address: ip,
        ipv4_netmask: netmask,
        dns_server_list: strings(address, `${at}.dns_server_list`, n.dns_server_list).map((d) =>
          checkIpv4(address, `${at}.dns_server_list`, d),
        ),
        dns_domain: str(n.dns_domain) || null,
      };
    }),
    ipv4_gateway: gateway ? checkIpv4(address, 'clone.customize.ipv4_gateway', gateway) : null,
    dns_server_list: strings(address, 'clone.customize.dns_server_list', c.dns_server_list).map((d) =>
      checkIpv4(address, 'clone.customize.dns_server_list', d),
    ),
    dns_suffix_list: strings(address, 'clone.customize.dns_suffix_list', c.dns_suffix_list),
    timeout: num(address, 'clone.customize.timeout', c.timeout, 10),
  };
}

/**
 * The checks the provider makes against vCenter before a clone is planned
 * (`ValidateVirtualMachineClone`): the source exists and is off, the guest id matches it, disks
 * do not shrink below the source's, and the customization suits the guest's family.
 */
function validateClone(world: World, address: string, desired: VmDesired): void {
  const clone = desired.clone[0];
  if (!clone) return;
  const source = cloneSource(world, clone.template_uuid);
  if (!source) {
    throw new ConfigurationError(
      `Error: cannot locate virtual machine or template with UUID "${clone.template_uuid}": virtual machine with UUID "${clone.template_uuid}" not found\n\n  with ${address}`,
    );
  }
  if (source.kind === 'vm' && source.vm.power_state !== 'POWERED_OFF') {
    throw new ConfigurationError(
      `Error: virtual machine ${clone.template_uuid} must be powered off to be used as a source for cloning\n\n  with ${address}`,
    );
  }
  if (guestOsFromGuestId(desired.guest_id) !== source.guestOs) {
    throw new ConfigurationError(
      `Error: invalid guest ID "${desired.guest_id}" for clone. Please set it to "${guestIdFromGuestOs(source.guestOs)}"\n\n  with ${address}`,
    );
  }
  const sourceDisks =
    source.kind === 'template'
      ? source.disksGiB
      : Object.keys(source.vm.disks)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => Math.round(source.vm.disks[k]!.capacity / GiB));
  sourceDisks.forEach((size, i) => {
    const wanted = desired.disk[i];
    if (!wanted) {
      throw new ConfigurationError(
        `Error: disk${i}: the source of the clone has ${sourceDisks.length} disk(s); configure a disk block for each\n\n  with ${address}`,
      );
    }
    if (wanted.size < size) {
      throw new ConfigurationError(
        `Error: ${wanted.label}: virtual disk size (${wanted.size} GB) cannot be smaller than the source's disk (${size} GB)\n\n  with ${address}`,
      );
    }
  });
  const customize = clone.customize[0];
  if (!customize) return;
  const family = source.image?.family ?? (source.guestOs.startsWith('WINDOWS') ? 'WINDOWS' : 'LINUX');
  if (family === 'LINUX' && customize.linux_options.length === 0)
    throw new ConfigurationError(
      `Error: linux_options must exist in VM customization options for Linux operating systems\n\n  with ${address}`,
    );
  if (family === 'WINDOWS' && customize.windows_options.length === 0 && !customize.windows_sysprep_text)
    throw new ConfigurationError(
      `Error: one of windows_options or windows_sysprep_text must exist in VM customization options for Windows operating systems\n\n  with ${address}`,
    );
}

/** Whether the gateway is on the address's subnet; the provider drops a gateway that is not. */
function onSubnet(ip: string, prefix: number, gateway: string): boolean {
  const value = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  return Math.floor(value(ip) / size) === Math.floor(value(gateway) / size);
}

/**
 * The guest customization a clone applies, as vCenter receives it from the provider: the first
 * adapter's fixed address, the gateway when it is on that subnet, global DNS (Windows takes the
 * adapter's own list when it has one), suffixes, and the Linux host name or Windows computer name.
 */
function customizationOf(desired: VmDesired): GuestCustomizationSpec | undefined {
  const customize = desired.clone[0]?.customize[0];
  if (!customize) return undefined;
  const settings = customize.network_interface;
  if (settings.length > 0 && settings.length !== desired.network_interface.length) {
    throw new Error(
      `Customization of the guest operating system is not supported due to the given reason: The number of network adapter settings in the customization specification: ${settings.length} does not match the number of network adapters present in the virtual machine: ${desired.network_interface.length}.`,
    );
  }
  const first = settings[0];
  if (!first?.ipv4_address || first.ipv4_netmask === null) return undefined;
  const windows = customize.windows_options[0];
  const linux = customize.linux_options[0];
  const gateway = customize.ipv4_gateway;
  return {
    ip_address: first.ipv4_address,
    prefix_length: first.ipv4_netmask,
    gateway: gateway && onSubnet(first.ipv4_address, first.ipv4_netmask, gateway) ? gateway : null,
    dns_servers:
      windows && first.dns_server_list.length > 0 ? first.dns_server_list : customize.dns_server_list,
    dns_suffixes: [
      ...customize.dns_suffix_list,
      ...(first.dns_domain && !customize.dns_suffix_list.includes(first.dns_domain)
        ? [first.dns_domain]
        : []),
    ],
    host_name: linux?.host_name ?? windows?.computer_name ?? null,
    domain: linux?.domain ?? windows?.join_domain ?? null,
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

  validate(address, body, world) {
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
      clone: cloneDesired(address, body.clone),
    };
    validateClone(world, address, desired);
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
      networks !== currentNetworks ||
      // Every argument of the clone block forces a new VM, as in the provider's schema.
      JSON.stringify(desired.clone ?? []) !== JSON.stringify(current.clone ?? []);
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
      const clone = desired.clone[0];
      const source = clone ? cloneSource(world, clone.template_uuid) : undefined;
      if (clone && !source)
        throw new Error(`cannot locate virtual machine or template with UUID "${clone.template_uuid}"`);
      const guestOs = source?.guestOs ?? guestOsFromGuestId(desired.guest_id);
      const image = source
        ? source.image
        : Object.values(world.state.lab.images).find((i) => i.guest_OS === guestOs);
      const customization = customizationOf(desired);
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
        ...(customization ? { customization } : {}),
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
