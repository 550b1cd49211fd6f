/**
 * vCenter client for the vSphere Automation REST API (`/api`, vSphere 7.0U2+), in the API's nouns:
 * session, cluster, datastore, network, folder, vm, power.
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

export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

export interface ClusterSummary {
  cluster: string;
  name: string;
  ha_enabled?: boolean;
  drs_enabled?: boolean;
}
export interface DatastoreSummary {
  datastore: string;
  name: string;
  type: string;
  free_space?: number;
  capacity?: number;
}
export interface NetworkSummary {
  network: string;
  name: string;
  type: string;
}
export interface FolderSummary {
  folder: string;
  name: string;
  type: string;
}
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

/** Filters of the inventory lists; every given filter must match (repeatable values). */
export type InventoryFilter = Record<string, string | readonly string[] | undefined>;

export interface VcenterClientOptions {
  /** e.g. `https://vcenter.example.com`. */
  url: string;
  username: string;
  password: () => string;
  timeoutMs: number;
  tls?: TlsOptions;
}

/** vCenter `error_type`s that are not input errors although vAPI answers them with 400. */
const retryableErrorTypes: Record<string, FailureType> = {
  RESOURCE_BUSY: 'Conflict',
  CONCURRENT_CHANGE: 'Conflict',
  SERVICE_UNAVAILABLE: 'UpstreamUnavailable',
  TIMED_OUT: 'UpstreamUnavailable',
};

/** vAPI error bodies: `{"error_type": "NOT_FOUND", "messages": [{"default_message": "..."}]}`. */
export function parseVcenterError(body: unknown, text: string): UpstreamError {
  if (body && typeof body === 'object') {
    const b = body as { error_type?: string; messages?: { default_message?: string }[]; value?: unknown };
    const inner = (b.error_type ? b : (b.value as typeof b | undefined)) ?? b;
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
  return {
    message: text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 500),
  };
}

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

/** One vCenter; shared by all activities of a worker, with one session. */
export class VcenterClient {
  readonly http: HttpClient;
  private readonly loginHttp: HttpClient;

  constructor(private readonly opts: VcenterClientOptions) {
    const auth = new VcenterSessionAuth((signal) => this.createSession(signal), opts.password);
    this.http = new HttpClient({
      system: 'vcenter',
      baseUrl: `${opts.url}/api`,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth,
      parseError: parseVcenterError,
    });
    // Log-in goes through a client without the session authenticator (it has no session yet);
    // its failures still scrub the password.
    this.loginHttp = new HttpClient({
      system: 'vcenter',
      baseUrl: `${opts.url}/api`,
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

  /** Opens a session with Basic credentials; its id comes back as a bare JSON string. https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/session/post */
  private async createSession(signal: AbortSignal): Promise<string> {
    const res = await this.loginHttp.request<string>({
      call: 'createSession',
      method: 'POST',
      path: '/session',
      signal,
    });
    if (typeof res.body !== 'string' || !res.body)
      throw this.loginHttp.fail('createSession', { ...res, status: 502 });
    return res.body;
  }

  private async list<T>(
    call: string,
    path: string,
    filter: InventoryFilter,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const query = Object.fromEntries(
      Object.entries(filter).filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length)),
    );
    const res = await this.http.request<T[]>({
      call,
      method: 'GET',
      path,
      query: query as InventoryFilter,
      signal,
    });
    return res.body ?? [];
  }

  /** Lists clusters (filters `names`, `datacenters`, `folders`, `clusters`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/cluster/get */
  listClusters(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<ClusterSummary[]> {
    return this.list('listClusters', '/vcenter/cluster', filter, signal);
  }

  /** Lists datastores (filters `names`, `types`, `datacenters`, `folders`, `datastores`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/datastore/get */
  listDatastores(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<DatastoreSummary[]> {
    return this.list('listDatastores', '/vcenter/datastore', filter, signal);
  }

  /** Lists networks (filters `names`, `types`, `datacenters`, `folders`, `networks`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/network/get */
  listNetworks(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<NetworkSummary[]> {
    return this.list('listNetworks', '/vcenter/network', filter, signal);
  }

  /** Lists folders (filters `names`, `type`, `datacenters`, `parent_folders`, `folders`). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/folder/get */
  listFolders(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<FolderSummary[]> {
    return this.list('listFolders', '/vcenter/folder', filter, signal);
  }

  /** Lists VMs (filters `names`, `folders`, `clusters`, `power_states`, `vms`, …; at most 4000). https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/get */
  listVms(filter: InventoryFilter = {}, signal?: AbortSignal): Promise<VmSummary[]> {
    return this.list('listVms', '/vcenter/vm', filter, signal);
  }

  /** Reads a VM; undefined when it does not exist. https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/vm/vm/get */
  async readVm(vm: string, signal?: AbortSignal): Promise<VmInfo | undefined> {
    const res = await this.http.request<VmInfo>({
      call: 'readVm',
      method: 'GET',
      path: `/vcenter/vm/${encodeURIComponent(vm)}`,
      handle: [404],
      signal,
    });
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * Starts or stops (hard power-off) a VM. Answers `already` when vCenter says the VM is already in
   * that state (400 ALREADY_IN_DESIRED_STATE), so "ensure on/off" is idempotent.
   * https://developer.broadcom.com/xapis/vsphere-automation-api/latest/vcenter/api/vcenter/vm/vm/power/post
   */
  async powerVm(vm: string, action: 'start' | 'stop', signal?: AbortSignal): Promise<'done' | 'already'> {
    const res = await this.http.request({
      call: action === 'start' ? 'startVm' : 'stopVm',
      method: 'POST',
      path: `/vcenter/vm/${encodeURIComponent(vm)}/power`,
      query: { action },
      handle: [400],
      signal,
    });
    if (res.status !== 400) return 'done';
    if (this.http.upstreamError(res).code === 'ALREADY_IN_DESIRED_STATE') return 'already';
    throw this.http.fail(action === 'start' ? 'startVm' : 'stopVm', res);
  }

  /** Deletes a VM (it must be powered off); `absent` when it does not exist. https://developer.broadcom.com/xapis/vsphere-automation-api/v8.0U1/vcenter/api/vcenter/vm/vm/delete */
  async deleteVm(vm: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const res = await this.http.request({
      call: 'deleteVm',
      method: 'DELETE',
      path: `/vcenter/vm/${encodeURIComponent(vm)}`,
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
