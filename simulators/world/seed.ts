/**
 * The lab a fresh world starts with: one datacenter, a production and a development cluster,
 * datastores, the portgroups the requests name (INTRANET_DEV, INTRANET_PROD, DMZ) with their
 * addressing facts, VM folders, OS images, and AWX's organization, inventory, project and job
 * templates. Ids follow vCenter's managed-object style and AWX's integer ids.
 */
import type { AwxJobTemplate, AwxState, NetworkFacts, OsImage, VcenterState, WorldState } from './types';

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** Names of the seeded AWX job templates, shared with tests and the templates that run them. */
export const seededJobTemplates = {
  /** Creates (or confirms) a VM in vCenter from extra_vars; prompts for variables. */
  vmCreate: 'vm-create',
  /** Powers off and deletes a VM named in extra_vars; prompts for variables. */
  vmDelete: 'vm-delete',
  /** Changes the CPU and memory of a VM named in extra_vars and adds the disks it lacks (day 2); prompts for variables. */
  vmUpdate: 'vm-update',
  /** Powers a VM named in extra_vars on or off, or restarts it (day 2); prompts for variables. */
  vmPower: 'vm-power',
  /** Does nothing to the lab and does NOT prompt for variables (the ignored_fields trap). */
  labPing: 'lab-ping',
  /** Baseline configuration of a built VM and its registration in monitoring; prompts for variables. */
  vmConfigure: 'vm-configure',
} as const;

function vcenterSeed(): VcenterState {
  const dc = 'datacenter-2';
  return {
    datacenters: {
      [dc]: {
        datacenter: dc,
        name: 'LAB-DC1',
        vm_folder: 'group-v4',
        host_folder: 'group-h5',
        datastore_folder: 'group-s6',
        network_folder: 'group-n7',
      },
    },
    folders: Object.fromEntries(
      (
        [
          ['group-d1', 'Datacenters', 'DATACENTER', null],
          ['group-v4', 'vm', 'VIRTUAL_MACHINE', 'group-d1'],
          ['group-h5', 'host', 'HOST', 'group-d1'],
          ['group-s6', 'datastore', 'DATASTORE', 'group-d1'],
          ['group-n7', 'network', 'NETWORK', 'group-d1'],
          ['group-v30', 'Linux', 'VIRTUAL_MACHINE', 'group-v4'],
          ['group-v31', 'Windows', 'VIRTUAL_MACHINE', 'group-v4'],
          ['group-v32', 'Orchestrated', 'VIRTUAL_MACHINE', 'group-v4'],
        ] as const
      ).map(([folder, name, type, parent]) => [
        folder,
        { folder, name, type, datacenter: dc, parent_folder: parent },
      ]),
    ),
    clusters: {
      'domain-c8': {
        cluster: 'domain-c8',
        name: 'CL-PROD-01',
        datacenter: dc,
        folder: 'group-h5',
        resource_pool: 'resgroup-9',
        ha_enabled: true,
        drs_enabled: true,
      },
      'domain-c20': {
        cluster: 'domain-c20',
        name: 'CL-DEV-01',
        datacenter: dc,
        folder: 'group-h5',
        resource_pool: 'resgroup-21',
        ha_enabled: false,
        drs_enabled: true,
      },
    },
    hosts: Object.fromEntries(
      (
        [
          ['host-10', 'esx-prod-01.lab.local', 'domain-c8'],
          ['host-12', 'esx-prod-02.lab.local', 'domain-c8'],
          ['host-22', 'esx-dev-01.lab.local', 'domain-c20'],
        ] as const
      ).map(([host, name, cluster]) => [
        host,
        {
          host,
          name,
          datacenter: dc,
          cluster,
          folder: 'group-h5',
          connection_state: 'CONNECTED' as const,
          power_state: 'POWERED_ON' as const,
        },
      ]),
    ),
    resource_pools: {
      'resgroup-9': {
        resource_pool: 'resgroup-9',
        name: 'Resources',
        datacenter: dc,
        cluster: 'domain-c8',
        parent_resource_pool: null,
      },
      'resgroup-21': {
        resource_pool: 'resgroup-21',
        name: 'Resources',
        datacenter: dc,
        cluster: 'domain-c20',
        parent_resource_pool: null,
      },
    },
    datastores: Object.fromEntries(
      (
        [
          // Roomy enough that a whole test run's VMs (schemathesis orders the largest sizes the
          // catalog allows) never fill them; filling one is tested with a disk larger than both.
          ['datastore-11', 'DS-PROD-01', 'VMFS', 64 * TiB],
          ['datastore-13', 'DS-DEV-01', 'VMFS', 64 * TiB],
          ['datastore-14', 'NFS-ISO', 'NFS', 500 * GiB],
        ] as const
      ).map(([datastore, name, type, capacity]) => [
        datastore,
        { datastore, name, type, datacenter: dc, folder: 'group-s6', capacity, free_space: capacity },
      ]),
    ),
    networks: Object.fromEntries(
      (
        [
          ['network-15', 'VM Network', 'STANDARD_PORTGROUP'],
          ['dvportgroup-16', 'INTRANET_DEV', 'DISTRIBUTED_PORTGROUP'],
          ['dvportgroup-17', 'INTRANET_PROD', 'DISTRIBUTED_PORTGROUP'],
          ['dvportgroup-18', 'DMZ', 'DISTRIBUTED_PORTGROUP'],
        ] as const
      ).map(([network, name, type]) => [
        network,
        { network, name, type, datacenter: dc, folder: 'group-n7' },
      ]),
    ),
    vms: {},
    next_moref: 1001,
  };
}

function networkFacts(): Record<string, NetworkFacts> {
  const facts = (name: string, cidr: string, gateway: string, vlan: number): NetworkFacts => ({
    name,
    cidr,
    gateway,
    vlan,
    dns_servers: ['10.0.0.53', '10.0.1.53'],
    dns_domain: 'lab.local',
    next_host: 10,
  });
  return {
    'VM Network': facts('VM Network', '192.168.1.0/24', '192.168.1.1', 0),
    INTRANET_DEV: facts('INTRANET_DEV', '10.20.0.0/24', '10.20.0.1', 120),
    INTRANET_PROD: facts('INTRANET_PROD', '10.10.0.0/24', '10.10.0.1', 110),
    DMZ: facts('DMZ', '192.168.50.0/24', '192.168.50.1', 150),
  };
}

function osImages(): Record<string, OsImage> {
  const images: OsImage[] = [
    {
      name: 'rhel9',
      description: 'Red Hat Enterprise Linux 9',
      guest_OS: 'RHEL_9_64',
      family: 'LINUX',
      disk_GiB: 40,
      firmware: 'EFI',
    },
    {
      name: 'rhel8',
      description: 'Red Hat Enterprise Linux 8',
      guest_OS: 'RHEL_8_64',
      family: 'LINUX',
      disk_GiB: 40,
      firmware: 'BIOS',
    },
    {
      name: 'ubuntu22',
      description: 'Ubuntu Server 22.04 LTS',
      guest_OS: 'UBUNTU_64',
      family: 'LINUX',
      disk_GiB: 32,
      firmware: 'EFI',
    },
    {
      name: 'windows2022',
      description: 'Windows Server 2022 Standard',
      guest_OS: 'WINDOWS_SERVER_2021',
      family: 'WINDOWS',
      disk_GiB: 80,
      firmware: 'EFI',
    },
  ];
  return Object.fromEntries(images.map((i) => [i.name, i]));
}

function awxSeed(now: string): AwxState {
  const template = (
    id: number,
    name: string,
    playbook: string,
    action: AwxJobTemplate['action'],
    askVariables: boolean,
    description: string,
  ): AwxJobTemplate => ({
    id,
    name,
    description,
    organization: 1,
    inventory: 1,
    project: 1,
    playbook,
    job_type: 'run',
    limit: '',
    extra_vars: '---',
    verbosity: 0,
    allow_simultaneous: true,
    survey_enabled: false,
    ask_variables_on_launch: askVariables,
    ask_limit_on_launch: false,
    ask_inventory_on_launch: false,
    ask_job_type_on_launch: false,
    ask_verbosity_on_launch: false,
    ask_tags_on_launch: false,
    ask_skip_tags_on_launch: false,
    ask_diff_mode_on_launch: false,
    ask_credential_on_launch: false,
    action,
    created: now,
    modified: now,
  });
  return {
    organizations: {
      '1': { id: 1, name: 'Default', description: 'Lab organization', created: now, modified: now },
    },
    inventories: {
      '1': {
        id: 1,
        name: 'lab-vcenter',
        description: 'vCenter of the lab',
        organization: 1,
        created: now,
        modified: now,
      },
    },
    projects: {
      '1': {
        id: 1,
        name: 'infra-playbooks',
        description: 'Provisioning playbooks',
        organization: 1,
        scm_type: 'git',
        scm_url: 'https://git.lab.local/infra/playbooks.git',
        scm_branch: 'main',
        playbooks: [
          'vm_create.yml',
          'vm_delete.yml',
          'vm_update.yml',
          'vm_power.yml',
          'ping.yml',
          'vm_configure.yml',
        ],
        created: now,
        modified: now,
      },
    },
    job_templates: {
      '7': template(
        7,
        seededJobTemplates.vmCreate,
        'vm_create.yml',
        'vm-create',
        true,
        'Create a VM in vCenter',
      ),
      '8': template(
        8,
        seededJobTemplates.vmDelete,
        'vm_delete.yml',
        'vm-delete',
        true,
        'Delete a VM from vCenter',
      ),
      '9': template(9, seededJobTemplates.labPing, 'ping.yml', 'noop', false, 'Ping the lab (no prompts)'),
      '10': template(
        10,
        seededJobTemplates.vmConfigure,
        'vm_configure.yml',
        'vm-configure',
        true,
        'Baseline configuration of a VM and its registration in monitoring',
      ),
      '11': template(
        11,
        seededJobTemplates.vmUpdate,
        'vm_update.yml',
        'vm-update',
        true,
        'Change the CPU, memory and disks of a VM in vCenter',
      ),
      '12': template(
        12,
        seededJobTemplates.vmPower,
        'vm_power.yml',
        'vm-power',
        true,
        'Power a VM in vCenter on or off, or restart it',
      ),
    },
    jobs: {},
    next_id: { job: 101, job_template: 13 },
  };
}

/** A fresh world as the lab starts. */
export function seedWorld(now = new Date()): WorldState {
  const iso = now.toISOString();
  return {
    version: 1,
    created_at: iso,
    counters: {},
    durations: {},
    faults: { http: [], outcomes: [], next_id: 1 },
    vcenter: vcenterSeed(),
    lab: { networks: networkFacts(), images: osImages() },
    awx: awxSeed(iso),
    sections: {},
  };
}

/**
 * Gives a world saved by an earlier version the job templates seeded since (the ids it would next
 * hand out), as an admin adds a job template to a running AWX; nothing else of it changes.
 */
export function addSeededJobTemplates(state: WorldState, now = new Date()): void {
  const seeded = awxSeed(now.toISOString());
  const names = new Set(Object.values(state.awx.job_templates).map((t) => t.name));
  for (const template of Object.values(seeded.job_templates)) {
    if (names.has(template.name)) continue;
    const id = state.awx.next_id.job_template++;
    state.awx.job_templates[String(id)] = { ...template, id };
    const project = state.awx.projects[String(template.project)];
    if (project && !project.playbooks.includes(template.playbook)) project.playbooks.push(template.playbook);
  }
}
