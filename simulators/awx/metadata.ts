/**
 * AWX's answer to `OPTIONS` (awx/api/metadata.py): the view's name and description, the media
 * types, `actions` describing the fields of each method (GET: what a read returns, with
 * `filterable`; POST: what a write takes, with `required` and `default`), the object `types`,
 * `search_fields` and, on lists, `max_page_size`. The `awx` CLI builds its commands from this:
 * list filters from `actions.GET` (fields with `filterable: false` are skipped), launch options
 * from `actions.POST` of `/job_templates/{id}/launch/`, and detail actions from the `Allow` header.
 */

/** One field as AWX's metadata describes it. */
export interface FieldInfo {
  type: string;
  label?: string;
  help_text?: string;
  filterable?: boolean;
  required?: boolean;
  default?: unknown;
  choices?: Array<[unknown, string]>;
  max_length?: number;
}

/** What an endpoint's OPTIONS says about it. */
export interface EndpointMeta {
  name: string;
  description: string;
  /** The object type(s) the endpoint serves. */
  types?: string[];
  /** An object as the endpoint's GET returns it, to describe its fields; none for non-model views. */
  sample?: () => Record<string, unknown> | undefined;
  /** The fields a POST takes. */
  post?: Record<string, FieldInfo>;
  list?: boolean;
  searchFields?: string[];
}

/** Foreign keys: AWX types them `id` (the CLI then accepts an id or a name). */
const foreignKeys = new Set([
  'organization',
  'inventory',
  'project',
  'job_template',
  'unified_job_template',
  'user',
  'application',
  'execution_environment',
  'instance_group',
  'webhook_credential',
  'job',
  'host',
  'default_environment',
  'credential',
]);

/** Serializer-computed fields: not model fields, so not filterable. */
const computed = new Set([
  'url',
  'related',
  'summary_fields',
  'passwords_needed_to_start',
  'event_processing_finished',
  'launched_by',
  'last_job_run',
  'last_job_failed',
  'next_job_run',
  'status',
  'ignored_fields',
  'event_display',
  'event_level',
  'host_name',
  'has_active_failures',
  'total_hosts',
  'job_slice_number',
  'playbook_choices',
]);

export const statusChoices: Array<[string, string]> = [
  ['new', 'New'],
  ['pending', 'Pending'],
  ['waiting', 'Waiting'],
  ['running', 'Running'],
  ['successful', 'Successful'],
  ['failed', 'Failed'],
  ['error', 'Error'],
  ['canceled', 'Canceled'],
];
export const jobTypeChoices: Array<[string, string]> = [
  ['run', 'Run'],
  ['check', 'Check'],
];
export const verbosityChoices: Array<[number, string]> = [
  [0, '0 (Normal)'],
  [1, '1 (Verbose)'],
  [2, '2 (More Verbose)'],
  [3, '3 (Debug)'],
  [4, '4 (Connection Debug)'],
  [5, '5 (WinRM Debug)'],
];
const launchTypeChoices: Array<[string, string]> = [
  ['manual', 'Manual'],
  ['relaunch', 'Relaunch'],
  ['callback', 'Callback'],
  ['scheduled', 'Scheduled'],
  ['dependency', 'Dependency'],
  ['workflow', 'Workflow'],
  ['webhook', 'Webhook'],
  ['sync', 'Sync'],
  ['scm', 'SCM Update'],
];
const scopeChoices: Array<[string, string]> = [
  ['read', 'Read'],
  ['write', 'Write'],
];

const choicesByField: Record<string, Array<[unknown, string]>> = {
  status: statusChoices,
  job_type: jobTypeChoices,
  verbosity: verbosityChoices,
  launch_type: launchTypeChoices,
  scope: scopeChoices,
};

/** JSON-holding text fields (AWX's `accepts_json`). */
const jsonFields = new Set(['extra_vars', 'variables', 'artifacts', 'event_data']);

/** Django's verbose name of a field, as DRF's label shows it. */
function label(field: string): string {
  if (field === 'id') return 'ID';
  if (field === 'url') return 'Url';
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function describeValue(field: string, value: unknown, type: string | undefined): FieldInfo {
  const info: FieldInfo = { type: 'string', label: label(field) };
  if (field === 'type') {
    info.type = 'choice';
    info.choices = type ? [[type, label(type)]] : [];
  } else if (field === 'related' || field === 'summary_fields') info.type = 'object';
  else if (
    field === 'created' ||
    field === 'modified' ||
    field === 'started' ||
    field === 'finished' ||
    field === 'canceled_on'
  )
    info.type = 'datetime';
  else if (foreignKeys.has(field)) info.type = 'id';
  else if (choicesByField[field]) {
    info.type = 'choice';
    info.choices = choicesByField[field];
  } else if (jsonFields.has(field)) info.type = 'json';
  else if (field === 'elapsed') info.type = 'decimal';
  else if (typeof value === 'boolean') info.type = 'boolean';
  else if (typeof value === 'number') info.type = 'integer';
  else if (Array.isArray(value)) info.type = 'list';
  else if (value !== null && typeof value === 'object') info.type = 'json';
  if (field === 'id') info.help_text = `Database ID for this ${type?.replace(/_/g, ' ') ?? 'object'}.`;
  if (field === 'name') info.help_text = `Name of this ${type?.replace(/_/g, ' ') ?? 'object'}.`;
  info.filterable = field === 'type' ? false : !computed.has(field);
  // AWX's job status is a model field: filterable despite being recomputed for templates.
  if (field === 'status' && type !== 'job_template' && type !== 'project') info.filterable = true;
  return info;
}

/** The `actions.GET` of an object: every field it serves, described. */
export function describeFields(sample: Record<string, unknown>): Record<string, FieldInfo> {
  const type = typeof sample.type === 'string' ? sample.type : undefined;
  return Object.fromEntries(
    Object.entries(sample).map(([field, value]) => [field, describeValue(field, value, type)]),
  );
}

/** The OPTIONS body of an endpoint. */
export function metadata(meta: EndpointMeta) {
  const sample = meta.sample?.();
  const actions: Record<string, Record<string, FieldInfo>> = {};
  if (sample) actions.GET = describeFields(sample);
  if (meta.post) actions.POST = meta.post;
  return {
    name: meta.name,
    description: meta.description,
    renders: ['application/json', 'text/html'],
    parses: ['application/json'],
    ...(Object.keys(actions).length > 0 ? { actions } : {}),
    ...(meta.types ? { types: meta.types } : {}),
    ...(meta.searchFields ? { search_fields: meta.searchFields } : {}),
    ...(meta.list ? { max_page_size: 200 } : {}),
  };
}

/** The POST fields of `/job_templates/{id}/launch/` (JobLaunchSerializer's writable fields). */
export const launchFields: Record<string, FieldInfo> = {
  extra_vars: { type: 'json', label: 'Extra vars', required: false },
  inventory: { type: 'id', label: 'Inventory', required: false },
  scm_branch: { type: 'string', label: 'Scm branch', required: false },
  limit: { type: 'string', label: 'Limit', required: false },
  job_tags: { type: 'string', label: 'Job tags', required: false },
  skip_tags: { type: 'string', label: 'Skip tags', required: false },
  job_type: { type: 'choice', label: 'Job type', required: false, choices: jobTypeChoices },
  verbosity: { type: 'choice', label: 'Verbosity', required: false, choices: verbosityChoices },
  diff_mode: { type: 'boolean', label: 'Diff mode', required: false },
  credentials: { type: 'list_of_ids', label: 'Credentials', required: false },
  credential_passwords: { type: 'json', label: 'Credential passwords', required: false },
  execution_environment: { type: 'id', label: 'Execution environment', required: false },
  labels: { type: 'list_of_ids', label: 'Labels', required: false },
  forks: { type: 'integer', label: 'Forks', required: false },
  job_slice_count: { type: 'integer', label: 'Job slice count', required: false },
  timeout: { type: 'integer', label: 'Timeout', required: false },
  instance_groups: { type: 'list_of_ids', label: 'Instance groups', required: false },
};

/** The POST fields of the token lists. */
export const tokenFields: Record<string, FieldInfo> = {
  description: { type: 'string', label: 'Description', required: false, default: '' },
  application: { type: 'id', label: 'Application', required: false, default: null },
  scope: {
    type: 'choice',
    label: 'Scope',
    help_text:
      "Allowed scopes, further restricts user's permissions. Must be a simple space-separated string with allowed scopes ['read', 'write'].",
    required: false,
    default: 'write',
    choices: scopeChoices,
  },
};

/** The POST fields of `/jobs/{id}/relaunch/`. */
export const relaunchFields: Record<string, FieldInfo> = {
  hosts: {
    type: 'choice',
    label: 'Hosts',
    required: false,
    default: 'all',
    choices: [
      ['all', 'No change to job limit'],
      ['failed', 'All failed and unreachable hosts'],
    ],
  },
  credential_passwords: { type: 'json', label: 'Credential passwords', required: false },
};
