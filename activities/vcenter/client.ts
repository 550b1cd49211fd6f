/**
 * vCenter client for the vSphere Automation REST API, in the API's nouns:
 * session, cluster, datastore, network, folder, vm, power. It speaks the `/api` style
 * (vSphere 7.0U2+) and, for older vCenters, the legacy `/rest` style: the first log-in tries
 * `/api` and falls back to `/rest` when `/api` is not there (404), as the API guide advises.
 *
 * Logging in is not an activity: the client opens a session (`POST /api/session` with Basic
 * credentials) when it first needs one, shares it across the worker's activities, and on a 401
 * (idle or absolute expiry) logs in again once and repeats the call. The session id lives only in
 * this process — it never passes through an activity's input or output, so never through
 * workflow history.
 * API reference: https://developer.broadcom.com/xapis/vsphere-automation-api/latest/
 */
import { HttpClient, SessionAuth, type TlsOptions, type UpstreamError } from '../http';
import type { FailureType } from '../../common/errors';

/** Power states, verbatim. */
export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

/** An item of `GET /api/vcenter/cluster`. */
export interface ClusterSummary {
  cluster: string;
  name: string;
  ha_enabled?: boolean;
  drs_enabled?: boolean;
}
/** An item of `GET /api/vcenter/datastore` (sizes in bytes). */
export interface DatastoreSummary {
  datastore: string;
  name: string;
  type: string;
  free_space?: number;
  capacity?: number;
}
/** An item of `GET /api/vcenter/network`. */
export interface NetworkSummary {
  network: string;
  name: string;
  type: string;
}
/** An item of `GET /api/vcenter/folder`. */
export interface FolderSummary {
  folder: string;
  name: string;
  type: string;
}
/** An item of `GET /api/vcenter/vm`. */
export interface VmSummary {
  vm: string;
  name: string;
  power_state: PowerState;
  cpu_count?: number;
  memory_size_MiB?: number;
}

/** `GET /api/vcenter/vm/{vm}` (the fields the orchestrator reads). */
export interface VmInfo {
  name: string;
  guest_OS?: string;
  power_state: PowerState;
  cpu?: { count: number; cores_per_socket?: number };
  memory?: { size_MiB: number };
  identity?: { name?: string; bios_uuid?: string; instance_uuid?: string };
  disks?: Record<
    string,
    { label?: string; type?: string; capacity?: number; backing?: { vmdk_file?: string } }
  >;
  nics?: Record<
    string,
    {
      label?: string;
      type?: string;
      mac_address?: string;
      state?: string;
      backing?: { type?: string; network?: string };
    }
  >;
}

/** `GET /api/vcenter/vm/{vm}/guest/identity`: what VMware Tools reports about the guest. */
export interface GuestIdentity {
  name: string;
  family: string;
  full_name?: { id?: string; default_message?: string; args?: string[] };
  host_name: string;
  /** Absent until the guest reports an address. */
  ip_address?: string;
}

/** Filters of the inventory lists; every given filter must match (repeatable values). */
export type InventoryFilter = Record<string, string | readonly string[] | undefined>;

/** Where vCenter is and how to log in; the password is read when needed, never stored here. */
export interface VcenterClientOptions {
  /** e.g. `https://vcenter.example.com`. */
  url: string;
  username: string;
  password: () => string;
  timeoutMs: number;
  tls?: TlsOptions;
  /** Force a URL style; by default `/api` is tried first and `/rest` used when `/api` is 404. */
  style?: ApiStyle;
}

/** vCenter `error_type`s that are not input errors although vAPI answers them with 400. */
const retryableErrorTypes: Record<string, FailureType> = {
  RESOURCE_BUSY: 'Conflict',
  CONCURRENT_CHANGE: 'Conflict',
  SERVICE_UNAVAILABLE: 'UpstreamUnavailable',
  TIMED_OUT: 'UpstreamUnavailable',
};

/** vAPI error bodies: `{"error_type": "NOT_FOUND", "messages": [{"default_message": "..."}]}`. */
export function parseVcenterError(body: unknown): UpstreamError | undefined {
  if (body && typeof body === 'object') {
    const b = body as {
      error_type?: string;
      messages?: { default_message?: string }[];
      value?: unknown;
      type?: string;
    };
    const inner = { ...((b.error_type ? b : (b.value as typeof b | undefined)) ?? b) };
    // /rest: {"type": "com.vmware.vapi.std.errors.not_found", "value": {"messages": [...]}}
    if (!inner.error_type && typeof b.type === 'string')
      inner.error_type = b.type.split('.').pop()!.toUpperCase();
    const words = (inner.messages ?? [])
      .map((m) => m.default_message)
      .filter(Boolean)
      .join('; ');
    if (inner.error_type)
      return {
        message: words || inner.error_type,
        code: inner.error_type,
        ...(retryableErrorTypes[inner.error_type] ? { type: retryableErrorTypes[inner.error_type] } : {}),
      };
  }
  return undefined;
}

/** The URL style of a vCenter: `/api` (7.0U2+) or the legacy `/rest` (6.5–7.x, wrapped in `value`). */
export type ApiStyle = 'api' | 'rest';

interface VcenterSession {
  secret: string;
}

class VcenterSessionAuth extends SessionAuth<VcenterSession> {
  constructor(
    private readonly login$: (signal: AbortSignal) => Promise<string>,
    private readonly password: () => string,
  ) {
    super();
  }
  protected async login(signal: AbortSignal): Promise<VcenterSession> {
    return { secret: await this.login$(signal) };
  }
  protected sessionHeaders(session: VcenterSession): Record<string, string> {
    return { 'vmware-api-session-id': session.secret };
  }
  protected staticSecrets(): string[] {
    return [this.password()];
  }
}

/** `/rest` renders device maps as `[{key, value}]` lists; the orchestrator reads them as maps. */
function fromKeyValueLists(info: Record<string, unknown>): VmInfo {
  const out: Record<string, unknown> = { ...info };
  for (const [name, value] of Object.entries(info)) {
    if (Array.isArray(value) && value.every((e) => e && typeof e === 'object' && 'key' in e && 'value' in e))
      out[name] = Object.fromEntries(value.map((e: { key: string; value: unknown }) => [e.key, e.value]));
  }
  return out as unknown as VmInfo;
}

/** One vCenter; shared by all activities of a worker, with one session. */
export class VcenterClient {
  readonly http: HttpClient;
  private readonly loginHttp: HttpClient;
  private readonly auth: VcenterSessionAuth;
  /** Decided at the first log-in unless configured: `/api` first, `/rest` when `/api` is 404. */
  private style: ApiStyle | undefined;

  constructor(private readonly opts: VcenterClientOptions) {
    this.style = opts.style;
    this.auth = new VcenterSessionAuth((signal) => this.createSession(signal), opts.password);
    this.http = new HttpClient({
      system: 'vcenter',
      baseUrl: opts.url,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth: this.auth,
      parseError: parseVcenterError,
    });
    // Log-in goes through a client without the session authenticator (it has no session yet);
    // its failures still scrub the password.
    this.loginHttp = new HttpClient({
      system: 'vcenter',
      baseUrl: opts.url,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth: {
        headers: async () => ({
          authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password()}`).toString('base64')}`,
        }),
        reauthenticate: async () => undefined,
        // A refused log-in is final: there is nothing to renew.
        isRefusal: () => false,
        secrets: () => [opts.password()],
      },
      parseError: parseVcenterError,
    });
  }

  /**
   * Opens a session with Basic credentials (`POST /api/session`, a bare JSON string; or
   * `POST /rest/com/vmware/cis/session`, `{"value": id}`), probing the style on first use.
   * https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/session/post
   */
  private async createSession(signal: AbortSignal): Promise<string> {
    if (this.style !== 'rest') {
      const res = await this.loginHttp.request<string>({
        call: 'createSession',
        method: 'POST',
        path: '/api/session',
        handle: this.style === undefined ? [404] : [],
        signal,
      });
      if (res.status !== 404) {
        if (typeof res.body !== 'string' || !res.body)
          throw this.loginHttp.fail('createSession', { ...res, status: 502 });
        this.style = 'api';
        return res.body;
      }
    }
    const res = await this.loginHttp.request<{ value?: string }>({
      call: 'createSession',
      method: 'POST',
      path: '/rest/com/vmware/cis/session',
      headers: { 'vmware-use-header-authn': 'true' },
      signal,
    });
    if (typeof res.body?.value !== 'string' || !res.body.value)
      throw this.loginHttp.fail('createSession', { ...res, status: 502 });
    this.style = 'rest';
    return res.body.value;
  }

  /** The URL style, logging in first when it is not known yet. */
  async apiStyle(signal?: AbortSignal): Promise<ApiStyle> {
    if (!this.style) await this.auth.headers(signal ?? new AbortController().signal);
    return this.style!;
  }

  private async list<T>(
    call: string,
    resource: string,
    filter: InventoryFilter,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const style = await this.apiStyle(signal);
    const query = Object.fromEntries(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length))
        .map(([k, v]) => [style === 'rest' ? `filter.${k}` : k, v]),
    );
    const res = await this.http.request<T[] | { value: T[] }>({
      call,
      method: 'GET',
      path: `/${style}/vcenter/${resource}`,
      query: query as InventoryFilter,
      signal,
    });
    const body = res.body;
    return (Array.isArray(body) ? body : body?.value) ?? [];
  }

  /** Lists clusters (filters `names`, `datacenters`, `folders`, `clusters`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/cluster/get */
  listClusters(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<ClusterSummary[]> {
    return this.list('listClusters', 'cluster', filter, signal);
  }

  /** Lists datastores (filters `names`, `types`, `datacenters`, `folders`, `datastores`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/datastore/get */
  listDatastores(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<DatastoreSummary[]> {
    return this.list('listDatastores', 'datastore', filter, signal);
  }

  /** Lists networks (filters `names`, `types`, `datacenters`, `folders`, `networks`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/network/get */
  listNetworks(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<NetworkSummary[]> {
    return this.list('listNetworks', 'network', filter, signal);
  }

  /** Lists folders (filters `names`, `type`, `datacenters`, `parent_folders`, `folders`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/folder/get */
  listFolders(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<FolderSummary[]> {
    return this.list('listFolders', 'folder', filter, signal);
  }

  /** Lists VMs (filters `names`, `folders`, `clusters`, `power_states`, `vms`, …; at most 4000). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/get */
  listVms(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<VmSummary[]> {
    return this.list('listVms', 'vm', filter, signal);
  }

  /** Reads a VM; undefined when it does not exist. https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/vm/get */
  async readVm(vm: string, signal?: AbortSignal): Promise<VmInfo | undefined> {
    const style = await this.apiStyle(signal);
    const res = await this.http.request<VmInfo | { value: Record<string, unknown> }>({
      call: 'readVm',
      method: 'GET',
      path: `/${style}/vcenter/vm/${encodeURIComponent(vm)}`,
      handle: [404],
      signal,
    });
    if (res.status === 404) return undefined;
    return style === 'rest'
      ? fromKeyValueLists((res.body as { value: Record<string, unknown> }).value)
      : (res.body as VmInfo);
  }

  /**
   * Reads the guest's identity as VMware Tools reports it (host name, IP address); undefined while
   * Tools are not running or the guest has reported nothing yet (503 SERVICE_UNAVAILABLE).
   * https://developer.vmware.com/apis/vsphere-automation/latest/vcenter/api/vcenter/vm/vm/guest/identity/get/
   */
  async readGuestIdentity(vm: string, signal?: AbortSignal): Promise<GuestIdentity | undefined> {
    const style = await this.apiStyle(signal);
    const res = await this.http.request<GuestIdentity | { value: GuestIdentity }>({
      call: 'readGuestIdentity',
      method: 'GET',
      path: `/${style}/vcenter/vm/${encodeURIComponent(vm)}/guest/identity`,
      handle: [503],
      signal,
    });
    if (res.status === 503) return undefined;
    return style === 'rest' ? (res.body as { value: GuestIdentity }).value : (res.body as GuestIdentity);
  }

  /**
   * Starts or stops (hard power-off) a VM. Answers `already` when vCenter says the VM is already in
   * that state (400 ALREADY_IN_DESIRED_STATE), so "ensure on/off" is idempotent.
   * https://developer.broadcom.com/xapis/vsphere-automation-api/latest/vcenter/api/vcenter/vm/vm/power/post
   */
  async powerVm(vm: string, action: 'start' | 'stop', signal?: AbortSignal): Promise<'done' | 'already'> {
    const style = await this.apiStyle(signal);
    const call = action === 'start' ? 'startVm' : 'stopVm';
    const id = encodeURIComponent(vm);
    const res = await this.http.request({
      call,
      method: 'POST',
      ...(style === 'rest'
        ? { path: `/rest/vcenter/vm/${id}/power/${action}` }
        : { path: `/api/vcenter/vm/${id}/power`, query: { action } }),
      // One /rest page documents 409 for "already in that state"; 400 is the standard mapping.
      handle: [400, 409],
      signal,
    });
    if (res.status < 300) return 'done';
    if (this.http.upstreamError(res).code === 'ALREADY_IN_DESIRED_STATE') return 'already';
    throw this.http.fail(call, res);
  }

  /** Deletes a VM (it must be powered off); `absent` when it does not exist. https://developer.broadcom.com/xapis/vsphere-automation-api/v8.0U1/vcenter/api/vcenter/vm/vm/delete */
  async deleteVm(vm: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const style = await this.apiStyle(signal);
    const res = await this.http.request({
      call: 'deleteVm',
      method: 'DELETE',
      path: `/${style}/vcenter/vm/${encodeURIComponent(vm)}`,
      handle: [404],
      signal,
    });
    return res.status === 404 ? 'absent' : 'deleted';
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.loginHttp.close()]);
  }
}
