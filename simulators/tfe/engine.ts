/**
 * The run machinery of the TFE simulator: configuration uploads that become `uploaded` after a
 * delay (and queue a run unless `auto-queue-runs` is false — the documented trap), one run at a
 * time per workspace with later runs waiting `pending`, the status lifecycle
 * pending → plan_queued → planning → planned → confirmed → apply_queued → applying → applied (or
 * planned_and_finished, errored, discarded, canceled), and the actions apply / discard / cancel.
 * Every entity keeps its next due time in the world, so a restart re-arms the timers and resumes.
 */
import type { Logger } from 'pino';
import type { World } from '../world';
import { readTarGz } from './archive';
import { archivistSecret, TfeError, tfeId } from './json-api';
import { apply, plan, type PlanInput } from './terraform';
import {
  terminalRunStatuses,
  type TfeConfigurationVersion,
  type TfePhase,
  type TfeRun,
  type TfeSection,
  type TfeStateVersion,
  type TfeWorkspace,
} from './types';

/** Durations (ms) of the simulated TFE transitions, close to the reference's HCP timings. */
export const tfeDurations: Record<string, number> = {
  /** PUT of the archive until the configuration version is `uploaded`. */
  'tfe.cv-upload': 1500,
  /** A run at the head of its workspace's queue until `plan_queued`. */
  'tfe.pending': 1000,
  'tfe.plan-queued': 2000,
  'tfe.planning': 10000,
  /** `confirmed` (by apply or auto-apply) until `apply_queued`. */
  'tfe.confirmed': 500,
  'tfe.apply-queued': 2000,
  'tfe.applying': 10000,
};

/** How often a run waiting for the organization's run concurrency looks again (ms). */
const capacityRetryMs = 100;

/** The organization a fresh lab has; TFE_ORGANIZATION should name it. */
export const seededOrganization = 'lab';

/** The Terraform version workspaces get unless they ask for another. */
export const defaultTerraformVersion = '1.9.5';

/** A fresh TFE section with the lab organization. */
export function seedTfe(now: Date): TfeSection {
  return {
    organizations: {
      [seededOrganization]: {
        name: seededOrganization,
        email: 'lab-admin@lab.local',
        created_at: now.toISOString(),
        default_project_id: tfeId('prj'),
      },
    },
    workspaces: {},
    vars: {},
    configuration_versions: {},
    runs: {},
    plans: {},
    applies: {},
    state_versions: {},
    state_version_outputs: {},
    archivist: {},
    settings: { rate_limit_per_second: 30, run_list_per_minute: 30, run_concurrency: null },
  };
}

/** Options of a new run, in the API's terms. */
export interface NewRun {
  workspace: TfeWorkspace;
  configurationVersion: TfeConfigurationVersion;
  message: string;
  source: TfeRun['source'];
  isDestroy: boolean;
  autoApply: boolean;
  planOnly: boolean;
  refresh: boolean;
  refreshOnly: boolean;
  targetAddrs: string[] | null;
  replaceAddrs: string[] | null;
  variables: { key: string; value: string }[];
}

/** The TFE simulator's state machine over the world's `tfe` section. */
export class TfeEngine {
  constructor(
    private readonly world: World,
    private readonly log: Logger,
  ) {
    world.defineDurations(tfeDurations);
  }

  /** The live section (re-created after a world reset). */
  get state(): TfeSection {
    return this.world.section<TfeSection>('tfe', () => seedTfe(new Date(this.world.now())));
  }

  private iso(): string {
    return new Date(this.world.now()).toISOString();
  }

  private change<T>(fn: (s: TfeSection) => T): T {
    return this.world.change(() => fn(this.state));
  }

  /** Re-arms every timer from the saved due times (after a start or a restart). */
  resume(): void {
    const s = this.state;
    for (const cv of Object.values(s.configuration_versions)) {
      if (cv.status === 'pending' && cv.upload_done_at !== null) this.armUpload(cv);
    }
    for (const run of Object.values(s.runs)) {
      if (!terminalRunStatuses.has(run.status) && run.next_transition_at !== null) this.armRun(run);
    }
    for (const ws of Object.values(s.workspaces)) this.startNext(ws.id);
  }

  /** Is `run` holding its workspace (started, not finished)? */
  isActive(run: TfeRun): boolean {
    return (
      !terminalRunStatuses.has(run.status) && !(run.status === 'pending' && run.next_transition_at === null)
    );
  }

  /** Runs of a workspace, newest first. */
  runsOf(workspaceId: string): TfeRun[] {
    // The section keeps runs in creation order (JSON keeps insertion order), so reversing is newest first.
    return Object.values(this.state.runs)
      .filter((r) => r.workspace_id === workspaceId)
      .reverse();
  }

  /** A workspace is locked by hand or by its active run. */
  lockingRun(workspaceId: string): TfeRun | undefined {
    return this.runsOf(workspaceId).find((r) => this.isActive(r));
  }

  /** How many runs are ahead of a pending run in its workspace's queue. */
  positionInQueue(run: TfeRun): number {
    if (run.status !== 'pending' || run.next_transition_at !== null) return 0;
    const runs = this.runsOf(run.workspace_id);
    const older = runs.slice(runs.indexOf(run) + 1);
    return older.filter((r) => !terminalRunStatuses.has(r.status)).length;
  }

  // ---- configuration versions -------------------------------------------------------------

  /** Creates a configuration version waiting for its archive; returns it and its upload secret. */
  createConfigurationVersion(
    workspace: TfeWorkspace,
    autoQueueRuns: boolean,
    speculative: boolean,
  ): { cv: TfeConfigurationVersion; uploadSecret: string } {
    return this.change((s) => {
      const cv: TfeConfigurationVersion = {
        id: tfeId('cv'),
        workspace_id: workspace.id,
        status: 'pending',
        source: 'tfe-api',
        auto_queue_runs: autoQueueRuns,
        speculative,
        error: null,
        error_message: null,
        status_timestamps: {},
        files: {},
        other_files: [],
        upload_done_at: null,
        upload_outcome: null,
        created_at: this.iso(),
      };
      const uploadSecret = archivistSecret();
      s.configuration_versions[cv.id] = cv;
      s.archivist[uploadSecret] = { kind: 'upload', configuration_version_id: cv.id };
      this.world.count('tfe.configuration-versions.created', 1, this.world.state);
      return { cv, uploadSecret };
    });
  }

  /**
   * Receives the archive PUT to an upload URL. While the version is pending, a repeated PUT
   * replaces the archive (a retried upload); once processed, the same bytes again are accepted
   * without effect and different bytes are refused.
   */
  receiveUpload(cvId: string, archive: Buffer): void {
    const cv = this.state.configuration_versions[cvId];
    if (!cv) throw TfeError.notFound();
    let files: Record<string, string> = {};
    let otherFiles: string[] = [];
    let outcome: NonNullable<TfeConfigurationVersion['upload_outcome']>;
    try {
      const entries = readTarGz(archive);
      for (const [path, data] of Object.entries(entries)) {
        if (/\.(tf|tf\.json|tfvars|tfvars\.json)$/.test(path)) files[path] = data.toString('utf8');
        else otherFiles.push(path);
      }
      outcome = { status: 'uploaded', error: null, error_message: null };
    } catch (err) {
      files = {};
      otherFiles = [];
      outcome = { status: 'errored', error: 'invalid_archive', error_message: (err as Error).message };
    }
    if (cv.status !== 'pending') {
      const same = JSON.stringify(files) === JSON.stringify(cv.files) && outcome.status === cv.status;
      if (same) return;
      throw TfeError.conflict('the configuration version has already been uploaded');
    }
    this.change(() => {
      cv.files = files;
      cv.other_files = otherFiles;
      cv.upload_outcome = outcome;
      cv.upload_done_at = this.world.now() + this.world.duration('tfe.cv-upload');
    });
    this.armUpload(cv);
  }

  private armUpload(cv: TfeConfigurationVersion): void {
    const delay = (cv.upload_done_at ?? this.world.now()) - this.world.now();
    this.world.scheduler.at(`tfe:cv:${cv.id}`, delay, () => this.guard(() => this.finishUpload(cv.id)));
  }

  private finishUpload(cvId: string): void {
    const cv = this.state.configuration_versions[cvId];
    if (!cv || cv.status !== 'pending' || !cv.upload_outcome) return;
    const outcome = cv.upload_outcome;
    const workspace = this.state.workspaces[cv.workspace_id];
    this.change(() => {
      cv.status = outcome.status;
      cv.error = outcome.error;
      cv.error_message = outcome.error_message;
      cv.status_timestamps[`${outcome.status}-at`] = this.iso();
      cv.upload_done_at = null;
      if (workspace && outcome.status === 'uploaded' && !cv.speculative) {
        workspace.current_configuration_version_id = cv.id;
      }
    });
    if (workspace && outcome.status === 'uploaded' && cv.auto_queue_runs) {
      this.createRun({
        workspace,
        configurationVersion: cv,
        message: 'Triggered via API',
        source: 'tfe-configuration-version',
        isDestroy: false,
        autoApply: workspace.auto_apply,
        planOnly: cv.speculative,
        refresh: true,
        refreshOnly: false,
        targetAddrs: null,
        replaceAddrs: null,
        variables: [],
      });
    }
  }

  // ---- runs --------------------------------------------------------------------------------

  /** Creates a run (counted per workspace), queued behind any run the workspace is busy with. */
  createRun(options: NewRun): TfeRun {
    const run = this.change((s) => {
      const now = this.iso();
      const phase = (prefix: string, runId: string): TfePhase => {
        const secret = archivistSecret();
        return {
          id: tfeId(prefix),
          run_id: runId,
          status: 'pending',
          status_timestamps: {},
          log: '',
          log_complete: false,
          log_secret: secret,
          resource_additions: 0,
          resource_changes: 0,
          resource_destructions: 0,
        };
      };
      const id = tfeId('run');
      const planPhase = phase('plan', id);
      const applyPhase = phase('apply', id);
      const created: TfeRun = {
        id,
        workspace_id: options.workspace.id,
        configuration_version_id: options.configurationVersion.id,
        plan_id: planPhase.id,
        apply_id: applyPhase.id,
        status: 'pending',
        status_timestamps: { 'plan-queueable-at': now },
        message: options.message,
        source: options.source,
        trigger_reason: 'manual',
        is_destroy: options.isDestroy,
        auto_apply: options.autoApply,
        plan_only: options.planOnly,
        refresh: options.refresh,
        refresh_only: options.refreshOnly,
        target_addrs: options.targetAddrs,
        replace_addrs: options.replaceAddrs,
        variables: options.variables,
        has_changes: false,
        created_at: now,
        canceled_at: null,
        planned_changes: [],
        injected_failure: null,
        next_transition_at: null,
      };
      s.runs[id] = created;
      s.plans[planPhase.id] = planPhase;
      s.applies[applyPhase.id] = applyPhase;
      s.archivist[planPhase.log_secret] = { kind: 'plan-log', plan_id: planPhase.id };
      s.archivist[applyPhase.log_secret] = { kind: 'apply-log', apply_id: applyPhase.id };
      const workspace = s.workspaces[options.workspace.id];
      if (workspace) workspace.latest_run_id = id;
      this.world.count('tfe.runs.created', 1, this.world.state);
      this.world.count(
        `tfe.runs.created.${options.workspace.organization}/${options.workspace.name}`,
        1,
        this.world.state,
      );
      return created;
    });
    this.startNext(options.workspace.id);
    return run;
  }

  /** Starts the oldest pending run of a workspace when nothing else holds it. */
  startNext(workspaceId: string): void {
    const workspace = this.state.workspaces[workspaceId];
    if (!workspace || workspace.manually_locked) return;
    const runs = this.runsOf(workspaceId);
    if (runs.some((r) => this.isActive(r))) return;
    const next = runs.filter((r) => r.status === 'pending').at(-1);
    if (!next) return;
    this.change(() => {
      next.next_transition_at = this.world.now() + this.world.duration('tfe.pending');
      workspace.current_run_id = next.id;
    });
    this.armRun(next);
  }

  private armRun(run: TfeRun): void {
    if (run.next_transition_at === null) return;
    const delay = run.next_transition_at - this.world.now();
    this.world.scheduler.at(`tfe:run:${run.id}`, delay, () => this.guard(() => this.advance(run.id)));
  }

  /** Runs a timer callback; a bug in a transition is logged instead of crashing the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'tfe simulator transition failed');
    }
  }

  private setStatus(run: TfeRun, status: TfeRun['status'], nextInMs: number | null): void {
    run.status = status;
    run.status_timestamps[`${status.replace(/_/g, '-')}-at`] = this.iso();
    run.next_transition_at = nextInMs === null ? null : this.world.now() + nextInMs;
  }

  private phaseStatus(phase: TfePhase, status: TfePhase['status']): void {
    phase.status = status;
    const key = {
      pending: 'pending-at',
      queued: 'queued-at',
      running: 'started-at',
      finished: 'finished-at',
      errored: 'errored-at',
      canceled: 'canceled-at',
      unreachable: 'unreachable-at',
    }[status];
    phase.status_timestamps[key] = this.iso();
    if (['finished', 'errored', 'canceled', 'unreachable'].includes(status)) phase.log_complete = true;
  }

  private planInput(run: TfeRun): PlanInput {
    const s = this.state;
    const workspace = s.workspaces[run.workspace_id] as TfeWorkspace;
    const cv = s.configuration_versions[run.configuration_version_id];
    const stateVersion = workspace.current_state_version_id
      ? s.state_versions[workspace.current_state_version_id]
      : undefined;
    return {
      files: cv?.files ?? {},
      workingDirectory: workspace.working_directory,
      workspaceVars: Object.values(s.vars)
        .filter((v) => v.workspace_id === workspace.id && v.category === 'terraform')
        .map((v) => ({ key: v.key, value: v.value, hcl: v.hcl })),
      runVars: run.variables,
      priorResources: stateVersion?.resources ?? [],
      priorOutputs: (stateVersion?.output_ids ?? [])
        .map((id) => s.state_version_outputs[id])
        .filter((o) => o !== undefined)
        .map((o) => ({ name: o.name, value: o.value, sensitive: o.sensitive })),
      isDestroy: run.is_destroy,
      refresh: run.refresh,
      refreshOnly: run.refresh_only,
      targetAddrs: run.target_addrs,
      replaceAddrs: run.replace_addrs,
      terraformVersion: workspace.terraform_version,
    };
  }

  /** One timer-driven step of a run. */
  private advance(runId: string): void {
    const run = this.state.runs[runId];
    if (!run || terminalRunStatuses.has(run.status)) return;
    const planPhase = this.state.plans[run.plan_id] as TfePhase;
    const applyPhase = this.state.applies[run.apply_id] as TfePhase;
    const d = (key: string) => this.world.duration(key);
    switch (run.status) {
      case 'pending':
        this.change(() => {
          this.setStatus(run, 'plan_queued', d('tfe.plan-queued'));
          this.phaseStatus(planPhase, 'queued');
        });
        break;
      case 'plan_queued': {
        if (this.waitsForCapacity(run)) break;
        const workspace = this.state.workspaces[run.workspace_id];
        const rule = this.world.takeOutcome('tfe', {
          workspace: workspace?.name,
          organization: workspace?.organization,
          message: run.message,
          run: run.id,
          operation: run.is_destroy ? 'destroy' : run.plan_only ? 'plan_only' : 'plan_and_apply',
        });
        this.change(() => {
          if (rule)
            run.injected_failure = { phase: rule.phase === 'plan' ? 'plan' : 'apply', message: rule.message };
          this.setStatus(run, 'planning', d('tfe.planning'));
          this.phaseStatus(planPhase, 'running');
        });
        break;
      }
      case 'planning':
        this.finishPlanning(run, planPhase, applyPhase);
        break;
      case 'planned':
        this.change(() => this.setStatus(run, 'confirmed', d('tfe.confirmed')));
        break;
      case 'confirmed':
        this.change(() => {
          this.setStatus(run, 'apply_queued', d('tfe.apply-queued'));
          this.phaseStatus(applyPhase, 'queued');
        });
        break;
      case 'apply_queued':
        if (this.waitsForCapacity(run)) break;
        this.change(() => {
          this.setStatus(run, 'applying', d('tfe.applying'));
          this.phaseStatus(applyPhase, 'running');
        });
        break;
      case 'applying':
        this.finishApplying(run, applyPhase);
        break;
      default:
        return;
    }
    this.armRun(run);
  }

  /**
   * Whether a queued run must wait for its organization's run concurrency: as many runs as it
   * allows are planning or applying, or as many that were queued earlier wait too (also while they
   * sit out their own retry delay: first queued, first served). A waiting run
   * looks again shortly (it stays `plan_queued` / `apply_queued`).
   */
  private waitsForCapacity(run: TfeRun): boolean {
    const limit = this.state.settings.run_concurrency;
    if (!limit) return false;
    const org = this.state.workspaces[run.workspace_id]?.organization;
    const now = this.world.now();
    const queuedAt = (r: TfeRun) =>
      r.status_timestamps[r.status === 'plan_queued' ? 'plan-queued-at' : 'apply-queued-at'] ?? '';
    let busy = 0;
    for (const other of Object.values(this.state.runs)) {
      if (other.id === run.id || this.state.workspaces[other.workspace_id]?.organization !== org) continue;
      if (other.status === 'planning' || other.status === 'applying') busy++;
      else if (
        (other.status === 'plan_queued' || other.status === 'apply_queued') &&
        other.next_transition_at !== null &&
        (queuedAt(other) < queuedAt(run) || (queuedAt(other) === queuedAt(run) && other.id < run.id))
      )
        busy++;
    }
    if (busy < limit) return false;
    this.change(() => (run.next_transition_at = now + capacityRetryMs));
    return true;
  }

  private finishPlanning(run: TfeRun, planPhase: TfePhase, applyPhase: TfePhase): void {
    const input = this.planInput(run);
    if (run.injected_failure?.phase === 'plan') {
      const message = run.injected_failure.message;
      this.change(() => {
        planPhase.log = `Terraform v${input.terraformVersion}\non linux_amd64\n\nError: ${message}\n`;
        this.phaseStatus(planPhase, 'errored');
        this.phaseStatus(applyPhase, 'unreachable');
        this.setStatus(run, 'errored', null);
      });
      this.finish(run);
      return;
    }
    let outcome: ReturnType<typeof plan>;
    try {
      outcome = plan(this.world, input);
    } catch (err) {
      this.change(() => {
        planPhase.log = `${(err as Error).message}\n`;
        this.phaseStatus(planPhase, 'errored');
        this.phaseStatus(applyPhase, 'unreachable');
        this.setStatus(run, 'errored', null);
      });
      this.finish(run);
      return;
    }
    const hasChanges =
      outcome.changes.length > 0 || outcome.outputChanges > 0 || (run.refresh_only && outcome.drifted > 0);
    this.change(() => {
      planPhase.log = outcome.log;
      planPhase.resource_additions = outcome.additions;
      planPhase.resource_changes = outcome.changesInPlace;
      planPhase.resource_destructions = outcome.destructions;
      this.phaseStatus(planPhase, 'finished');
      run.has_changes = hasChanges;
      run.planned_changes = outcome.changes;
      if (!hasChanges || run.plan_only) {
        this.phaseStatus(applyPhase, 'unreachable');
        this.setStatus(run, 'planned_and_finished', null);
      } else {
        this.setStatus(run, 'planned', run.auto_apply ? 0 : null);
      }
    });
    if (run.status === 'planned_and_finished') this.finish(run);
  }

  private finishApplying(run: TfeRun, applyPhase: TfePhase): void {
    const input = this.planInput(run);
    if (run.injected_failure?.phase === 'apply') {
      const message = run.injected_failure.message;
      this.change(() => {
        applyPhase.log = `Terraform v${input.terraformVersion}\non linux_amd64\n\nError: ${message}\n`;
        this.phaseStatus(applyPhase, 'errored');
        this.setStatus(run, 'errored', null);
      });
      this.finish(run);
      return;
    }
    const outcome = apply(this.world, input, run.planned_changes, run.id);
    this.change((s) => {
      const workspace = s.workspaces[run.workspace_id] as TfeWorkspace;
      const previous = workspace.current_state_version_id
        ? s.state_versions[workspace.current_state_version_id]
        : undefined;
      const stateVersion: TfeStateVersion = {
        id: tfeId('sv'),
        workspace_id: workspace.id,
        run_id: run.id,
        serial: (previous?.serial ?? 0) + 1,
        created_at: this.iso(),
        resources: outcome.resources,
        output_ids: [],
        download_secret: archivistSecret(),
      };
      for (const output of outcome.outputs) {
        const id = tfeId('wsout');
        s.state_version_outputs[id] = {
          id,
          state_version_id: stateVersion.id,
          name: output.name,
          sensitive: output.sensitive,
          type: outputType(output.value),
          value: output.value,
        };
        stateVersion.output_ids.push(id);
      }
      s.state_versions[stateVersion.id] = stateVersion;
      s.archivist[stateVersion.download_secret] = { kind: 'state', state_version_id: stateVersion.id };
      workspace.current_state_version_id = stateVersion.id;
      applyPhase.log = outcome.log;
      applyPhase.resource_additions = outcome.added;
      applyPhase.resource_changes = outcome.changed;
      applyPhase.resource_destructions = outcome.destroyed;
      this.phaseStatus(applyPhase, outcome.error ? 'errored' : 'finished');
      this.setStatus(run, outcome.error ? 'errored' : 'applied', null);
    });
    this.finish(run);
  }

  /** After a run ends: its timer goes, and the workspace's next run may start. */
  private finish(run: TfeRun): void {
    this.world.scheduler.cancel(`tfe:run:${run.id}`);
    this.startNext(run.workspace_id);
  }

  /** The `actions` flags, kept consistent with what the action endpoints accept. */
  actions(run: TfeRun) {
    return {
      'is-cancelable': [
        'pending',
        'plan_queued',
        'planning',
        'confirmed',
        'apply_queued',
        'applying',
      ].includes(run.status),
      'is-confirmable': run.status === 'planned' && !run.auto_apply && !run.plan_only && run.has_changes,
      'is-discardable': run.status === 'pending' || (run.status === 'planned' && !run.auto_apply),
      'is-force-cancelable': false,
    };
  }

  /** `POST /runs/:id/actions/apply`. */
  applyRun(run: TfeRun): void {
    if (!this.actions(run)['is-confirmable']) {
      throw TfeError.conflict(`transition not allowed: run is ${run.status}, not waiting for confirmation`);
    }
    this.change(() => this.setStatus(run, 'confirmed', this.world.duration('tfe.confirmed')));
    this.armRun(run);
  }

  /** `POST /runs/:id/actions/discard`. */
  discardRun(run: TfeRun): void {
    if (!this.actions(run)['is-discardable']) {
      throw TfeError.conflict(`transition not allowed: run is ${run.status} and cannot be discarded`);
    }
    this.change((s) => {
      const planPhase = s.plans[run.plan_id] as TfePhase;
      if (planPhase.status === 'pending' || planPhase.status === 'queued')
        this.phaseStatus(planPhase, 'unreachable');
      this.phaseStatus(s.applies[run.apply_id] as TfePhase, 'unreachable');
      this.setStatus(run, 'discarded', null);
    });
    this.finish(run);
  }

  /** `POST /runs/:id/actions/cancel`: interrupts at once (the simulated Terraform stops cleanly). */
  cancelRun(run: TfeRun): void {
    if (!this.actions(run)['is-cancelable']) {
      throw TfeError.conflict(`transition not allowed: run is ${run.status} and cannot be canceled`);
    }
    this.change((s) => {
      for (const phase of [s.plans[run.plan_id] as TfePhase, s.applies[run.apply_id] as TfePhase]) {
        if (phase.status === 'running') {
          phase.log += 'Interrupt received.\nStopping operation...\n';
          this.phaseStatus(phase, 'canceled');
        } else if (phase.status === 'pending' || phase.status === 'queued') {
          this.phaseStatus(phase, 'unreachable');
        }
      }
      run.canceled_at = this.iso();
      this.setStatus(run, 'canceled', null);
    });
    this.finish(run);
  }

  /** Deletes a workspace with its variables, versions and runs (`DELETE /workspaces/:id`). */
  deleteWorkspace(workspace: TfeWorkspace): void {
    this.change((s) => {
      for (const run of Object.values(s.runs).filter((r) => r.workspace_id === workspace.id)) {
        this.world.scheduler.cancel(`tfe:run:${run.id}`);
        delete s.plans[run.plan_id];
        delete s.applies[run.apply_id];
        delete s.runs[run.id];
      }
      for (const cv of Object.values(s.configuration_versions).filter(
        (c) => c.workspace_id === workspace.id,
      )) {
        this.world.scheduler.cancel(`tfe:cv:${cv.id}`);
        delete s.configuration_versions[cv.id];
      }
      for (const v of Object.values(s.vars).filter((x) => x.workspace_id === workspace.id))
        delete s.vars[v.id];
      for (const [secret, target] of Object.entries(s.archivist)) {
        const owner =
          target.kind === 'upload'
            ? s.configuration_versions[target.configuration_version_id]
            : target.kind === 'plan-log'
              ? s.plans[target.plan_id]
              : target.kind === 'apply-log'
                ? s.applies[target.apply_id]
                : s.state_versions[target.state_version_id];
        if (!owner) delete s.archivist[secret];
      }
      delete s.workspaces[workspace.id];
    });
  }
}

/** The output `type` TFE reports for a value. */
export function outputType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return value === null ? 'string' : 'object';
}
