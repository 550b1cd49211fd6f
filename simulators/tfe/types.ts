/**
 * The TFE section of the lab world: organizations, workspaces, variables, configuration versions,
 * runs with their plans and applies, state versions and outputs, and the archivist's secret blob
 * URLs. Field names follow the API's attributes (snake_case here, kebab-case on the wire).
 */

/** Run statuses the simulator moves through, verbatim from the API. */
export type RunStatus =
  | 'pending'
  | 'plan_queued'
  | 'planning'
  | 'planned'
  | 'confirmed'
  | 'apply_queued'
  | 'applying'
  | 'applied'
  | 'planned_and_finished'
  | 'discarded'
  | 'errored'
  | 'canceled'
  | 'force_canceled';

/** Statuses after which a run never changes. */
export const terminalRunStatuses: ReadonlySet<RunStatus> = new Set([
  'applied',
  'planned_and_finished',
  'discarded',
  'errored',
  'canceled',
  'force_canceled',
]);

/** Plan and apply statuses, verbatim. */
export type PhaseStatus =
  'pending' | 'queued' | 'running' | 'finished' | 'errored' | 'canceled' | 'unreachable';

/** Configuration version statuses, verbatim. */
export type ConfigurationVersionStatus = 'pending' | 'uploaded' | 'archived' | 'errored';

/** An organization, addressed by name as in the API. */
export interface TfeOrganization {
  name: string;
  email: string;
  created_at: string;
  /** Workspaces land in the organization's default project unless told otherwise. */
  default_project_id: string;
}

/** A workspace (`ws-…`) and the pointers to its current run, state and configuration. */
export interface TfeWorkspace {
  id: string;
  organization: string;
  name: string;
  description: string | null;
  auto_apply: boolean;
  allow_destroy_plan: boolean;
  queue_all_runs: boolean;
  speculative_enabled: boolean;
  execution_mode: 'remote' | 'local' | 'agent';
  terraform_version: string;
  working_directory: string | null;
  /** Locked by hand through actions/lock (a run in progress locks it implicitly). */
  manually_locked: boolean;
  created_at: string;
  updated_at: string;
  current_run_id: string | null;
  latest_run_id: string | null;
  current_state_version_id: string | null;
  current_configuration_version_id: string | null;
}

/** A workspace variable (`var-…`); a sensitive value is stored but never served. */
export interface TfeVar {
  id: string;
  workspace_id: string;
  key: string;
  value: string;
  description: string | null;
  category: 'terraform' | 'env';
  hcl: boolean;
  sensitive: boolean;
  version_id: string;
  created_at: string;
}

/** A configuration version (`cv-…`) with the module files its upload carried. */
export interface TfeConfigurationVersion {
  id: string;
  workspace_id: string;
  status: ConfigurationVersionStatus;
  source: 'tfe-api';
  auto_queue_runs: boolean;
  speculative: boolean;
  error: string | null;
  error_message: string | null;
  status_timestamps: Record<string, string>;
  /** The archive's `*.tf`, `*.tf.json`, `*.tfvars` and `*.tfvars.json` files (path → text). */
  files: Record<string, string>;
  /** Names of other files in the archive, kept so a plan can say what it could not read. */
  other_files: string[];
  /** When the upload finishes processing (epoch ms), while status is pending after a PUT. */
  upload_done_at: number | null;
  /** What processing the uploaded archive found, shown once `upload_done_at` has passed. */
  upload_outcome: {
    status: 'uploaded' | 'errored';
    error: string | null;
    error_message: string | null;
  } | null;
  created_at: string;
}

/** A planned change to one resource. */
export interface PlannedChange {
  address: string;
  action: 'create' | 'update' | 'delete' | 'replace';
  /** Desired attributes (create/update/replace). */
  after: Record<string, unknown> | null;
}

/** A run's plan (`plan-…`) or apply (`apply-…`) with its log and resource counts. */
export interface TfePhase {
  id: string;
  run_id: string;
  status: PhaseStatus;
  status_timestamps: Record<string, string>;
  log: string;
  /** True when the log will not grow any more (ETX is sent). */
  log_complete: boolean;
  log_secret: string;
  resource_additions: number;
  resource_changes: number;
  resource_destructions: number;
}

/** A run (`run-…`) with what it was asked to do and where it is in its lifecycle. */
export interface TfeRun {
  id: string;
  workspace_id: string;
  configuration_version_id: string;
  plan_id: string;
  apply_id: string;
  status: RunStatus;
  status_timestamps: Record<string, string>;
  message: string;
  source: 'tfe-api' | 'tfe-configuration-version';
  trigger_reason: 'manual';
  is_destroy: boolean;
  auto_apply: boolean;
  plan_only: boolean;
  refresh: boolean;
  refresh_only: boolean;
  target_addrs: string[] | null;
  replace_addrs: string[] | null;
  variables: { key: string; value: string }[];
  has_changes: boolean;
  created_at: string;
  canceled_at: string | null;
  /** The plan's changes, applied as planned. */
  planned_changes: PlannedChange[];
  /** A "this run fails" rule taken when planning started: where it fails and why. */
  injected_failure: { phase: 'plan' | 'apply'; message: string } | null;
  /** Simulator bookkeeping: when the next status change is due (epoch ms), or null when waiting. */
  next_transition_at: number | null;
}

/** A resource as recorded in state. */
export interface StateResource {
  type: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** A state version (`sv-…`): the resources an apply left and the ids of its outputs. */
export interface TfeStateVersion {
  id: string;
  workspace_id: string;
  run_id: string | null;
  serial: number;
  created_at: string;
  resources: StateResource[];
  output_ids: string[];
  download_secret: string;
}

/** One root module output of a state version (`wsout-…`). */
export interface TfeStateVersionOutput {
  id: string;
  state_version_id: string;
  name: string;
  sensitive: boolean;
  type: string;
  value: unknown;
}

/** What an archivist secret path serves. */
export type ArchivistObject =
  | { kind: 'upload'; configuration_version_id: string }
  | { kind: 'plan-log'; plan_id: string }
  | { kind: 'apply-log'; apply_id: string }
  | { kind: 'state'; state_version_id: string };

/** The whole TFE section. */
export interface TfeSection {
  organizations: Record<string, TfeOrganization>;
  workspaces: Record<string, TfeWorkspace>;
  vars: Record<string, TfeVar>;
  configuration_versions: Record<string, TfeConfigurationVersion>;
  runs: Record<string, TfeRun>;
  plans: Record<string, TfePhase>;
  applies: Record<string, TfePhase>;
  state_versions: Record<string, TfeStateVersion>;
  state_version_outputs: Record<string, TfeStateVersionOutput>;
  archivist: Record<string, ArchivistObject>;
  /**
   * Rate limits (requests per second per token; run list requests per minute), and how many runs
   * of one organization plan or apply at once (`run_concurrency`; absent or null: no limit). A
   * run beyond it waits `plan_queued` / `apply_queued`, first queued first served, as HCP
   * Terraform's runs wait for the organization's concurrency.
   */
  settings: { rate_limit_per_second: number; run_list_per_minute: number; run_concurrency?: number | null };
}
