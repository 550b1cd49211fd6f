/**
 * The vCenter simulator's HTTP API: the /api (7.0U2+) style of the vSphere Automation REST API
 * for sessions, inventory lookups and VMs, answering in vCenter's own error envelope; the legacy
 * /rest style is served by translation (rest-legacy.ts). See ../../../shared/reference/vcenter-api.md.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { createSimulatorApp, parseBasicAuth, safeEqual, type SimulatorContext } from '../common';
import { WorldError, type Vm } from '../world';
import { VapiError, errorBody, errorTypeOf, sendVapiError } from './errors';
import { restLegacy } from './rest-legacy';
import { SessionTable } from './sessions';

const GiB = 1024 ** 3;

/** The vCenter release this simulator answers as (`GET /api/appliance/system/version`). */
const VCENTER_RELEASE = {
  product: 'VMware vCenter Server',
  version: '8.0.2.00100',
  build: '22617221',
  releasedate: 'October 10, 2023',
  summary: 'Update for VMware vCenter Server 8.0.2',
  type: 'vCenter Server with an embedded Platform Services Controller',
};
/** The vSphere Web Services API version of that release, as `/sdk/vimServiceVersions.xml` lists it. */
const VIM_API_VERSION = '8.0.2.0';

/** Values of a repeatable query filter (`?names=a&names=b`), or undefined when absent. */
function filter(req: Request, name: string): string[] | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).map(String);
  return values.length > 0 ? values : undefined;
}

/** Keeps items whose `field` is among the filter values (all given filters must match). */
function matching<T>(
  items: T[],
  req: Request,
  filters: Record<string, (item: T) => string | null | undefined>,
): T[] {
  return items.filter((item) =>
    Object.entries(filters).every(([name, read]) => {
      const wanted = filter(req, name);
      return !wanted || wanted.includes(read(item) ?? '');
    }),
  );
}

function enumFilter(req: Request, name: string, allowed: readonly string[]): void {
  for (const value of filter(req, name) ?? []) {
    if (!allowed.includes(value)) {
      throw new VapiError(
        'INVALID_ARGUMENT',
        `Invalid value '${value}' for filter '${name}'.`,
        'vapi.bindings.typeconverter.invalid.enum',
        [value],
      );
    }
  }
}

const diskSpec = z
  .object({
    type: z.enum(['SCSI', 'SATA', 'IDE', 'NVME']).optional(),
    new_vmdk: z
      .object({ name: z.string().optional(), capacity: z.number().int().positive().optional() })
      .passthrough()
      .optional(),
    backing: z.object({ type: z.literal('VMDK_FILE'), vmdk_file: z.string() }).optional(),
  })
  .passthrough();

const createVmSpec = z
  .object({
    name: z.string().min(1).max(80),
    guest_OS: z.string().min(1).optional(),
    guest_os: z.string().min(1).optional(),
    placement: z.object({
      folder: z.string().min(1),
      datastore: z.string().min(1).optional(),
      cluster: z.string().nullish(),
      host: z.string().nullish(),
      resource_pool: z.string().nullish(),
    }),
    cpu: z
      .object({
        count: z.number().int().optional(),
        cores_per_socket: z.number().int().optional(),
        hot_add_enabled: z.boolean().optional(),
      })
      .passthrough()
      .optional(),
    memory: z
      .object({
        size_MiB: z.number().int().optional(),
        size_mib: z.number().int().optional(),
        hot_add_enabled: z.boolean().optional(),
      })
      .passthrough()
      .optional(),
    disks: z.array(diskSpec).optional(),
    nics: z
      .array(
        z
          .object({
            type: z.enum(['E1000', 'E1000E', 'PCNET32', 'VMXNET', 'VMXNET2', 'VMXNET3']).optional(),
            start_connected: z.boolean().optional(),
            backing: z.object({
              type: z.enum(['STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK', 'HOST_DEVICE']),
              network: z.string().min(1),
            }),
          })
          .passthrough(),
      )
      .optional(),
    boot: z
      .object({ type: z.enum(['BIOS', 'EFI']).optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** `VM.Info` as `GET /api/vcenter/vm/{vm}` returns it. */
export function vmInfo(vm: Vm) {
  return {
    name: vm.name,
    guest_OS: vm.guest_OS,
    power_state: vm.power_state,
    identity: vm.identity,
    hardware: vm.hardware,
    cpu: vm.cpu,
    memory: vm.memory,
    boot: vm.boot,
    boot_devices: [],
    disks: vm.disks,
    nics: Object.fromEntries(
      Object.entries(vm.nics).map(([key, nic]) => [
        key,
        {
          label: nic.label,
          type: nic.type,
          mac_type: nic.mac_type,
          mac_address: nic.mac_address,
          backing: { type: nic.backing.type, network: nic.backing.network },
          state: nic.state,
          start_connected: nic.start_connected,
          allow_guest_control: nic.allow_guest_control,
          wake_on_lan_enabled: nic.wake_on_lan_enabled,
          upt_compatibility_enabled: nic.upt_compatibility_enabled,
        },
      ]),
    ),
    scsi_adapters: Object.keys(vm.disks).some((k) => vm.disks[k]?.type === 'SCSI')
      ? { '1000': { label: 'SCSI controller 0', type: 'PVSCSI', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' } }
      : {},
    sata_adapters: {},
    nvme_adapters: {},
    cdroms: {},
    floppies: {},
    serial_ports: {},
    parallel_ports: {},
    instant_clone_frozen: false,
  };
}

/** `VM.Summary` as the VM list returns it. */
function vmSummary(vm: Vm) {
  return {
    vm: vm.vm,
    name: vm.name,
    power_state: vm.power_state,
    cpu_count: vm.cpu.count,
    memory_size_MiB: vm.memory.size_MiB,
  };
}

/** Builds the vCenter simulator's Express app. */
export function createVcenterApp(ctx: SimulatorContext) {
  const { world, credentials } = ctx;
  const inventory = world.vcenter;
  const sessions = new SessionTable(world);
  const app = createSimulatorApp({
    system: 'vcenter',
    ctx,
    faultBody: (status, message) => ({
      contentType: 'application/json',
      body: JSON.stringify(errorBody(errorTypeOf(status), message)),
    }),
  });

  app.use(restLegacy);
  // Read without a session, as pyVmomi and govmomi do before logging in to pick the API version.
  app.get('/sdk/vimServiceVersions.xml', (_req, res) => {
    res
      .type('text/xml')
      .send(
        [
          '<?xml version="1.0" encoding="UTF-8" ?>',
          '<namespaces version="1.0">',
          ' <namespace>',
          '  <name>urn:vim25</name>',
          `  <version>${VIM_API_VERSION}</version>`,
          '  <priorVersions>',
          '   <version>8.0.1.0</version>',
          '   <version>8.0.0.0</version>',
          '   <version>7.0.3.0</version>',
          '  </priorVersions>',
          ' </namespace>',
          '</namespaces>',
          '',
        ].join('\n'),
      );
  });
  app.post('/api/session', (req, res) => {
    const basic = parseBasicAuth(req.headers.authorization);
    const ok =
      basic &&
      safeEqual(basic.username, credentials.vcenter.username) &&
      safeEqual(basic.password, credentials.vcenter.password);
    if (!basic || !ok)
      throw new VapiError(
        'UNAUTHENTICATED',
        'Authentication required.',
        'com.vmware.vapi.endpoint.method.authentication.required',
      );
    res.status(201).json(sessions.create(basic.username));
  });

  const api = express.Router();
  api.use((req, res, next) => {
    const id = req.header('vmware-api-session-id');
    const session = sessions.use(id);
    if (!session)
      throw new VapiError(
        'UNAUTHENTICATED',
        'Authentication required.',
        'com.vmware.vapi.endpoint.method.authentication.required',
      );
    res.locals.session = { id: id!, ...session } satisfies SessionLocal;
    next();
  });

  api.get('/api/session', (_req, res) => {
    const s = res.locals.session as SessionLocal;
    res.json({
      user: s.user,
      created_time: new Date(s.created).toISOString(),
      last_accessed_time: new Date(s.lastAccessed).toISOString(),
    });
  });
  api.get('/api/appliance/system/version', (_req, res) => {
    res.json({ ...VCENTER_RELEASE, install_time: world.state.created_at });
  });
  api.delete('/api/session', (_req, res) => {
    sessions.delete((res.locals.session as SessionLocal).id);
    res.status(204).end();
  });

  api.get('/api/vcenter/datacenter', (req, res) => {
    const items = matching(Object.values(world.state.vcenter.datacenters), req, {
      names: (d) => d.name,
      datacenters: (d) => d.datacenter,
      folders: () => 'group-d1',
    });
    res.json(items.map((d) => ({ datacenter: d.datacenter, name: d.name })));
  });
  api.get('/api/vcenter/folder', (req, res) => {
    enumFilter(req, 'type', ['DATACENTER', 'DATASTORE', 'HOST', 'NETWORK', 'VIRTUAL_MACHINE']);
    const items = matching(Object.values(world.state.vcenter.folders), req, {
      names: (f) => f.name,
      type: (f) => f.type,
      datacenters: (f) => f.datacenter,
      parent_folders: (f) => f.parent_folder,
      folders: (f) => f.folder,
    });
    res.json(items.map((f) => ({ folder: f.folder, name: f.name, type: f.type })));
  });
  api.get('/api/vcenter/cluster', (req, res) => {
    const items = matching(Object.values(world.state.vcenter.clusters), req, {
      names: (c) => c.name,
      datacenters: (c) => c.datacenter,
      folders: (c) => c.folder,
      clusters: (c) => c.cluster,
    });
    res.json(
      items.map((c) => ({
        cluster: c.cluster,
        name: c.name,
        ha_enabled: c.ha_enabled,
        drs_enabled: c.drs_enabled,
      })),
    );
  });
  api.get('/api/vcenter/cluster/:cluster', (req, res) => {
    const c = inventory.get('clusters', req.params.cluster);
    res.json({ name: c.name, resource_pool: c.resource_pool });
  });
  api.get('/api/vcenter/resource-pool', (req, res) => {
    const items = matching(Object.values(world.state.vcenter.resource_pools), req, {
      names: (p) => p.name,
      datacenters: (p) => p.datacenter,
      clusters: (p) => p.cluster,
      hosts: () => null,
      parent_resource_pools: (p) => p.parent_resource_pool,
      resource_pools: (p) => p.resource_pool,
    });
    res.json(items.map((p) => ({ resource_pool: p.resource_pool, name: p.name })));
  });
  api.get('/api/vcenter/host', (req, res) => {
    enumFilter(req, 'connection_states', ['CONNECTED', 'DISCONNECTED', 'NOT_RESPONDING']);
    const items = matching(Object.values(world.state.vcenter.hosts), req, {
      names: (h) => h.name,
      datacenters: (h) => h.datacenter,
      clusters: (h) => h.cluster,
      folders: (h) => h.folder,
      connection_states: (h) => h.connection_state,
      hosts: (h) => h.host,
    });
    res.json(
      items.map((h) => ({
        host: h.host,
        name: h.name,
        connection_state: h.connection_state,
        power_state: h.power_state,
      })),
    );
  });
  api.get('/api/vcenter/datastore', (req, res) => {
    enumFilter(req, 'types', ['VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL']);
    const items = matching(Object.values(world.state.vcenter.datastores), req, {
      names: (d) => d.name,
      types: (d) => d.type,
      datacenters: (d) => d.datacenter,
      folders: (d) => d.folder,
      datastores: (d) => d.datastore,
    });
    res.json(
      items.map((d) => ({
        datastore: d.datastore,
        name: d.name,
        type: d.type,
        free_space: d.free_space,
        capacity: d.capacity,
      })),
    );
  });
  api.get('/api/vcenter/datastore/:datastore', (req, res) => {
    const d = inventory.get('datastores', req.params.datastore);
    res.json({
      name: d.name,
      type: d.type,
      accessible: true,
      free_space: d.free_space,
      capacity: d.capacity,
      multiple_host_access: true,
      thin_provisioning_supported: true,
    });
  });
  api.get('/api/vcenter/network', (req, res) => {
    enumFilter(req, 'types', ['STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK']);
    const items = matching(Object.values(world.state.vcenter.networks), req, {
      names: (n) => n.name,
      types: (n) => n.type,
      datacenters: (n) => n.datacenter,
      folders: (n) => n.folder,
      networks: (n) => n.network,
    });
    res.json(items.map((n) => ({ network: n.network, name: n.name, type: n.type })));
  });

  api.get('/api/vcenter/vm', (req, res) => {
    enumFilter(req, 'power_states', ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED']);
    const vms = inventory.listVms({
      vms: filter(req, 'vms'),
      names: filter(req, 'names'),
      folders: filter(req, 'folders'),
      datacenters: filter(req, 'datacenters'),
      hosts: filter(req, 'hosts'),
      clusters: filter(req, 'clusters'),
      resource_pools: filter(req, 'resource_pools'),
      power_states: filter(req, 'power_states') as Vm['power_state'][] | undefined,
    });
    if (vms.length > 4000) {
      throw new VapiError(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        'Too many virtual machines. Add more filter criteria to reduce the number.',
        'com.vmware.api.vcenter.vm.max_limit_exceeded',
        ['4000'],
      );
    }
    res.json(vms.map(vmSummary));
  });

  api.post('/api/vcenter/vm', (req, res) => {
    if (req.query.action !== undefined) {
      throw new VapiError(
        'OPERATION_NOT_FOUND',
        `Operation '${String(req.query.action)}' is not supported by this simulator.`,
      );
    }
    const parsed = createVmSpec.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VapiError(
        'INVALID_ARGUMENT',
        `Invalid spec at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}.`,
        'vapi.bindings.typeconverter.invalid',
        [issue?.path.join('.') ?? ''],
      );
    }
    const spec = parsed.data;
    const guestOS = spec.guest_OS ?? spec.guest_os;
    if (!guestOS)
      throw new VapiError(
        'INVALID_ARGUMENT',
        "Required field 'guest_OS' is missing.",
        'vapi.bindings.typeconverter.missing',
        ['guest_OS'],
      );
    if (!spec.placement.datastore) {
      throw new VapiError(
        'INVALID_ARGUMENT',
        'A datastore is required in placement.',
        'vapi.bindings.typeconverter.missing',
        ['placement.datastore'],
      );
    }
    const disks = (spec.disks ?? []).map((d) => ({
      type: d.type,
      name: d.new_vmdk?.name,
      capacity: d.new_vmdk?.capacity ?? 16 * GiB,
    }));
    const vm = inventory.createVm({
      name: spec.name,
      guest_OS: guestOS,
      placement: { ...spec.placement, datastore: spec.placement.datastore },
      cpu: spec.cpu,
      memory: spec.memory && {
        size_MiB: spec.memory.size_MiB ?? spec.memory.size_mib,
        hot_add_enabled: spec.memory.hot_add_enabled,
      },
      disks,
      nics: (spec.nics ?? []).map((n) => {
        if (n.backing.type === 'HOST_DEVICE')
          throw new VapiError('UNSUPPORTED', 'HOST_DEVICE NIC backing is not supported.');
        return {
          type: n.type,
          network: n.backing.network,
          start_connected: n.start_connected,
          backing_type: n.backing.type,
        };
      }),
      boot: spec.boot,
      created_by: 'vcenter',
    });
    res.status(201).json(vm.vm);
  });

  api.get('/api/vcenter/vm/:vm', (req, res) => {
    res.json(vmInfo(inventory.get('vms', req.params.vm)));
  });
  api.delete('/api/vcenter/vm/:vm', (req, res) => {
    inventory.deleteVm(req.params.vm);
    res.status(204).end();
  });
  api.get('/api/vcenter/vm/:vm/power', (req, res) => {
    const vm = inventory.get('vms', req.params.vm);
    res.json(
      vm.power_state === 'POWERED_OFF'
        ? { state: vm.power_state, clean_power_off: true }
        : { state: vm.power_state },
    );
  });
  api.post('/api/vcenter/vm/:vm/power', (req, res) => {
    const action = String(req.query.action ?? '');
    if (!['start', 'stop', 'suspend', 'reset'].includes(action)) {
      throw new VapiError(
        'OPERATION_NOT_FOUND',
        `Unknown power action '${action}'.`,
        'vapi.method.input.invalid',
        [action],
      );
    }
    inventory.powerVm(req.params.vm, action as 'start' | 'stop' | 'suspend' | 'reset');
    res.status(204).end();
  });
  api.get('/api/vcenter/vm/:vm/tools', (req, res) => {
    const vm = inventory.get('vms', req.params.vm);
    res.json({
      run_state: inventory.toolsRunState(vm),
      version: '12352',
      version_number: 12352,
      version_status: 'CURRENT',
      install_type: 'OPEN_VM_TOOLS',
      upgrade_policy: 'MANUAL',
      auto_update_supported: false,
    });
  });
  api.get('/api/vcenter/vm/:vm/guest/identity', (req, res) => {
    const vm = inventory.get('vms', req.params.vm);
    if (inventory.toolsRunState(vm) !== 'RUNNING') {
      throw new VapiError(
        'SERVICE_UNAVAILABLE',
        'VMware Tools is not running in the guest.',
        'com.vmware.api.vcenter.vm.guest.tools_not_running',
        [vm.vm],
      );
    }
    const image = vm.image ? world.state.lab.images[vm.image] : undefined;
    const guest = inventory.guestNetworking(vm);
    const ip = guest.ip_address;
    res.json({
      name: vm.guest_OS,
      family: image?.family ?? (vm.guest_OS.startsWith('WINDOWS') ? 'WINDOWS' : 'LINUX'),
      full_name: {
        id: `vmsg.guestos.${vm.guest_OS}`,
        default_message: image?.description ?? vm.guest_OS,
        args: [],
      },
      host_name: guest.host_name,
      ...(ip ? { ip_address: ip } : {}),
    });
  });
  /** The VM, when Tools run in it; guest endpoints answer 503 otherwise, as vCenter does. */
  const guestOf = (id: string) => {
    const vm = inventory.get('vms', id);
    if (inventory.toolsRunState(vm) !== 'RUNNING') {
      throw new VapiError(
        'SERVICE_UNAVAILABLE',
        'VMware Tools is not running in the guest.',
        'com.vmware.api.vcenter.vm.guest.tools_not_running',
        [vm.vm],
      );
    }
    return { vm, guest: inventory.guestNetworking(vm) };
  };
  api.get('/api/vcenter/vm/:vm/guest/networking', (req, res) => {
    const { guest } = guestOf(req.params.vm);
    res.json({
      dns_values: { host_name: guest.host_name, domain_name: guest.domain_name ?? '' },
      dns: { ip_addresses: guest.dns_servers, search_domains: guest.search_domains },
    });
  });
  api.get('/api/vcenter/vm/:vm/guest/networking/interfaces', (req, res) => {
    const { vm, guest } = guestOf(req.params.vm);
    res.json(
      Object.entries(vm.nics).map(([key, nic], i) => ({
        nic: key,
        mac_address: nic.mac_address,
        ip: {
          dhcp: { ipv4_enabled: guest.origin === 'DHCP', ipv6_enabled: false },
          ip_addresses:
            i === 0 && guest.ip_address
              ? [
                  {
                    ip_address: guest.ip_address,
                    prefix_length: guest.prefix_length,
                    origin: guest.origin,
                    state: 'PREFERRED',
                  },
                ]
              : [],
        },
      })),
    );
  });
  api.get('/api/vcenter/vm/:vm/guest/networking/routes', (req, res) => {
    const { guest } = guestOf(req.params.vm);
    if (!guest.ip_address || guest.prefix_length === null) return res.json([]);
    const mask = guest.prefix_length === 0 ? 0 : (~0 << (32 - guest.prefix_length)) >>> 0;
    const address = guest.ip_address.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
    const net = (address & mask) >>> 0;
    const network = [24, 16, 8, 0].map((shift) => (net >>> shift) & 255).join('.');
    res.json([
      ...(guest.gateway
        ? [{ network: '0.0.0.0', prefix_length: 0, gateway_address: guest.gateway, interface_index: 0 }]
        : []),
      { network, prefix_length: guest.prefix_length, interface_index: 0 },
    ]);
  });
  // https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/vm/hardware/cpu/get
  api.get('/api/vcenter/vm/:vm/hardware/cpu', (req, res) => {
    res.json(vmInfo(inventory.get('vms', req.params.vm)).cpu);
  });
  // https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/vm/hardware/memory/get
  api.get('/api/vcenter/vm/:vm/hardware/memory', (req, res) => {
    res.json(vmInfo(inventory.get('vms', req.params.vm)).memory);
  });
  api.patch('/api/vcenter/vm/:vm/hardware/cpu', (req, res) => {
    const count = (req.body as { count?: unknown })?.count;
    if (typeof count !== 'number')
      throw new VapiError('INVALID_ARGUMENT', "Field 'count' must be an integer.", undefined, ['count']);
    inventory.updateVm(req.params.vm, { cpu: { count } });
    res.status(204).end();
  });
  api.patch('/api/vcenter/vm/:vm/hardware/memory', (req, res) => {
    const body = req.body as { size_MiB?: unknown; size_mib?: unknown };
    const size = body?.size_MiB ?? body?.size_mib;
    if (typeof size !== 'number')
      throw new VapiError('INVALID_ARGUMENT', "Field 'size_MiB' must be an integer.", undefined, [
        'size_MiB',
      ]);
    inventory.updateVm(req.params.vm, { memory: { size_MiB: size } });
    res.status(204).end();
  });

  app.use(api);
  app.use((_req: Request, _res: Response) => {
    throw new VapiError(
      'NOT_FOUND',
      'The requested resource does not exist.',
      'com.vmware.vapi.rest.httpNotFound',
    );
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof VapiError) return sendVapiError(res, err);
    if (err instanceof WorldError)
      return sendVapiError(res, new VapiError(err.errorType, err.message, err.messageId, err.args));
    if (isBodyParseError(err))
      return sendVapiError(
        res,
        new VapiError('INVALID_ARGUMENT', 'Malformed JSON body.', 'vapi.bindings.typeconverter.invalid.json'),
      );
    ctx.log.error({ err }, 'vcenter simulator failed');
    return sendVapiError(res, new VapiError('INTERNAL_SERVER_ERROR', 'Internal error.'));
  });
  return app;
}

function isBodyParseError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: string }).type === 'entity.parse.failed';
}

type SessionLocal = { id: string; user: string; created: number; lastAccessed: number };
