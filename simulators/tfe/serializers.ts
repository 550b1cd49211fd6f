/**
 * The TFE simulator's records as JSON:API resource objects, with the attributes, relationships
 * and links the reference lists (kebab-case attribute names, ids as relationships, archivist
 * URLs for logs and state).
 */
import type { TfeEngine } from './engine';
import type { ResourceObject } from './json-api';
import type {
  TfeConfigurationVersion,
  TfeOrganization,
  TfePhase,
  TfeRun,
  TfeStateVersion,
  TfeStateVersionOutput,
  TfeVar,
  TfeWorkspace,
} from './types';

/** The simulated user every token belongs to. */
export const simulatedUser = { id: 'user-LabOrchestrator1', username: 'orchestrator' };

const ref = (type: string, id: string | null | undefined) => ({ data: id ? { id, type } : null });

/** An archivist URL: the secret in the path is the only credential. */
export function archivistUrl(base: string, secret: string): string {
  return `${base}/_archivist/v1/object/${secret}`;
}

/** Serializers bound to one request's base URL. */
export class Serializer {
  constructor(
    private readonly engine: TfeEngine,
    readonly base: string,
  ) {}

  organization(org: TfeOrganization): ResourceObject {
    return {
      id: org.name,
      type: 'organizations',
      attributes: {
        name: org.name,
        email: org.email,
        'created-at': org.created_at,
        'external-id': `org-${org.name}`,
        permissions: { 'can-update': true, 'can-destroy': true, 'can-create-workspace': true },
      },
      relationships: { 'default-project': ref('projects', org.default_project_id) },
      links: { self: `/api/v2/organizations/${org.name}` },
    };
  }

  workspace(ws: TfeWorkspace): ResourceObject {
    const lockingRun = this.engine.lockingRun(ws.id);
    const state = ws.current_state_version_id
      ? this.engine.state.state_versions[ws.current_state_version_id]
      : undefined;
    const org = this.engine.state.organizations[ws.organization];
    return {
      id: ws.id,
      type: 'workspaces',
      attributes: {
        name: ws.name,
        description: ws.description,
        'auto-apply': ws.auto_apply,
        'allow-destroy-plan': ws.allow_destroy_plan,
        'queue-all-runs': ws.queue_all_runs,
        'speculative-enabled': ws.speculative_enabled,
        'execution-mode': ws.execution_mode,
        'terraform-version': ws.terraform_version,
        'working-directory': ws.working_directory,
        locked: ws.manually_locked || lockingRun !== undefined,
        'resource-count': state?.resources.length ?? 0,
        'created-at': ws.created_at,
        'updated-at': ws.updated_at,
        'latest-change-at': ws.updated_at,
        environment: 'default',
        source: 'tfe-api',
        'file-triggers-enabled': true,
        'trigger-prefixes': [],
        'vcs-repo': null,
        'global-remote-state': false,
        operations: ws.execution_mode === 'remote',
        actions: { 'is-destroyable': true },
        permissions: {
          'can-update': true,
          'can-destroy': true,
          'can-queue-run': true,
          'can-queue-apply': true,
          'can-queue-destroy': true,
          'can-lock': true,
          'can-unlock': true,
          'can-force-unlock': true,
          'can-read-variable': true,
          'can-update-variable': true,
          'can-read-state-versions': true,
          'can-read-state-outputs': true,
          'can-create-state-versions': true,
        },
      },
      relationships: {
        organization: ref('organizations', ws.organization),
        project: ref('projects', org?.default_project_id),
        'current-run': ref('runs', ws.current_run_id),
        'latest-run': ref('runs', ws.latest_run_id),
        'current-state-version': ref('state-versions', ws.current_state_version_id),
        'current-configuration-version': ref('configuration-versions', ws.current_configuration_version_id),
        'locked-by': lockingRun
          ? ref('runs', lockingRun.id)
          : ws.manually_locked
            ? ref('users', simulatedUser.id)
            : ref('runs', null),
      },
      links: {
        self: `/api/v2/organizations/${ws.organization}/workspaces/${ws.name}`,
        'self-html': `/app/${ws.organization}/workspaces/${ws.name}`,
      },
    };
  }

  variable(v: TfeVar, ws: TfeWorkspace): ResourceObject {
    return {
      id: v.id,
      type: 'vars',
      attributes: {
        key: v.key,
        value: v.sensitive ? null : v.value,
        sensitive: v.sensitive,
        category: v.category,
        hcl: v.hcl,
        description: v.description,
        'created-at': v.created_at,
        'version-id': v.version_id,
      },
      relationships: {
        configurable: {
          data: { id: ws.id, type: 'workspaces' },
          links: { related: `/api/v2/organizations/${ws.organization}/workspaces/${ws.name}` },
        },
      },
      links: { self: `/api/v2/workspaces/${ws.id}/vars/${v.id}` },
    };
  }

  configurationVersion(cv: TfeConfigurationVersion, uploadSecret?: string): ResourceObject {
    return {
      id: cv.id,
      type: 'configuration-versions',
      attributes: {
        'auto-queue-runs': cv.auto_queue_runs,
        error: cv.error,
        'error-message': cv.error_message,
        source: cv.source,
        speculative: cv.speculative,
        provisional: false,
        status: cv.status,
        'status-timestamps': cv.status_timestamps,
        'changed-files': [],
        ...(uploadSecret ? { 'upload-url': archivistUrl(this.base, uploadSecret) } : {}),
      },
      relationships: { 'ingress-attributes': ref('ingress-attributes', null) },
      links: {
        self: `/api/v2/configuration-versions/${cv.id}`,
        download: `/api/v2/configuration-versions/${cv.id}/download`,
      },
    };
  }

  run(run: TfeRun): ResourceObject {
    const actions = this.engine.actions(run);
    return {
      id: run.id,
      type: 'runs',
      attributes: {
        actions,
        'allow-empty-apply': false,
        'allow-config-generation': false,
        'auto-apply': run.auto_apply,
        'canceled-at': run.canceled_at,
        'created-at': run.created_at,
        'has-changes': run.has_changes,
        'is-destroy': run.is_destroy,
        message: run.message,
        'plan-only': run.plan_only,
        'position-in-queue': this.engine.positionInQueue(run),
        refresh: run.refresh,
        'refresh-only': run.refresh_only,
        'replace-addrs': run.replace_addrs,
        'save-plan': false,
        source: run.source,
        status: run.status,
        'status-timestamps': run.status_timestamps,
        'target-addrs': run.target_addrs,
        'terraform-version': this.engine.state.workspaces[run.workspace_id]?.terraform_version ?? null,
        'trigger-reason': run.trigger_reason,
        variables: run.variables,
        permissions: {
          'can-apply': true,
          'can-cancel': true,
          'can-comment': true,
          'can-discard': true,
          'can-force-execute': true,
          'can-force-cancel': true,
          'can-override-policy-check': true,
        },
      },
      relationships: {
        workspace: ref('workspaces', run.workspace_id),
        'configuration-version': ref('configuration-versions', run.configuration_version_id),
        plan: ref('plans', run.plan_id),
        apply: ref('applies', run.apply_id),
        'created-by': ref('users', simulatedUser.id),
        'cost-estimate': ref('cost-estimates', null),
        'policy-checks': { data: [] },
        'task-stages': { data: [] },
        comments: { data: [] },
        'run-events': { links: { related: `/api/v2/runs/${run.id}/run-events` } },
      },
      links: { self: `/api/v2/runs/${run.id}` },
    };
  }

  plan(phase: TfePhase): ResourceObject {
    return this.phase(phase, 'plans', {
      'execution-details': { mode: 'remote' },
      'generated-configuration': false,
      'resource-imports': 0,
    });
  }

  apply(phase: TfePhase): ResourceObject {
    const stateVersions = Object.values(this.engine.state.state_versions)
      .filter((sv) => sv.run_id === phase.run_id)
      .map((sv) => ({ id: sv.id, type: 'state-versions' }));
    const resource = this.phase(phase, 'applies', {
      'execution-details': { mode: 'remote' },
      'resource-imports': 0,
    });
    resource.relationships = { 'state-versions': { data: stateVersions } };
    return resource;
  }

  private phase(phase: TfePhase, type: 'plans' | 'applies', extra: Record<string, unknown>): ResourceObject {
    return {
      id: phase.id,
      type,
      attributes: {
        status: phase.status,
        'status-timestamps': phase.status_timestamps,
        'has-changes': phase.resource_additions + phase.resource_changes + phase.resource_destructions > 0,
        'resource-additions': phase.resource_additions,
        'resource-changes': phase.resource_changes,
        'resource-destructions': phase.resource_destructions,
        'log-read-url': archivistUrl(this.base, phase.log_secret),
        ...extra,
      },
      links: {
        self: `/api/v2/${type}/${phase.id}`,
        ...(type === 'plans' ? { 'json-output': `/api/v2/plans/${phase.id}/json-output` } : {}),
      },
    };
  }

  stateVersion(sv: TfeStateVersion): ResourceObject {
    const providers = [...new Set(sv.resources.map((r) => providerSource(r.type)))];
    return {
      id: sv.id,
      type: 'state-versions',
      attributes: {
        'created-at': sv.created_at,
        serial: sv.serial,
        size: JSON.stringify(sv.resources).length,
        'state-version': 4,
        'terraform-version': this.engine.state.workspaces[sv.workspace_id]?.terraform_version ?? null,
        'resources-processed': true,
        'hosted-state-download-url': archivistUrl(this.base, sv.download_secret),
        'hosted-json-state-download-url': null,
        'vcs-commit-sha': null,
        'vcs-commit-url': null,
        resources: sv.resources.map((r) => ({
          name: r.name,
          type: r.type,
          count: 1,
          module: 'root',
          provider: `provider["${providerSource(r.type)}"]`,
        })),
        providers: Object.fromEntries(providers.map((p) => [`provider["${p}"]`, { resources: 1 }])),
        modules: { root: Object.fromEntries(sv.resources.map((r) => [r.type, 1])) },
      },
      relationships: {
        run: ref('runs', sv.run_id),
        'created-by': ref('users', simulatedUser.id),
        workspace: ref('workspaces', sv.workspace_id),
        outputs: {
          data: sv.output_ids.map((id) => ({ id, type: 'state-version-outputs' })),
          links: { related: `/api/v2/state-versions/${sv.id}/outputs` },
        },
      },
      links: { self: `/api/v2/state-versions/${sv.id}` },
    };
  }

  /** A state version output; the value of a sensitive one only when `reveal` (read by id). */
  output(output: TfeStateVersionOutput, reveal: boolean): ResourceObject {
    return {
      id: output.id,
      type: 'state-version-outputs',
      attributes: {
        name: output.name,
        sensitive: output.sensitive,
        type: output.type,
        value: output.sensitive && !reveal ? null : output.value,
        'detailed-type': detailedType(output.value),
      },
      links: { self: `/api/v2/state-version-outputs/${output.id}` },
    };
  }

  user(): ResourceObject {
    return {
      id: simulatedUser.id,
      type: 'users',
      attributes: { username: simulatedUser.username, 'is-service-account': false, 'avatar-url': null },
      links: { self: `/api/v2/users/${simulatedUser.id}` },
    };
  }
}

/** The registry source of a resource type's provider. */
export function providerSource(type: string): string {
  if (type.startsWith('vsphere_')) return 'registry.terraform.io/hashicorp/vsphere';
  if (type === 'null_resource') return 'registry.terraform.io/hashicorp/null';
  return 'terraform.io/builtin/terraform';
}

function detailedType(value: unknown): unknown {
  if (typeof value === 'string' || value === null) return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return ['tuple', value.map(detailedType)];
  return [
    'object',
    Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, detailedType(v)])),
  ];
}
