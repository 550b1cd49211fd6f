/**
 * A VM's Terraform root module in JSON syntax (`main.tf.json`) and its variable values, from the
 * common format. What may change over the VM's life (CPU, memory, disk sizes) and what names it
 * are variables; the shape (how many disks) is the configuration. Inventory objects are looked
 * up by name with the vsphere provider's data sources. Pure.
 * https://developer.hashicorp.com/terraform/language/syntax/json
 * https://registry.terraform.io/providers/hashicorp/vsphere/latest/docs/resources/virtual_machine
 */
import type { VirtualMachineDocument } from '../../resource-handlers/virtual_machine';
import type { TerraformConfig } from './config';

/** A variable as `tfe:set-variables` and the `tfe-plan-apply` template take it (never sensitive). */
export interface WorkspaceVariable {
  key: string;
  value: string;
  category: 'terraform';
  hcl: boolean;
  description: string;
}

export interface RenderedConfiguration {
  workspaceName: string;
  /** Values of the module's variables, for `tfe:set-variables`. */
  variables: WorkspaceVariable[];
  /** The module (`main.tf.json`) and the same values as `terraform.tfvars.json`, for upload. */
  files: Record<string, string>;
}

type TfType = 'string' | 'number' | 'list(number)' | 'list(string)';

/** The module's variables: type, description, and the value from the document. */
function variablesOf(
  vm: VirtualMachineDocument,
): Record<string, { type: TfType; description: string; value: unknown }> {
  return {
    vm_name: { type: 'string', description: 'VM name in vCenter', value: vm.name },
    hostname: { type: 'string', description: 'Guest hostname', value: vm.hostname },
    datacenter: { type: 'string', description: 'vCenter datacenter', value: vm.placement.datacenter },
    cluster: {
      type: 'string',
      description: 'Compute cluster (from the placement matrix)',
      value: vm.placement.cluster,
    },
    datastore: {
      type: 'string',
      description: 'Datastore (from the placement matrix)',
      value: vm.placement.datastore,
    },
    folder: {
      type: 'string',
      description: "VM folder under the datacenter's VM root",
      value: vm.placement.folder,
    },
    network: { type: 'string', description: 'Portgroup of the NIC', value: vm.network.name },
    template_name: {
      type: 'string',
      description: 'vCenter template of the OS image',
      value: vm.os.templateName,
    },
    guest_id: { type: 'string', description: 'vSphere guest id', value: vm.os.guestId },
    firmware: { type: 'string', description: 'bios or efi', value: vm.os.firmware },
    num_cpus: { type: 'number', description: 'CPUs', value: vm.cpu },
    memory_mb: { type: 'number', description: 'Memory in MiB', value: vm.memoryMb },
    disk_sizes_gb: {
      type: 'list(number)',
      description: 'Disk sizes in GB, in order',
      value: vm.disks.map((d) => d.sizeGb),
    },
    ipv4_address: {
      type: 'string',
      description: 'Address allocated by the IPAM',
      value: vm.network.ipv4Address,
    },
    ipv4_prefix_length: {
      type: 'number',
      description: 'Prefix length of the network',
      value: vm.network.prefixLength,
    },
    ipv4_gateway: { type: 'string', description: 'Default gateway', value: vm.network.gateway },
    dns_servers: { type: 'list(string)', description: 'DNS servers', value: vm.network.dnsServers },
    dns_domain: { type: 'string', description: 'DNS domain', value: vm.network.dnsDomain },
  };
}

function customization(vm: VirtualMachineDocument): Record<string, unknown> {
  const os =
    vm.os.type === 'windows'
      ? { windows_options: { computer_name: '${var.hostname}' } }
      : { linux_options: { host_name: '${var.hostname}', domain: '${var.dns_domain}' } };
  return {
    ...os,
    network_interface: [{ ipv4_address: '${var.ipv4_address}', ipv4_netmask: '${var.ipv4_prefix_length}' }],
    ipv4_gateway: '${var.ipv4_gateway}',
    dns_server_list: '${var.dns_servers}',
    dns_suffix_list: ['${var.dns_domain}'],
  };
}

/** Renders a VM's workspace: its name, variables and files. */
export function renderVmConfiguration(
  vm: VirtualMachineDocument,
  config: TerraformConfig,
): RenderedConfiguration {
  const variables = variablesOf(vm);
  const dc = '${data.vsphere_datacenter.dc.id}';
  const data: Record<string, Record<string, Record<string, unknown>>> = {
    vsphere_datacenter: { dc: { name: '${var.datacenter}' } },
    vsphere_compute_cluster: { cluster: { name: '${var.cluster}', datacenter_id: dc } },
    vsphere_datastore: { datastore: { name: '${var.datastore}', datacenter_id: dc } },
    vsphere_network: { network: { name: '${var.network}', datacenter_id: dc } },
  };
  const tags = Object.entries(vm.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const machine: Record<string, unknown> = {
    name: '${var.vm_name}',
    resource_pool_id: '${data.vsphere_compute_cluster.cluster.resource_pool_id}',
    datastore_id: '${data.vsphere_datastore.datastore.id}',
    folder: '${var.folder}',
    num_cpus: '${var.num_cpus}',
    memory: '${var.memory_mb}',
    guest_id: '${var.guest_id}',
    firmware: '${var.firmware}',
    network_interface: [{ network_id: '${data.vsphere_network.network.id}', adapter_type: 'vmxnet3' }],
    disk: vm.disks.map((d, i) => ({
      label: d.label,
      size: `\${var.disk_sizes_gb[${i}]}`,
      ...(d.unitNumber > 0 ? { unit_number: d.unitNumber } : {}),
    })),
    annotation: `Built by the orchestrator. ${vm.fqdn} ${vm.network.ipv4Address}/${vm.network.prefixLength}${tags ? `. Tags: ${tags}` : ''}`,
  };
  if (config.cloneFromTemplate) {
    data.vsphere_virtual_machine = { template: { name: '${var.template_name}', datacenter_id: dc } };
    machine.clone = [
      { template_uuid: '${data.vsphere_virtual_machine.template.id}', customize: [customization(vm)] },
    ];
  }
  const module = {
    '//': `virtual_machine ${vm.name}, rendered from its common format v${vm.formatVersion}`,
    terraform: {
      required_providers: {
        vsphere: { source: 'hashicorp/vsphere', version: config.vsphereProviderVersion },
      },
    },
    variable: Object.fromEntries(
      Object.entries(variables).map(([name, v]) => [name, { type: v.type, description: v.description }]),
    ),
    data,
    resource: { vsphere_virtual_machine: { vm: machine } },
    output: {
      vm_id: { value: '${vsphere_virtual_machine.vm.moid}', description: 'vCenter managed object id' },
      vm_uuid: { value: '${vsphere_virtual_machine.vm.uuid}' },
      ip_address: { value: '${vsphere_virtual_machine.vm.default_ip_address}' },
    },
  };
  const values = Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.value]));
  return {
    workspaceName: `${config.workspacePrefix}${vm.name}`,
    variables: Object.entries(variables).map(([key, v]) => ({
      key,
      value: typeof v.value === 'string' ? v.value : JSON.stringify(v.value),
      category: 'terraform',
      // Numbers pass as strings Terraform converts; lists must be parsed as HCL.
      hcl: Array.isArray(v.value),
      description: v.description,
    })),
    files: {
      'main.tf.json': `${JSON.stringify(module, null, 2)}\n`,
      'terraform.tfvars.json': `${JSON.stringify(values, null, 2)}\n`,
    },
  };
}
