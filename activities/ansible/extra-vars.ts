/**
 * The AWX `extra_vars` of the VM job templates, from the common format: the variables the
 * playbooks (and the lab simulator's `vm_create.yml`, `vm_delete.yml`, `vm_update.yml`,
 * `vm_power.yml`) read, named as Ansible's
 * vmware modules name them. Pure.
 */
import type { PowerAction } from '../../common/resource';
import type { VirtualMachineDocument } from '../../resource-handlers/virtual_machine';

/** Variables of the create job template: everything the playbook needs to build the VM. */
export function createVmExtraVars(vm: VirtualMachineDocument): Record<string, unknown> {
  return {
    vm_name: vm.name,
    hostname: vm.hostname,
    fqdn: vm.fqdn,
    image: vm.os.templateName,
    guest_id: vm.os.guestId,
    os_type: vm.os.type,
    os_family: vm.os.family,
    firmware: vm.os.firmware,
    cpu: vm.cpu,
    memory_mb: vm.memoryMb,
    disks: vm.disks.map((d) => ({ size_gb: d.sizeGb, label: d.label, unit_number: d.unitNumber })),
    datacenter: vm.placement.datacenter,
    cluster: vm.placement.cluster,
    datastore: vm.placement.datastore,
    folder: vm.placement.folder,
    network: vm.network.name,
    vlan: vm.network.vlan,
    ip_address: vm.network.ipv4Address,
    ip_prefix_length: vm.network.prefixLength,
    netmask: vm.network.netmask,
    gateway: vm.network.gateway,
    dns_servers: vm.network.dnsServers,
    dns_domain: vm.network.dnsDomain,
    power_on: true,
    tags: vm.tags,
    lease_end: vm.leaseEnd,
  };
}

/**
 * Variables of the configuration job template (baseline, monitoring): the facts of the built VM
 * it configures and registers: name, address, OS image, size.
 */
export function configureVmExtraVars(vm: VirtualMachineDocument): Record<string, unknown> {
  return {
    vm_name: vm.name,
    hostname: vm.hostname,
    fqdn: vm.fqdn,
    ip_address: vm.network.ipv4Address,
    network: vm.network.name,
    os_image: vm.os.image,
    os_type: vm.os.type,
    os_family: vm.os.family,
    cpu: vm.cpu,
    memory_mb: vm.memoryMb,
    disks_gb: vm.disks.map((d) => d.sizeGb),
    managed: vm.managed,
    tags: vm.tags,
    contacts: vm.contacts,
  };
}

/** Variables of the delete job template: which VM, and where, so a namesake elsewhere is safe. */
export function deleteVmExtraVars(vm: VirtualMachineDocument): Record<string, unknown> {
  return { vm_name: vm.name, datacenter: vm.placement.datacenter, folder: vm.placement.folder };
}

/** Variables of the update job template: which VM, and its size after a day-2 change (disks beyond those it has are added). */
export function updateVmExtraVars(vm: VirtualMachineDocument): Record<string, unknown> {
  return {
    ...deleteVmExtraVars(vm),
    cpu: vm.cpu,
    memory_mb: vm.memoryMb,
    disks: vm.disks.map((d) => ({ size_gb: d.sizeGb, label: d.label, unit_number: d.unitNumber })),
  };
}

/** Variables of the power job template: which VM, and the `state` of Ansible's vmware_guest_powerstate. */
export function powerVmExtraVars(vm: VirtualMachineDocument, power: PowerAction): Record<string, unknown> {
  const state = { on: 'powered-on', off: 'powered-off', restart: 'restarted' } as const;
  return { ...deleteVmExtraVars(vm), state: state[power] };
}
