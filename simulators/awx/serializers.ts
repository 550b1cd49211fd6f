/**
 * AWX's JSON shapes for the objects the simulator serves: every object carries `id`, `type`,
 * `url`, `related`, `summary_fields`, `created`, `modified`; jobs add the status fields a poller
 * reads. Simulator bookkeeping (stdout, next transition) never leaves through here.
 */
import type { AwxInventory, AwxJob, AwxJobTemplate, AwxOrganization, AwxProject, WorldState } from '../world';

import { USER_ID } from './auth';

const API = '/api/v2';

/** Terminal statuses; `failed` is true for the unhappy ones. */
export const finishedStatuses = new Set(['successful', 'failed', 'error', 'canceled']);
/** Statuses from which a job can still be canceled. */
export const cancelableStatuses = new Set(['new', 'pending', 'waiting', 'running']);

function elapsed(job: AwxJob, now: number): number {
  if (!job.started) return 0;
  const end = job.finished ? Date.parse(job.finished) : now;
  return Math.round((end - Date.parse(job.started)) / 10) / 100;
}

function nameOf<T extends { id: number; name: string; description: string }>(o: T | undefined) {
  return o ? { id: o.id, name: o.name, description: o.description } : undefined;
}

/** An organization. */
export function serializeOrganization(o: AwxOrganization) {
  return {
    id: o.id,
    type: 'organization',
    url: `${API}/organizations/${o.id}/`,
    related: {
      job_templates: `${API}/organizations/${o.id}/job_templates/`,
      inventories: `${API}/organizations/${o.id}/inventories/`,
      projects: `${API}/organizations/${o.id}/projects/`,
    },
    summary_fields: {},
    created: o.created,
    modified: o.modified,
    name: o.name,
    description: o.description,
    max_hosts: 0,
    default_environment: null,
  };
}

/** An inventory. */
export function serializeInventory(i: AwxInventory, world: WorldState) {
  return {
    id: i.id,
    type: 'inventory',
    url: `${API}/inventories/${i.id}/`,
    related: { organization: `${API}/organizations/${i.organization}/` },
    summary_fields: { organization: nameOf(world.awx.organizations[String(i.organization)]) },
    created: i.created,
    modified: i.modified,
    name: i.name,
    description: i.description,
    organization: i.organization,
    kind: '',
    variables: '',
    has_active_failures: false,
    total_hosts: 1,
  };
}

/** A project. */
export function serializeProject(p: AwxProject, world: WorldState) {
  return {
    id: p.id,
    type: 'project',
    url: `${API}/projects/${p.id}/`,
    related: {
      organization: `${API}/organizations/${p.organization}/`,
      playbooks: `${API}/projects/${p.id}/playbooks/`,
    },
    summary_fields: { organization: nameOf(world.awx.organizations[String(p.organization)]) },
    created: p.created,
    modified: p.modified,
    name: p.name,
    description: p.description,
    organization: p.organization,
    scm_type: p.scm_type,
    scm_url: p.scm_url,
    scm_branch: p.scm_branch,
    status: 'successful',
  };
}

/** A job template. */
export function serializeJobTemplate(t: AwxJobTemplate, world: WorldState) {
  const jobs = Object.values(world.awx.jobs).filter((j) => j.job_template === t.id);
  const last = jobs.sort((a, b) => b.id - a.id)[0];
  return {
    id: t.id,
    type: 'job_template',
    url: `${API}/job_templates/${t.id}/`,
    related: {
      organization: `${API}/organizations/${t.organization}/`,
      inventory: t.inventory === null ? undefined : `${API}/inventories/${t.inventory}/`,
      project: `${API}/projects/${t.project}/`,
      launch: `${API}/job_templates/${t.id}/launch/`,
      jobs: `${API}/job_templates/${t.id}/jobs/`,
      last_job: last ? `${API}/jobs/${last.id}/` : undefined,
    },
    summary_fields: {
      organization: nameOf(world.awx.organizations[String(t.organization)]),
      inventory: t.inventory === null ? undefined : nameOf(world.awx.inventories[String(t.inventory)]),
      project: nameOf(world.awx.projects[String(t.project)]),
      last_job: last
        ? {
            id: last.id,
            name: last.name,
            status: last.status,
            failed: isFailed(last),
            finished: last.finished,
          }
        : undefined,
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
    },
    created: t.created,
    modified: t.modified,
    name: t.name,
    description: t.description,
    job_type: t.job_type,
    inventory: t.inventory,
    project: t.project,
    playbook: t.playbook,
    scm_branch: '',
    forks: 0,
    limit: t.limit,
    verbosity: t.verbosity,
    extra_vars: t.extra_vars,
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: 0,
    use_fact_cache: false,
    organization: t.organization,
    last_job_run: last?.finished ?? null,
    last_job_failed: last ? isFailed(last) : false,
    next_job_run: null,
    status: last ? last.status : 'never updated',
    execution_environment: null,
    host_config_key: '',
    ask_scm_branch_on_launch: false,
    ask_diff_mode_on_launch: t.ask_diff_mode_on_launch,
    ask_variables_on_launch: t.ask_variables_on_launch,
    ask_limit_on_launch: t.ask_limit_on_launch,
    ask_tags_on_launch: t.ask_tags_on_launch,
    ask_skip_tags_on_launch: t.ask_skip_tags_on_launch,
    ask_job_type_on_launch: t.ask_job_type_on_launch,
    ask_verbosity_on_launch: t.ask_verbosity_on_launch,
    ask_inventory_on_launch: t.ask_inventory_on_launch,
    ask_credential_on_launch: t.ask_credential_on_launch,
    ask_execution_environment_on_launch: false,
    ask_labels_on_launch: false,
    ask_forks_on_launch: false,
    ask_job_slice_count_on_launch: false,
    ask_timeout_on_launch: false,
    ask_instance_groups_on_launch: false,
    survey_enabled: t.survey_enabled,
    become_enabled: false,
    diff_mode: false,
    allow_simultaneous: t.allow_simultaneous,
    custom_virtualenv: null,
    job_slice_count: 1,
    webhook_service: '',
    webhook_credential: null,
    prevent_instance_group_fallback: false,
  };
}

/** True for the unhappy terminal statuses. */
export function isFailed(job: AwxJob): boolean {
  return job.status === 'failed' || job.status === 'error' || job.status === 'canceled';
}

/** A job as `GET /api/v2/jobs/{id}/` returns it; `username` is the account that launched it. */
export function serializeJob(job: AwxJob, world: WorldState, now: number, username = 'admin') {
  const template = world.awx.job_templates[String(job.job_template)];
  return {
    id: job.id,
    type: 'job',
    url: `${API}/jobs/${job.id}/`,
    related: {
      job_template: `${API}/job_templates/${job.job_template}/`,
      inventory: job.inventory === null ? undefined : `${API}/inventories/${job.inventory}/`,
      project: `${API}/projects/${job.project}/`,
      organization: `${API}/organizations/${job.organization}/`,
      stdout: `${API}/jobs/${job.id}/stdout/`,
      cancel: `${API}/jobs/${job.id}/cancel/`,
      relaunch: `${API}/jobs/${job.id}/relaunch/`,
      job_events: `${API}/jobs/${job.id}/job_events/`,
      unified_job_template: `${API}/job_templates/${job.job_template}/`,
      created_by: `${API}/users/${USER_ID}/`,
    },
    summary_fields: {
      organization: nameOf(world.awx.organizations[String(job.organization)]),
      inventory: job.inventory === null ? undefined : nameOf(world.awx.inventories[String(job.inventory)]),
      project: nameOf(world.awx.projects[String(job.project)]),
      job_template: nameOf(template),
      unified_job_template: template ? { ...nameOf(template), unified_job_type: 'job' } : undefined,
      created_by: { id: USER_ID, username, first_name: '', last_name: '' },
      user_capabilities: { delete: true, start: true },
    },
    created: job.created,
    modified: job.modified,
    name: job.name,
    description: '',
    job_type: job.job_type,
    inventory: job.inventory,
    project: job.project,
    playbook: job.playbook,
    scm_branch: '',
    forks: 0,
    limit: job.limit,
    verbosity: job.verbosity,
    extra_vars: job.extra_vars,
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: 0,
    use_fact_cache: false,
    organization: job.organization,
    unified_job_template: job.job_template,
    launch_type: job.launch_type,
    status: job.status,
    execution_environment: null,
    failed: isFailed(job),
    started: job.started,
    finished: job.finished,
    canceled_on: job.canceled_on,
    elapsed: elapsed(job, now),
    job_explanation: job.job_explanation,
    execution_node: job.started ? 'awx-sim-node' : '',
    controller_node: '',
    launched_by: { id: USER_ID, name: username, type: 'user', url: `${API}/users/${USER_ID}/` },
    work_unit_id: null,
    job_template: job.job_template,
    passwords_needed_to_start: [],
    allow_simultaneous: template?.allow_simultaneous ?? false,
    artifacts: job.artifacts,
    scm_revision: '',
    instance_group: 1,
    diff_mode: false,
    job_slice_number: 0,
    job_slice_count: 1,
    event_processing_finished: finishedStatuses.has(job.status),
    webhook_service: '',
    webhook_credential: null,
    webhook_guid: '',
  };
}

/** A job as list endpoints return it (AWX strips the heavy fields). */
export function serializeJobListItem(job: AwxJob, world: WorldState, now: number, username = 'admin') {
  const { event_processing_finished: _e, ...rest } = serializeJob(job, world, now, username);
  return rest;
}

/** The simulated AWX's one user (the configured account, a superuser). */
export function serializeUser(username: string, created: string) {
  return {
    id: USER_ID,
    type: 'user',
    url: `${API}/users/${USER_ID}/`,
    related: {
      tokens: `${API}/users/${USER_ID}/tokens/`,
      personal_tokens: `${API}/users/${USER_ID}/personal_tokens/`,
    },
    summary_fields: { user_capabilities: { edit: true, delete: false } },
    created,
    modified: created,
    username,
    first_name: '',
    last_name: '',
    email: '',
    is_superuser: true,
    is_system_auditor: false,
    password: '$encrypted$',
    ldap_dn: '',
    last_login: null,
    external_account: null,
    auth: [],
  };
}

/** A personal access token as lists show it: the secret itself only ever appears on creation. */
export function serializeToken(
  token: { id: number; description: string; scope: string; created: string; expires: string },
  username: string,
) {
  return {
    id: token.id,
    type: 'o_auth2_access_token',
    url: `${API}/tokens/${token.id}/`,
    related: { user: `${API}/users/${USER_ID}/` },
    summary_fields: { user: { id: USER_ID, username, first_name: '', last_name: '' }, application: null },
    created: token.created,
    modified: token.created,
    description: token.description,
    user: USER_ID,
    token: '************',
    refresh_token: null,
    application: null,
    expires: token.expires,
    scope: token.scope,
  };
}
