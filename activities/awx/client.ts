/**
 * AWX / Ansible Automation Controller REST API v2 client, in the API's own nouns: job templates,
 * launch, jobs, stdout, cancel. Authenticates with a bearer token (OAuth2 / personal access
 * token); on a 401 the token is re-read once from its source (a rotated secrets file), then the
 * call fails as Unauthorized. Paths keep AWX's mandatory trailing slash.
 * API reference: https://docs.ansible.com/automation-controller/latest/html/controllerapi/
 */
import { BearerTokenAuth, HttpClient, type TlsOptions, type TokenSource, type UpstreamError } from '../http';

/** The statuses after which a job never changes again. */
const finishedJobStatuses = ['successful', 'failed', 'error', 'canceled'] as const;

/** Job status strings, verbatim from AWX (`awx/main/models/unified_jobs.py`). */
export const jobStatuses = ['new', 'pending', 'waiting', 'running', ...finishedJobStatuses] as const;

export type JobStatus = (typeof jobStatuses)[number];

/** Whether a job has reached a status it never leaves. */
export const isFinishedJob = (status: JobStatus): boolean =>
  (finishedJobStatuses as readonly JobStatus[]).includes(status);

/** AWX's list envelope. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The job template fields the tasks read (`GET /job_templates/{id}/`). */
export interface JobTemplate {
  id: number;
  name: string;
  description?: string;
  organization?: number | null;
  inventory?: number | null;
  project?: number | null;
  playbook?: string;
  ask_variables_on_launch?: boolean;
  ask_limit_on_launch?: boolean;
  ask_inventory_on_launch?: boolean;
  survey_enabled?: boolean;
  allow_simultaneous?: boolean;
  summary_fields?: { organization?: { id: number; name: string } };
}

/** The job fields a poller needs (`GET /jobs/{id}/`). */
export interface Job {
  id: number;
  name?: string;
  status: JobStatus;
  failed: boolean;
  started: string | null;
  finished: string | null;
  elapsed: number;
  job_explanation?: string;
  job_template?: number | null;
  launch_type?: string;
  /** JSON text; absent from list answers of newer AWX unless asked for. */
  extra_vars?: string;
  artifacts?: Record<string, unknown>;
  event_processing_finished?: boolean;
  created?: string;
}

/** The body of `POST /job_templates/{id}/launch/`; each field applies only if the JT prompts for it. */
export interface LaunchOptions {
  extra_vars?: Record<string, unknown>;
  limit?: string;
  inventory?: number;
  credentials?: number[];
  job_type?: 'run' | 'check';
  job_tags?: string;
  skip_tags?: string;
  verbosity?: number;
  diff_mode?: boolean;
  scm_branch?: string;
}

/** A launch answer: the job fields plus `job` and `ignored_fields`. */
export interface LaunchedJob extends Job {
  job: number;
  ignored_fields: Record<string, unknown>;
}

/** Where the controller is and where its token comes from. */
export interface AwxClientOptions {
  /** e.g. `https://awx.example.com`. */
  url: string;
  /** `/api/v2`, or `/api/controller/v2` behind the AAP 2.5+ gateway. */
  apiPrefix: string;
  token: TokenSource;
  timeoutMs: number;
  tls?: TlsOptions;
}

/** AWX error bodies: `{"detail": "..."}` or `{"field": ["msg", ...], "__all__": [...]}`. */
export function parseAwxError(body: unknown): UpstreamError | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (typeof record.detail === 'string') return { message: record.detail };
    const parts = Object.entries(record).map(([field, value]) => {
      const msgs = Array.isArray(value) ? value.map(String).join(' ') : JSON.stringify(value);
      return field === '__all__' ? msgs : `${field}: ${msgs}`;
    });
    if (parts.length) return { message: parts.join('; ') };
  }
  return undefined;
}

/** One AWX controller; shared by all activities of a worker. */
export class AwxClient {
  readonly http: HttpClient;

  constructor(opts: AwxClientOptions) {
    this.http = new HttpClient({
      system: 'awx',
      baseUrl: `${opts.url}${opts.apiPrefix}`,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth: new BearerTokenAuth(opts.token),
      parseError: parseAwxError,
    });
  }

  /** Lists job templates matching AWX field filters. https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Job_Templates/Job_Templates_job_templates_list */
  async listJobTemplates(
    filters: Record<string, string | number>,
    signal?: AbortSignal,
  ): Promise<Page<JobTemplate>> {
    const res = await this.http.request<Page<JobTemplate>>({
      call: 'listJobTemplates',
      method: 'GET',
      path: '/job_templates/',
      query: filters,
      signal,
    });
    return res.body;
  }

  /** Reads one job template. https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Job_Templates/Job_Templates_job_templates_read */
  async readJobTemplate(id: number, signal?: AbortSignal): Promise<JobTemplate> {
    const res = await this.http.request<JobTemplate>({
      call: 'readJobTemplate',
      method: 'GET',
      path: `/job_templates/${id}/`,
      signal,
    });
    return res.body;
  }

  /** Launches a job template; answers 201 even when it ignored fields. https://docs.ansible.com/automation-controller/latest/html/controllerapi/launch_jobtemplate.html */
  async launchJobTemplate(id: number, options: LaunchOptions, signal?: AbortSignal): Promise<LaunchedJob> {
    const res = await this.http.request<LaunchedJob>({
      call: 'launchJobTemplate',
      method: 'POST',
      path: `/job_templates/${id}/launch/`,
      json: options,
      signal,
    });
    return res.body;
  }

  /** Lists jobs matching AWX field filters (`job_template`, `created__gte`, `order_by`, …). https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Jobs/Jobs_jobs_list */
  async listJobs(filters: Record<string, string | number>, signal?: AbortSignal): Promise<Page<Job>> {
    const res = await this.http.request<Page<Job>>({
      call: 'listJobs',
      method: 'GET',
      path: '/jobs/',
      query: filters,
      signal,
    });
    return res.body;
  }

  /** Follows a list answer's `next` link (a path relative to the host). https://docs.ansible.com/automation-controller/latest/html/controllerapi/pagination.html */
  async nextPage<T>(page: Page<T>, signal?: AbortSignal): Promise<Page<T> | undefined> {
    if (!page.next) return undefined;
    const res = await this.http.request<Page<T>>({
      call: 'nextPage',
      method: 'GET',
      path: page.next,
      signal,
    });
    return res.body;
  }

  /** Reads one job. https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Jobs/Jobs_jobs_read */
  async readJob(id: number, signal?: AbortSignal): Promise<Job> {
    const res = await this.http.request<Job>({
      call: 'readJob',
      method: 'GET',
      path: `/jobs/${id}/`,
      signal,
    });
    return res.body;
  }

  /** Reads a job's standard output as plain text (ANSI stripped). https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Jobs/Jobs_jobs_stdout_read */
  async readJobStdout(id: number, format: 'txt' | 'ansi' = 'txt', signal?: AbortSignal): Promise<string> {
    const res = await this.http.request<unknown>({
      call: 'readJobStdout',
      method: 'GET',
      path: `/jobs/${id}/stdout/`,
      query: { format },
      headers: { accept: 'text/plain' },
      signal,
    });
    return res.text;
  }

  /**
   * Asks AWX to cancel a job: true when accepted (202), false when the job can no longer be
   * canceled (405, it already finished). https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html#/Jobs/Jobs_jobs_cancel_create
   */
  async cancelJob(id: number, signal?: AbortSignal): Promise<boolean> {
    const res = await this.http.request({
      call: 'cancelJob',
      method: 'POST',
      path: `/jobs/${id}/cancel/`,
      handle: [405],
      signal,
    });
    return res.status !== 405;
  }
}
