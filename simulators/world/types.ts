/**
 * The shape of the lab world as stored on disk. vCenter's inventory is typed here because every
 * orchestrator simulator acts on it; AWX's objects are typed here because the AWX simulator and
 * the counters read them; other systems (TFE, ACI) keep their own typed section under
 * `sections`, declared in their simulator folder.
 */

/** vCenter folder types, verbatim from the vSphere Automation API. */
export type FolderType = 'DATACENTER' | 'DATASTORE' | 'HOST' | 'NETWORK' | 'VIRTUAL_MACHINE';
/** vCenter network types, verbatim. */
export type NetworkType = 'STANDARD_PORTGROUP' | 'DISTRIBUTED_PORTGROUP' | 'OPAQUE_NETWORK';
/** vCenter datastore types, verbatim. */
export type DatastoreType = 'VMFS' | 'NFS' | 'NFS41' | 'CIFS' | 'VSAN' | 'VFFS' | 'VVOL';
/** vCenter VM power states, verbatim. */
export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

/** A vCenter datacenter and its root folders. */
export interface Datacenter {
  datacenter: string;
  name: string;
  /** The datacenter's root VM, host, datastore and network folders. */
  vm_folder: string;
  host_folder: string;
  datastore_folder: string;
  network_folder: string;
}

/** A vCenter folder (VM, host, datastore, network or datacenter folder). */
export interface Folder {
  folder: string;
  name: string;
  type: FolderType;
  datacenter: string;
  parent_folder: string | null;
}

/** A vCenter cluster with its root resource pool. */
export interface Cluster {
  cluster: string;
  name: string;
  datacenter: string;
  folder: string;
  resource_pool: string;
  ha_enabled: boolean;
  drs_enabled: boolean;
}

/** An ESXi host in a cluster. */
export interface Host {
  host: string;
  name: string;
  datacenter: string;
  cluster: string;
  folder: string;
  connection_state: 'CONNECTED' | 'DISCONNECTED' | 'NOT_RESPONDING';
  power_state: 'POWERED_ON' | 'POWERED_OFF' | 'STANDBY';
}

/** A resource pool (the seed has each cluster's root pool). */
export interface ResourcePool {
  resource_pool: string;
  name: string;
  datacenter: string;
  cluster: string;
  parent_resource_pool: string | null;
}

/** A datastore; disks of new VMs take `free_space` (bytes). */
export interface Datastore {
  datastore: string;
  name: string;
  type: DatastoreType;
  datacenter: string;
  folder: string;
  capacity: number;
  free_space: number;
}

/** A portgroup VMs attach to. */
export interface Network {
  network: string;
  name: string;
  type: NetworkType;
  datacenter: string;
  folder: string;
}

/** A VM disk as vCenter's `VM.Info.disks` shows it (capacity in bytes). */
export interface VmDisk {
  label: string;
  type: 'SCSI' | 'SATA' | 'IDE' | 'NVME';
  scsi?: { bus: number; unit: number };
  backing: { type: 'VMDK_FILE'; vmdk_file: string };
  capacity: number;
}

/** A VM NIC as vCenter shows it, plus the network's name for the lab's IP facts. */
export interface VmNic {
  label: string;
  type: 'E1000' | 'E1000E' | 'PCNET32' | 'VMXNET' | 'VMXNET2' | 'VMXNET3';
  mac_type: 'GENERATED' | 'MANUAL' | 'ASSIGNED';
  mac_address: string;
  backing: { type: NetworkType; network: string; network_name: string };
  state: 'CONNECTED' | 'NOT_CONNECTED';
  start_connected: boolean;
  allow_guest_control: boolean;
  wake_on_lan_enabled: boolean;
  upt_compatibility_enabled: boolean;
}

/**
 * What guest customization (a clone's customization spec, or a playbook's `customization`) set
 * inside the guest: a fixed address and the names around it. VMware Tools then reports these
 * through the guest identity and networking endpoints instead of a DHCP lease.
 */
export interface GuestCustomization {
  host_name: string | null;
  domain: string | null;
  ip_address: string;
  prefix_length: number;
  gateway: string | null;
  dns_servers: string[];
  dns_suffixes: string[];
}

/** One VM in the inventory, close to vCenter's `VM.Info` plus its placement. */
export interface Vm {
  vm: string;
  name: string;
  guest_OS: string;
  power_state: PowerState;
  /** When the VM was last powered on (epoch ms); tools and guest IP appear after boot delays. */
  powered_on_at: number | null;
  placement: {
    folder: string;
    cluster: string | null;
    host: string;
    resource_pool: string;
    datastore: string;
  };
  identity: { name: string; bios_uuid: string; instance_uuid: string };
  hardware: { version: string; upgrade_policy: 'NEVER'; upgrade_status: 'NONE' };
  cpu: { count: number; cores_per_socket: number; hot_add_enabled: boolean; hot_remove_enabled: boolean };
  memory: { size_MiB: number; hot_add_enabled: boolean };
  boot: {
    type: 'BIOS' | 'EFI';
    delay: number;
    retry: boolean;
    retry_delay: number;
    enter_setup_mode: boolean;
  };
  disks: Record<string, VmDisk>;
  nics: Record<string, VmNic>;
  /** The lab image the VM was built from (rhel9, ubuntu22 ...), when known. */
  image: string | null;
  /** Address the guest reports once booted: the customized one, else a lease from the network's lab facts. */
  guest_ip: string | null;
  /** Static addressing set by guest customization; absent for a guest that took a lease. */
  customization?: GuestCustomization | null;
  /** Which simulated system made it (vcenter, awx job 12, tfe run-...), for tests and humans. */
  created_by: string;
  created_at: string;
}

/** The vCenter part of the world. */
export interface VcenterState {
  datacenters: Record<string, Datacenter>;
  folders: Record<string, Folder>;
  clusters: Record<string, Cluster>;
  hosts: Record<string, Host>;
  resource_pools: Record<string, ResourcePool>;
  datastores: Record<string, Datastore>;
  networks: Record<string, Network>;
  vms: Record<string, Vm>;
  /** Next numeric suffix for new managed-object ids (vm-N, and so on). */
  next_moref: number;
}

/** Addressing facts of a network that vCenter itself does not know (the lab's IPAM side table). */
export interface NetworkFacts {
  name: string;
  cidr: string;
  gateway: string;
  vlan: number;
  dns_servers: string[];
  dns_domain: string;
  /** Host part of the next address handed to a VM on this network. */
  next_host: number;
}

/** An OS image (template) the lab offers, with vCenter's guest OS id for it. */
export interface OsImage {
  name: string;
  description: string;
  guest_OS: string;
  family: 'LINUX' | 'WINDOWS';
  /** Disk size the template itself brings (GiB); requests may ask for more. */
  disk_GiB: number;
  firmware: 'BIOS' | 'EFI';
}

/** AWX job status vocabulary, verbatim. */
export type AwxJobStatus =
  'new' | 'pending' | 'waiting' | 'running' | 'successful' | 'failed' | 'error' | 'canceled';

/** An AWX organization. */
export interface AwxOrganization {
  id: number;
  name: string;
  description: string;
  created: string;
  modified: string;
}

/** An AWX inventory. */
export interface AwxInventory {
  id: number;
  name: string;
  description: string;
  organization: number;
  created: string;
  modified: string;
}

/** An AWX project with the playbooks it offers. */
export interface AwxProject {
  id: number;
  name: string;
  description: string;
  organization: number;
  scm_type: string;
  scm_url: string;
  scm_branch: string;
  playbooks: string[];
  created: string;
  modified: string;
}

/** What the simulated playbook of a job template does to the lab when its job runs. */
export type AwxPlaybookAction =
  'vm-create' | 'vm-delete' | 'vm-update' | 'vm-power' | 'vm-configure' | 'noop';

/** An AWX job template with its prompt-on-launch flags and the simulated playbook's action. */
export interface AwxJobTemplate {
  id: number;
  name: string;
  description: string;
  organization: number;
  inventory: number | null;
  project: number;
  playbook: string;
  job_type: 'run' | 'check';
  limit: string;
  extra_vars: string;
  verbosity: number;
  allow_simultaneous: boolean;
  survey_enabled: boolean;
  ask_variables_on_launch: boolean;
  ask_limit_on_launch: boolean;
  ask_inventory_on_launch: boolean;
  ask_job_type_on_launch: boolean;
  ask_verbosity_on_launch: boolean;
  ask_tags_on_launch: boolean;
  ask_skip_tags_on_launch: boolean;
  ask_diff_mode_on_launch: boolean;
  ask_credential_on_launch: boolean;
  action: AwxPlaybookAction;
  created: string;
  modified: string;
}

/** An AWX job, with the simulator's own bookkeeping fields at the end. */
export interface AwxJob {
  id: number;
  name: string;
  job_template: number;
  inventory: number | null;
  project: number;
  playbook: string;
  organization: number;
  job_type: 'run' | 'check';
  launch_type: 'manual' | 'relaunch' | 'callback' | 'scheduled' | 'dependency' | 'workflow';
  limit: string;
  verbosity: number;
  extra_vars: string;
  status: AwxJobStatus;
  job_explanation: string;
  created: string;
  modified: string;
  started: string | null;
  finished: string | null;
  canceled_on: string | null;
  artifacts: Record<string, unknown>;
  stdout: string;
  /** Simulator bookkeeping, never serialised: when the next status change is due (epoch ms). */
  next_transition_at: number | null;
  /** Simulator bookkeeping: a cancel was requested while running. */
  cancel_requested: boolean;
}

/** The AWX part of the world. */
export interface AwxState {
  organizations: Record<string, AwxOrganization>;
  inventories: Record<string, AwxInventory>;
  projects: Record<string, AwxProject>;
  job_templates: Record<string, AwxJobTemplate>;
  jobs: Record<string, AwxJob>;
  next_id: { job: number; job_template: number };
}

/** Which simulator an HTTP fault rule applies to. */
export type SimulatorSystem = 'vcenter' | 'awx' | 'tfe' | 'aci';

/**
 * One HTTP fault rule. `path` matches the request path exactly, or as a glob where `*` matches
 * any characters (`/api/v2/job_templates/*\/launch/`). A rule fires for a matching request with
 * probability `rate` (default 1) after skipping the first `skip` matches, at most `times` times.
 */
export interface HttpFaultRule {
  id: string;
  system: SimulatorSystem | '*';
  method?: string;
  path: string;
  /** error: answer `status`; rate-limit: 429 + Retry-After; latency: delay then continue; drop: destroy the socket. */
  kind: 'error' | 'rate-limit' | 'latency' | 'drop';
  /** before (default): the request never reaches the API; after: the API acts, then the answer is lost. */
  phase?: 'before' | 'after';
  status?: number;
  retry_after_seconds?: number;
  latency_ms?: number;
  rate?: number;
  skip?: number;
  times?: number;
  /** How many times it has fired; kept so `times` survives a restart. */
  fired: number;
  /** How many matching requests it has seen (for `skip`). */
  seen: number;
}

/**
 * "This job / run fails" rule. `match` names fields of the job or run (template, workspace,
 * extra_vars text, ...) and a substring each must contain; the simulator of `system` decides
 * which fields it offers. `outcome` is the upstream's own terminal status (failed, error,
 * errored ...); `phase` lets a system say where it fails (TFE: plan or apply).
 */
export interface OutcomeRule {
  id: string;
  system: SimulatorSystem;
  match: Record<string, string>;
  outcome: string;
  phase?: string;
  message: string;
  times?: number;
  fired: number;
}

/** The whole world file. */
export interface WorldState {
  version: 1;
  created_at: string;
  counters: Record<string, number>;
  durations: Record<string, number>;
  faults: { http: HttpFaultRule[]; outcomes: OutcomeRule[]; next_id: number };
  vcenter: VcenterState;
  lab: { networks: Record<string, NetworkFacts>; images: Record<string, OsImage> };
  awx: AwxState;
  /** Sections other simulators own (tfe, aci), typed in their folders. */
  sections: Record<string, unknown>;
}
