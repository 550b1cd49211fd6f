/**
 * What the seeded job templates' playbooks do to the lab when their job runs. `vm_create.yml`
 * behaves like Ansible's vmware_guest with `state: present` (creates the VM, or reports ok when
 * it already exists with the asked size, or reconfigures it; a new VM given `ip_address` gets it
 * through guest customization with the netmask, gateway, DNS and hostname the vars carry, which,
 * as with vmware_guest, applies at deployment only); `vm_delete.yml` like
 * `state: absent` (powers off and deletes, ok when already gone); the day-2 `vm_update.yml` and
 * `vm_power.yml` like vmware_guest's hardware with vmware_guest_disk, and
 * vmware_guest_powerstate; `vm_configure.yml` applies the baseline configuration to a built VM
 * and registers it in monitoring (the VM must exist and be running, as Ansible must reach it; the
 * job's artifacts say what it registered). Failures become a failed job whose stdout says why, as
 * a real playbook's `fatal:` line would.
 */
import {
  WorldError,
  isIpv4,
  type AwxJobTemplate,
  type GuestCustomizationSpec,
  type NetworkFacts,
  type Vm,
  type World,
} from '../world';

const GiB = 1024 ** 3;

/** Outcome of a simulated playbook run. */
export interface PlaybookResult {
  ok: boolean;
  changed: boolean;
  /** The task's own output lines (`changed: [localhost]`, `fatal: ...`). */
  lines: string[];
  task: string;
  artifacts: Record<string, unknown>;
}

/** A playbook failure with Ansible's `msg`. */
class PlaybookFailure extends Error {}

function str(vars: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = vars[n];
    if (v !== undefined && v !== null && v !== '') return String(v);
  }
  return undefined;
}

function num(vars: Record<string, unknown>, ...names: string[]): number | undefined {
  const raw = str(vars, ...names);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new PlaybookFailure(`${names[0]} must be a number, got '${raw}'`);
  return n;
}

/** Disk sizes in bytes from `disks` ([{size_gb}] or [GiB numbers]) or `disk_gb`. */
function diskSizes(vars: Record<string, unknown>, imageGiB: number): number[] {
  const disks = vars.disks ?? vars.disk;
  if (Array.isArray(disks) && disks.length > 0) {
    return disks.map((d, i) => {
      const gib =
        typeof d === 'number'
          ? d
          : Number((d as Record<string, unknown>)?.size_gb ?? (d as Record<string, unknown>)?.size_gib);
      if (!Number.isFinite(gib) || gib <= 0)
        throw new PlaybookFailure(`disks[${i}].size_gb must be a positive number`);
      return gib * GiB;
    });
  }
  const single = num(vars, 'disk_gb', 'disk_size_gb');
  return [(single ?? imageGiB) * GiB];
}

function list(vars: Record<string, unknown>, ...names: string[]): string[] | undefined {
  for (const n of names) {
    const v = vars[n];
    if (Array.isArray(v)) return v.map(String);
    if (typeof v === 'string' && v.trim() !== '')
      return v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
  }
  return undefined;
}

/** The prefix length of a dotted netmask, or undefined when the mask is not contiguous. */
function prefixOf(netmask: string): number | undefined {
  if (!isIpv4(netmask)) return undefined;
  const bits = netmask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  const ones = bits.indexOf('0');
  return ones < 0 ? 32 : ones;
}

/**
 * The static addressing the playbook hands to vmware_guest's `networks` and `customization`
 * (ip, netmask, gateway, dns_servers, domain, hostname), from the job's variables. No
 * `ip_address` means no customization: the guest takes a lease, as before.
 */
function customizationOf(
  vars: Record<string, unknown>,
  facts: NetworkFacts | undefined,
  network: string | undefined,
): GuestCustomizationSpec | undefined {
  const ip = str(vars, 'ip_address', 'ipv4_address', 'ip');
  if (ip === undefined) return undefined;
  if (!network) throw new PlaybookFailure(`ip_address '${ip}' needs a network to put the adapter on`);
  if (!isIpv4(ip)) throw new PlaybookFailure(`'${ip}' is not a valid IPv4 address (ip_address)`);
  const netmask = str(vars, 'netmask', 'ipv4_netmask', 'subnet_mask');
  const fromMask = netmask === undefined ? undefined : prefixOf(netmask);
  if (netmask !== undefined && fromMask === undefined)
    throw new PlaybookFailure(`'${netmask}' is not a valid netmask`);
  const prefix = num(vars, 'ip_prefix_length', 'prefix_length', 'ipv4_prefix_length');
  if (prefix !== undefined && fromMask !== undefined && prefix !== fromMask)
    throw new PlaybookFailure(`netmask ${netmask} and ip_prefix_length ${prefix} disagree`);
  const prefixLength = prefix ?? fromMask ?? (facts ? Number(facts.cidr.split('/')[1]) : undefined);
  if (prefixLength === undefined)
    throw new PlaybookFailure("'netmask' is required if 'ip' is specified under VM network list.");
  const gateway = str(vars, 'gateway', 'gateway4', 'ipv4_gateway');
  if (gateway !== undefined && !isIpv4(gateway))
    throw new PlaybookFailure(`'${gateway}' is not a valid IPv4 address (gateway)`);
  const dnsServers = list(vars, 'dns_servers', 'dns_server_list');
  const bad = dnsServers?.find((d) => !isIpv4(d));
  if (bad !== undefined) throw new PlaybookFailure(`'${bad}' is not a valid IPv4 address (dns_servers)`);
  const domain = str(vars, 'dns_domain', 'domain');
  const suffixes = list(vars, 'dns_suffix', 'dns_suffixes', 'dns_suffix_list') ?? (domain ? [domain] : []);
  return {
    ip_address: ip,
    prefix_length: prefixLength,
    gateway: gateway ?? null,
    dns_servers: dnsServers ?? [],
    dns_suffixes: suffixes,
    host_name: str(vars, 'hostname', 'host_name') ?? null,
    domain: domain ?? null,
  };
}

function vmCreate(world: World, vars: Record<string, unknown>, who: string): PlaybookResult {
  const inventory = world.vcenter;
  const name = str(vars, 'vm_name', 'name');
  if (!name) throw new PlaybookFailure('missing required arguments: vm_name');
  const imageName = str(vars, 'image', 'os_image', 'template') ?? 'rhel9';
  const image = world.state.lab.images[imageName];
  if (!image)
    throw new PlaybookFailure(
      `Unable to find template '${imageName}' (known: ${Object.keys(world.state.lab.images).join(', ')})`,
    );
  const folderRef = str(vars, 'folder', 'vm_folder') ?? 'Orchestrated';
  const folder = inventory.find('folders', folderRef, true);
  if (!folder || folder.type !== 'VIRTUAL_MACHINE')
    throw new PlaybookFailure(`No VM folder found named '${folderRef}'`);
  const cpu = num(vars, 'cpu', 'num_cpus', 'vm_cpu') ?? 1;
  const memoryMiB =
    num(vars, 'memory_mb', 'memory_mib') ?? (num(vars, 'memory_gb', 'memory_gib') ?? 2) * 1024;

  const existing = inventory.listVms({ names: [name], folders: [folder.folder] })[0];
  if (existing) {
    if (existing.cpu.count === cpu && existing.memory.size_MiB === memoryMiB) {
      return {
        ok: true,
        changed: false,
        task: 'Ensure virtual machine is present',
        lines: [`ok: [localhost]`],
        artifacts: vmArtifacts(world, existing),
      };
    }
    const updated = inventory.updateVm(existing.vm, {
      cpu: { count: cpu },
      memory: { size_MiB: memoryMiB },
      power_cycle: true,
    });
    return {
      ok: true,
      changed: true,
      task: 'Ensure virtual machine is present',
      lines: ['changed: [localhost]'],
      artifacts: vmArtifacts(world, updated),
    };
  }

  const clusterRef =
    str(vars, 'cluster', 'vm_cluster') ?? Object.values(world.state.vcenter.clusters)[0]!.name;
  const cluster = inventory.find('clusters', clusterRef, true);
  if (!cluster) throw new PlaybookFailure(`Unable to find cluster '${clusterRef}'`);
  const sizes = diskSizes(vars, image.disk_GiB);
  const datastoreRef = str(vars, 'datastore', 'vm_datastore');
  const datastore = datastoreRef
    ? inventory.find('datastores', datastoreRef, true)
    : Object.values(world.state.vcenter.datastores)
        .filter((d) => d.type !== 'NFS')
        .sort((a, b) => b.free_space - a.free_space)[0];
  if (!datastore) throw new PlaybookFailure(`Unable to find datastore '${datastoreRef ?? ''}'`);
  const networkRef = str(vars, 'network', 'network_name', 'portgroup');
  const network = networkRef ? inventory.find('networks', networkRef, true) : undefined;
  if (networkRef && !network) throw new PlaybookFailure(`Network '${networkRef}' does not exist.`);
  const customization = customizationOf(
    vars,
    network ? world.state.lab.networks[network.name] : undefined,
    network?.network,
  );

  const vm = inventory.createVm({
    name,
    guest_OS: image.guest_OS,
    placement: { folder: folder.folder, cluster: cluster.cluster, datastore: datastore.datastore },
    cpu: { count: cpu, cores_per_socket: 1 },
    memory: { size_MiB: memoryMiB },
    disks: sizes.map((capacity) => ({ capacity })),
    nics: network ? [{ network: network.network }] : [],
    boot: { type: image.firmware },
    image: image.name,
    created_by: who,
    ...(customization ? { customization } : {}),
  });
  const powerOn =
    vars.power_on === undefined ? true : ![false, 'false', 'no', 0, '0'].includes(vars.power_on as never);
  const final = powerOn ? inventory.powerVm(vm.vm, 'start') : vm;
  return {
    ok: true,
    changed: true,
    task: 'Ensure virtual machine is present',
    lines: ['changed: [localhost]'],
    artifacts: vmArtifacts(world, final),
  };
}

function vmArtifacts(world: World, vm: Vm): Record<string, unknown> {
  const nic = Object.values(vm.nics)[0];
  return {
    vm_id: vm.vm,
    vm_name: vm.name,
    instance_uuid: vm.identity.instance_uuid,
    power_state: vm.power_state,
    ip_address: vm.guest_ip,
    network: nic?.backing.network_name ?? null,
    folder: world.state.vcenter.folders[vm.placement.folder]?.name ?? null,
  };
}

function vmDelete(world: World, vars: Record<string, unknown>): PlaybookResult {
  const inventory = world.vcenter;
  const vm = findVm(world, vars);
  if (!vm)
    return {
      ok: true,
      changed: false,
      task: 'Ensure virtual machine is absent',
      lines: ['ok: [localhost]'],
      artifacts: { deleted: false },
    };
  if (vm.power_state !== 'POWERED_OFF') inventory.powerVm(vm.vm, 'stop');
  inventory.deleteVm(vm.vm);
  return {
    ok: true,
    changed: true,
    task: 'Ensure virtual machine is absent',
    lines: ['changed: [localhost]'],
    artifacts: { vm_id: vm.vm, vm_name: vm.name, deleted: true },
  };
}

/**
 * The baseline role and the monitoring registration, run against the VM at `ip_address`: a VM
 * vCenter does not have, or one not running, cannot be reached, and Ansible says so.
 */
function vmConfigure(world: World, vars: Record<string, unknown>): PlaybookResult {
  const name = str(vars, 'vm_name', 'name');
  const address = str(vars, 'ip_address', 'ansible_host');
  if (!name || !address) throw new PlaybookFailure('missing required arguments: vm_name, ip_address');
  if (!isIpv4(address)) throw new PlaybookFailure(`'${address}' is not a valid IPv4 address (ip_address)`);
  const vm = world.vcenter.listVms({ names: [name] })[0];
  if (!vm || vm.power_state !== 'POWERED_ON')
    throw new PlaybookFailure(
      `Failed to connect to the host via ssh: ssh: connect to host ${address} port 22: ${vm ? 'Connection refused' : 'No route to host'}`,
    );
  return {
    ok: true,
    changed: true,
    task: 'Apply the baseline and register in monitoring',
    lines: [`changed: [${name}]`],
    artifacts: {
      vm_id: vm.vm,
      vm_name: vm.name,
      ip_address: address,
      os_image: str(vars, 'os_image', 'image') ?? vm.image ?? null,
      baseline: 'applied',
      monitoring: { registered: true, host: str(vars, 'fqdn') ?? name, address },
    },
  };
}

/** The one VM a playbook acts on, by `vm_id` or by `vm_name` (and `folder`), as vmware_guest finds it. */
function findVm(world: World, vars: Record<string, unknown>): Vm | undefined {
  const inventory = world.vcenter;
  const id = str(vars, 'vm_id');
  const name = str(vars, 'vm_name', 'name');
  if (!id && !name) throw new PlaybookFailure('one of the following is required: vm_name, vm_id');
  const folderRef = str(vars, 'folder', 'vm_folder');
  const folder = folderRef ? inventory.find('folders', folderRef, true) : undefined;
  if (folderRef && !folder) throw new PlaybookFailure(`No VM folder found named '${folderRef}'`);
  const matches = id
    ? inventory.listVms({ vms: [id] })
    : inventory.listVms({ names: [name!], folders: folder ? [folder.folder] : undefined });
  if (matches.length > 1)
    throw new PlaybookFailure(`Multiple virtual machines named '${name}' found; give folder or vm_id`);
  return matches[0];
}

/** The VM a day-2 playbook changes: it must be there. */
function targetVm(world: World, vars: Record<string, unknown>): Vm {
  const vm = findVm(world, vars);
  if (!vm)
    throw new PlaybookFailure(
      `Unable to find the virtual machine '${str(vars, 'vm_id', 'vm_name', 'name')}'`,
    );
  return vm;
}

/**
 * `vm_update.yml`: vmware_guest's hardware (CPU, memory; a running VM is power-cycled for what
 * cannot be hot-added) and vmware_guest_disk's new disks: the `disks` beyond those the VM has are
 * added; a disk of another size than it has fails, as the module refuses to shrink one.
 */
function vmUpdate(world: World, vars: Record<string, unknown>): PlaybookResult {
  const vm = targetVm(world, vars);
  const task = 'Ensure virtual machine hardware';
  const cpu = num(vars, 'cpu', 'num_cpus') ?? vm.cpu.count;
  const memoryMiB = num(vars, 'memory_mb', 'memory_mib') ?? vm.memory.size_MiB;
  const have = Object.keys(vm.disks)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => vm.disks[k]!.capacity);
  const wanted = vars.disks === undefined ? have : diskSizes(vars, 0);
  wanted.slice(0, have.length).forEach((capacity, i) => {
    if (capacity !== have[i])
      throw new PlaybookFailure(
        `Given disk size ${capacity / GiB} GB of disk ${i} differs from the ${have[i]! / GiB} GB found; resizing a disk is not supported.`,
      );
  });
  const add = wanted.slice(have.length).map((capacity) => ({ capacity }));
  if (cpu === vm.cpu.count && memoryMiB === vm.memory.size_MiB && add.length === 0)
    return { ok: true, changed: false, task, lines: ['ok: [localhost]'], artifacts: vmArtifacts(world, vm) };
  const updated = world.vcenter.updateVm(vm.vm, {
    cpu: { count: cpu },
    memory: { size_MiB: memoryMiB },
    add_disks: add,
    power_cycle: true,
  });
  return {
    ok: true,
    changed: true,
    task,
    lines: ['changed: [localhost]'],
    artifacts: { ...vmArtifacts(world, updated), cpu, memory_mb: memoryMiB, disks: have.length + add.length },
  };
}

/**
 * `vm_power.yml`: vmware_guest_powerstate with `state` powered-on, powered-off or restarted; a VM
 * already in the state is ok (unchanged); restarting one that is not on fails, as the module does.
 */
function vmPower(world: World, vars: Record<string, unknown>): PlaybookResult {
  const vm = targetVm(world, vars);
  const task = 'Set the power state of the virtual machine';
  const state = str(vars, 'state') ?? 'powered-on';
  const action = { 'powered-on': 'start', 'powered-off': 'stop', restarted: 'reset' } as const;
  if (!(state in action))
    throw new PlaybookFailure(
      `value of state must be one of: ${Object.keys(action).join(', ')}, got: ${state}`,
    );
  const already =
    (state === 'powered-on' && vm.power_state === 'POWERED_ON') ||
    (state === 'powered-off' && vm.power_state === 'POWERED_OFF');
  if (already)
    return { ok: true, changed: false, task, lines: ['ok: [localhost]'], artifacts: vmArtifacts(world, vm) };
  if (state === 'restarted' && vm.power_state !== 'POWERED_ON')
    throw new PlaybookFailure(`Cannot restart virtual machine in the current state ${vm.power_state}`);
  const after = world.vcenter.powerVm(vm.vm, action[state as keyof typeof action]);
  return {
    ok: true,
    changed: true,
    task,
    lines: ['changed: [localhost]'],
    artifacts: vmArtifacts(world, after),
  };
}

/** The task line each playbook action prints. */
const playbookTasks: Record<AwxJobTemplate['action'], string> = {
  'vm-create': 'Ensure virtual machine is present',
  'vm-delete': 'Ensure virtual machine is absent',
  'vm-update': 'Ensure virtual machine hardware',
  'vm-power': 'Set the power state of the virtual machine',
  'vm-configure': 'Apply the baseline and register in monitoring',
  noop: 'Ping',
};

/** Runs the template's simulated playbook against the world with the job's extra vars. */
export function runPlaybook(
  world: World,
  template: AwxJobTemplate,
  vars: Record<string, unknown>,
  who: string,
): PlaybookResult {
  const task = playbookTasks[template.action];
  try {
    if (template.action === 'vm-create') return vmCreate(world, vars, who);
    if (template.action === 'vm-delete') return vmDelete(world, vars);
    if (template.action === 'vm-update') return vmUpdate(world, vars);
    if (template.action === 'vm-power') return vmPower(world, vars);
    if (template.action === 'vm-configure') return vmConfigure(world, vars);
    return { ok: true, changed: false, task, lines: ['ok: [localhost]'], artifacts: {} };
  } catch (err) {
    if (err instanceof PlaybookFailure || err instanceof WorldError) {
      return {
        ok: false,
        changed: false,
        task,
        lines: [`fatal: [localhost]: FAILED! => ${JSON.stringify({ changed: false, msg: err.message })}`],
        artifacts: {},
      };
    }
    throw err;
  }
}
