/**
 * HCP Terraform / Terraform Enterprise API v2 client (JSON:API), named like hashicorp/go-tfe:
 * Workspace, Variable, ConfigurationVersion, Run, StateVersionOutput; create, read, update,
 * apply, discard, cancel. Authenticates with a bearer token (user or team token: an organization
 * token cannot create runs); on a 401 the token is re-read once from its source, then the call
 * fails as Unauthorized. 429 carries the delay from `Retry-After` / `X-RateLimit-Reset`.
 * API reference: https://developer.hashicorp.com/terraform/cloud-docs/api-docs
 */
import { BearerTokenAuth, HttpClient, type TlsOptions, type TokenSource, type UpstreamError } from '../http';

/** Statuses a run reaches once it has been confirmed: its apply has started. */
export const applyStartedRunStatuses = [
  'confirmed',
  'queuing_apply',
  'apply_queued',
  'pre_apply_running',
  'pre_apply_completed',
  'applying',
  'post_apply_running',
  'post_apply_completed',
  'applied',
] as const;

/** Run status strings, verbatim from the API (and go-tfe's RunStatus). */
export const runStatuses = [
  'pending',
  'fetching',
  'fetching_completed',
  'pre_plan_running',
  'pre_plan_completed',
  'queuing',
  'plan_queued',
  'planning',
  'planned',
  'cost_estimating',
  'cost_estimated',
  'policy_checking',
  'policy_override',
  'policy_soft_failed',
  'policy_checked',
  'post_plan_running',
  'post_plan_completed',
  'post_plan_awaiting_decision',
  'planned_and_finished',
  'planned_and_saved',
  ...applyStartedRunStatuses,
  'discarded',
  'errored',
  'canceled',
  'force_canceled',
] as const;

export type RunStatus = (typeof runStatuses)[number];

/** Statuses after which a run never changes again (`policy_soft_failed` only ends plan-only runs). */
export const finishedRunStatuses: readonly RunStatus[] = [
  'applied',
  'planned_and_finished',
  'planned_and_saved',
  'errored',
  'discarded',
  'canceled',
  'force_canceled',
];

/** Configuration version status strings, verbatim. */
export type ConfigurationVersionStatus = 'pending' | 'fetching' | 'uploaded' | 'archived' | 'errored';

/** A JSON:API resource object. */
export interface Resource<A> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Record<
    string,
    { data?: { id: string; type: string } | { id: string; type: string }[] | null }
  >;
  links?: Record<string, string>;
}

interface Document<T> {
  data: T;
  meta?: { pagination?: { 'current-page': number; 'next-page': number | null; 'total-pages'?: number } };
  links?: { next?: string | null };
}

/** Workspace attributes the tasks set and read. */
export interface WorkspaceAttributes {
  name: string;
  'auto-apply'?: boolean;
  'execution-mode'?: string;
  'terraform-version'?: string;
  description?: string | null;
  'working-directory'?: string | null;
  locked?: boolean;
}

/** Workspace variable attributes (`vars`). */
export interface VariableAttributes {
  key: string;
  value?: string | null;
  description?: string | null;
  category: 'terraform' | 'env';
  hcl?: boolean;
  sensitive?: boolean;
}

/** Configuration version attributes; `upload-url` only in the create answer. */
export interface ConfigurationVersionAttributes {
  status: ConfigurationVersionStatus;
  'upload-url'?: string | null;
  'auto-queue-runs'?: boolean;
  speculative?: boolean;
  error?: string | null;
  'error-message'?: string | null;
}

/** What a run allows now; decisions read these flags, not the status alone. */
export interface RunActions {
  'is-cancelable'?: boolean;
  'is-confirmable'?: boolean;
  'is-discardable'?: boolean;
  'is-force-cancelable'?: boolean;
}

/** Run attributes the tasks read. */
export interface RunAttributes {
  status: RunStatus;
  message?: string;
  actions?: RunActions;
  'has-changes'?: boolean;
  'is-destroy'?: boolean;
  'auto-apply'?: boolean;
  'plan-only'?: boolean;
  'created-at'?: string;
  'status-timestamps'?: Record<string, string>;
  'position-in-queue'?: number;
}

/** The attributes of `POST /runs`. */
export interface RunCreateOptions {
  message: string;
  'auto-apply'?: boolean;
  'is-destroy'?: boolean;
  refresh?: boolean;
  'plan-only'?: boolean;
  'target-addrs'?: string[];
  'replace-addrs'?: string[];
  variables?: { key: string; value: string }[];
}

/** One output of a state version. */
export interface StateVersionOutputAttributes {
  name: string;
  sensitive: boolean;
  type?: string;
  value: unknown;
  'detailed-type'?: unknown;
}

/** Where TFE is and where its token comes from. */
export interface TfeClientOptions {
  /** e.g. `https://app.terraform.io` or `https://tfe.example.com`. */
  url: string;
  token: TokenSource;
  timeoutMs: number;
  tls?: TlsOptions;
  /** This process's pace of requests (TFE_MAX_REQUESTS_PER_SECOND). */
  maxRequestsPerSecond?: number;
}

/** JSON:API error documents: `{"errors": [{"status", "title", "detail", "source": {"pointer"}}]}`. */
export function parseTfeError(body: unknown): UpstreamError | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length) {
    const parts = errors.map((e: { title?: string; detail?: string; source?: { pointer?: string } }) => {
      const words = [e.title, e.detail].filter(Boolean).join(': ');
      return e.source?.pointer ? `${words} (${e.source.pointer})` : words;
    });
    const first = errors[0] as { title?: string };
    return { message: parts.join('; '), ...(first.title ? { code: first.title } : {}) };
  }
  return undefined;
}

const enc = encodeURIComponent;

/** One TFE / HCP Terraform endpoint; shared by all activities of a worker. */
export class TfeClient {
  readonly http: HttpClient;

  constructor(opts: TfeClientOptions) {
    this.http = new HttpClient({
      system: 'tfe',
      baseUrl: `${opts.url}/api/v2`,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth: new BearerTokenAuth(opts.token),
      jsonContentType: 'application/vnd.api+json',
      parseError: parseTfeError,
      ...(opts.maxRequestsPerSecond ? { maxRequestsPerSecond: opts.maxRequestsPerSecond } : {}),
    });
  }

  private async get<T>(
    call: string,
    path: string,
    signal?: AbortSignal,
    query?: Record<string, string | number>,
  ) {
    const res = await this.http.request<Document<T>>({
      call,
      method: 'GET',
      path,
      query,
      headers: { accept: 'application/vnd.api+json' },
      signal,
    });
    return res.body;
  }

  /** Reads a workspace by name; undefined when absent (or hidden from this token). https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#show-workspace */
  async readWorkspace(
    organization: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Resource<WorkspaceAttributes> | undefined> {
    const res = await this.http.request<Document<Resource<WorkspaceAttributes>>>({
      call: 'readWorkspace',
      method: 'GET',
      path: `/organizations/${enc(organization)}/workspaces/${enc(name)}`,
      headers: { accept: 'application/vnd.api+json' },
      handle: [404],
      signal,
    });
    return res.status === 404 ? undefined : res.body.data;
  }

  /**
   * Creates a workspace; undefined when the name is already taken (422), so an "ensure" can read
   * it instead. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#create-a-workspace
   */
  async createWorkspace(
    organization: string,
    attributes: WorkspaceAttributes,
    signal?: AbortSignal,
  ): Promise<Resource<WorkspaceAttributes> | undefined> {
    const res = await this.http.request<Document<Resource<WorkspaceAttributes>>>({
      call: 'createWorkspace',
      method: 'POST',
      path: `/organizations/${enc(organization)}/workspaces`,
      json: { data: { type: 'workspaces', attributes } },
      handle: [422],
      signal,
    });
    if (res.status === 422) {
      const upstream = this.http.upstreamError(res);
      if (/taken|already exists/i.test(upstream.message)) return undefined;
      throw this.http.fail('createWorkspace', res);
    }
    return res.body.data;
  }

  /** Updates a workspace's settings. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#update-a-workspace */
  async updateWorkspace(
    id: string,
    attributes: Partial<WorkspaceAttributes>,
    signal?: AbortSignal,
  ): Promise<Resource<WorkspaceAttributes>> {
    const res = await this.http.request<Document<Resource<WorkspaceAttributes>>>({
      call: 'updateWorkspace',
      method: 'PATCH',
      path: `/workspaces/${enc(id)}`,
      json: { data: { type: 'workspaces', attributes } },
      signal,
    });
    return res.body.data;
  }

  /** Lists a workspace's variables. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspace-variables#list-variables */
  async listVariables(workspaceId: string, signal?: AbortSignal): Promise<Resource<VariableAttributes>[]> {
    return (
      await this.get<Resource<VariableAttributes>[]>(
        'listVariables',
        `/workspaces/${enc(workspaceId)}/vars`,
        signal,
      )
    ).data;
  }

  /** Creates a workspace variable. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspace-variables#create-a-variable */
  async createVariable(
    workspaceId: string,
    attributes: VariableAttributes,
    signal?: AbortSignal,
  ): Promise<Resource<VariableAttributes>> {
    const res = await this.http.request<Document<Resource<VariableAttributes>>>({
      call: 'createVariable',
      method: 'POST',
      path: `/workspaces/${enc(workspaceId)}/vars`,
      json: { data: { type: 'vars', attributes } },
      signal,
    });
    return res.body.data;
  }

  /** Updates a workspace variable. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspace-variables#update-variables */
  async updateVariable(
    workspaceId: string,
    variableId: string,
    attributes: Partial<VariableAttributes>,
    signal?: AbortSignal,
  ): Promise<Resource<VariableAttributes>> {
    const res = await this.http.request<Document<Resource<VariableAttributes>>>({
      call: 'updateVariable',
      method: 'PATCH',
      path: `/workspaces/${enc(workspaceId)}/vars/${enc(variableId)}`,
      json: { data: { type: 'vars', id: variableId, attributes } },
      signal,
    });
    return res.body.data;
  }

  /** Creates a configuration version; its `upload-url` appears only in this answer. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/configuration-versions#create-a-configuration-version */
  async createConfigurationVersion(
    workspaceId: string,
    attributes: { 'auto-queue-runs': boolean; speculative: boolean },
    signal?: AbortSignal,
  ): Promise<Resource<ConfigurationVersionAttributes>> {
    const res = await this.http.request<Document<Resource<ConfigurationVersionAttributes>>>({
      call: 'createConfigurationVersion',
      method: 'POST',
      path: `/workspaces/${enc(workspaceId)}/configuration-versions`,
      json: { data: { type: 'configuration-versions', attributes } },
      signal,
    });
    return res.body.data;
  }

  /**
   * Uploads the `.tar.gz` of a root module to a configuration version's upload URL. The URL is
   * its own credential: no bearer token is sent, and the URL never appears in a failure.
   * https://developer.hashicorp.com/terraform/cloud-docs/api-docs/configuration-versions#upload-configuration-files
   */
  async uploadConfiguration(uploadUrl: string, archive: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      call: 'uploadConfiguration',
      method: 'PUT',
      path: uploadUrl,
      body: archive,
      contentType: 'application/octet-stream',
      authenticate: false,
      describeAs: 'PUT <upload-url>',
      signal,
    });
  }

  /** Reads a configuration version's status. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/configuration-versions#show-a-configuration-version */
  async readConfigurationVersion(
    id: string,
    signal?: AbortSignal,
  ): Promise<Resource<ConfigurationVersionAttributes>> {
    return (
      await this.get<Resource<ConfigurationVersionAttributes>>(
        'readConfigurationVersion',
        `/configuration-versions/${enc(id)}`,
        signal,
      )
    ).data;
  }

  /** Creates a run. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#create-a-run */
  async createRun(
    workspaceId: string,
    configurationVersionId: string | undefined,
    attributes: RunCreateOptions,
    signal?: AbortSignal,
  ): Promise<Resource<RunAttributes>> {
    const res = await this.http.request<Document<Resource<RunAttributes>>>({
      call: 'createRun',
      method: 'POST',
      path: '/runs',
      json: {
        data: {
          type: 'runs',
          attributes,
          relationships: {
            workspace: { data: { type: 'workspaces', id: workspaceId } },
            ...(configurationVersionId
              ? {
                  'configuration-version': {
                    data: { type: 'configuration-versions', id: configurationVersionId },
                  },
                }
              : {}),
          },
        },
      },
      signal,
    });
    return res.body.data;
  }

  /**
   * Lists a workspace's runs, newest first, with the API's own filters (`search[basic]` matches
   * run ID, message, commit and user). Limited upstream to 30 requests a minute: for lookups only,
   * never for polling. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#list-runs-in-a-workspace
   */
  async listRuns(
    workspaceId: string,
    query: Record<string, string | number>,
    signal?: AbortSignal,
  ): Promise<{ runs: Resource<RunAttributes>[]; nextPage: number | null }> {
    const doc = await this.get<Resource<RunAttributes>[]>(
      'listRuns',
      `/workspaces/${enc(workspaceId)}/runs`,
      signal,
      query,
    );
    return { runs: doc.data, nextPage: doc.meta?.pagination?.['next-page'] ?? null };
  }

  /** Reads a run. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#get-run-details */
  async readRun(id: string, signal?: AbortSignal): Promise<Resource<RunAttributes>> {
    return (await this.get<Resource<RunAttributes>>('readRun', `/runs/${enc(id)}`, signal)).data;
  }

  /**
   * Reads a run's plan or apply: its status and its log's URL.
   * https://developer.hashicorp.com/terraform/cloud-docs/api-docs/plans#show-a-plan
   * https://developer.hashicorp.com/terraform/cloud-docs/api-docs/applies#show-an-apply
   */
  async readRunPhase(
    kind: 'plans' | 'applies',
    id: string,
    signal?: AbortSignal,
  ): Promise<Resource<{ status: string; 'log-read-url'?: string }>> {
    const call = kind === 'plans' ? 'readPlan' : 'readApply';
    return (
      await this.get<Resource<{ status: string; 'log-read-url'?: string }>>(
        call,
        `/${kind}/${enc(id)}`,
        signal,
      )
    ).data;
  }

  /**
   * Reads a plan's or apply's log from its archivist URL (its own credential: no token sent, the
   * URL never shown), without the STX/ETX framing, scrubbed of the credentials this client knows.
   * https://developer.hashicorp.com/terraform/cloud-docs/api-docs/plans#retrieving-plan-log-files
   */
  async readLog(logReadUrl: string, signal?: AbortSignal): Promise<string> {
    const res = await this.http.request({
      call: 'readLog',
      method: 'GET',
      path: logReadUrl,
      headers: { accept: 'text/plain' },
      authenticate: false,
      describeAs: 'GET <log-read-url>',
      signal,
    });
    const framing = new Set([String.fromCharCode(2), String.fromCharCode(3)]);
    return this.http.scrub([...res.text].filter((c) => !framing.has(c)).join(''));
  }

  private async action(
    call: string,
    id: string,
    verb: string,
    comment: string | undefined,
    signal?: AbortSignal,
  ) {
    const res = await this.http.request({
      call,
      method: 'POST',
      path: `/runs/${enc(id)}/actions/${verb}`,
      ...(comment ? { json: { comment } } : {}),
      handle: [409],
      signal,
    });
    return res.status === 409
      ? { accepted: false, conflict: this.http.upstreamError(res).message }
      : { accepted: true };
  }

  /** Applies a run waiting for confirmation; `accepted: false` on 409 (not confirmable now). https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#apply-a-run */
  applyRun(id: string, comment?: string, signal?: AbortSignal) {
    return this.action('applyRun', id, 'apply', comment, signal);
  }

  /** Discards a run waiting for confirmation; `accepted: false` on 409. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#discard-a-run */
  discardRun(id: string, comment?: string, signal?: AbortSignal) {
    return this.action('discardRun', id, 'discard', comment, signal);
  }

  /** Cancels a planning or applying run; `accepted: false` on 409. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#cancel-a-run */
  cancelRun(id: string, comment?: string, signal?: AbortSignal) {
    return this.action('cancelRun', id, 'cancel', comment, signal);
  }

  /**
   * Reads the outputs of a workspace's current state; undefined when it has no state yet.
   * Sensitive values come back null. https://developer.hashicorp.com/terraform/cloud-docs/api-docs/state-version-outputs#show-current-state-version-outputs-for-a-workspace
   */
  async readCurrentStateVersionOutputs(
    workspaceId: string,
    signal?: AbortSignal,
  ): Promise<Resource<StateVersionOutputAttributes>[] | undefined> {
    const res = await this.http.request<Document<Resource<StateVersionOutputAttributes>[]>>({
      call: 'readCurrentStateVersionOutputs',
      method: 'GET',
      path: `/workspaces/${enc(workspaceId)}/current-state-version-outputs`,
      headers: { accept: 'application/vnd.api+json' },
      handle: [404],
      signal,
    });
    return res.status === 404 ? undefined : res.body.data;
  }
}
