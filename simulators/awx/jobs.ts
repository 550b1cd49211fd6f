/**
 * AWX job lifecycle: launch creates a `pending` job; timers move it to `waiting`, `running`
 * (setting `started`) and a terminal status (setting `finished`), with the `awx.*` durations.
 * When it runs, the template's playbook acts on the lab; an outcome rule can force `failed` or
 * `error`. Cancel flips pending/waiting jobs at once and running jobs after `awx.cancel`. A
 * template without `allow_simultaneous` keeps later jobs pending until the earlier one ends.
 * Each job stores its next transition time, so `resume()` after a restart re-arms the timers.
 */
import YAML from 'yaml';
import type { AwxJob, AwxJobStatus, AwxJobTemplate, World } from '../world';
import { runPlaybook } from './playbooks';
import { cancelableStatuses, finishedStatuses } from './serializers';

/** What a launch accepted (after the prompt rules dropped the ignored fields). */
export interface LaunchValues {
  extra_vars: Record<string, unknown>;
  limit?: string;
  inventory?: number;
  job_type?: 'run' | 'check';
  verbosity?: number;
  /** How the job came to be: `relaunch` for a job relaunched from another. */
  launch_type?: 'manual' | 'relaunch';
}

const key = (id: number) => `awx.job.${id}`;

/** Drives AWX jobs through their statuses on the world's scheduler. */
export class JobRunner {
  constructor(private readonly world: World) {}

  private iso(): string {
    return new Date(this.world.now()).toISOString();
  }

  /** Creates a job for `template` (status pending) and arms its first transition. */
  launch(template: AwxJobTemplate, values: LaunchValues): AwxJob {
    const job = this.world.change((state) => {
      const id = state.awx.next_id.job++;
      const now = this.iso();
      const templateVars = parseVars(template.extra_vars);
      const created: AwxJob = {
        id,
        name: template.name,
        job_template: template.id,
        inventory: values.inventory ?? template.inventory,
        project: template.project,
        playbook: template.playbook,
        organization: template.organization,
        job_type: values.job_type ?? template.job_type,
        launch_type: values.launch_type ?? 'manual',
        limit: values.limit ?? template.limit,
        verbosity: values.verbosity ?? template.verbosity,
        extra_vars: JSON.stringify({ ...templateVars, ...values.extra_vars }),
        status: 'pending',
        job_explanation: '',
        created: now,
        modified: now,
        started: null,
        finished: null,
        canceled_on: null,
        artifacts: {},
        stdout: '',
        next_transition_at: this.world.now() + this.world.duration('awx.pending'),
        cancel_requested: false,
      };
      state.awx.jobs[String(id)] = created;
      this.world.count('awx.jobs.launched', 1, state);
      this.world.count(`awx.job_templates.${template.id}.jobs.launched`, 1, state);
      return created;
    });
    this.arm(job);
    return job;
  }

  /** Re-arms timers of every unfinished job (after a restart). */
  resume(): void {
    for (const job of Object.values(this.world.state.awx.jobs)) {
      if (!finishedStatuses.has(job.status)) this.arm(job);
    }
  }

  /**
   * Cancels a job: true when it was cancelable. Pending and waiting jobs end at once; a running
   * job keeps showing running until the simulated process is killed.
   */
  cancel(id: number): boolean {
    const job = this.world.state.awx.jobs[String(id)];
    if (!job || !cancelableStatuses.has(job.status)) return false;
    if (job.status === 'running') {
      this.world.change(() => {
        job.cancel_requested = true;
        job.next_transition_at = Math.min(
          job.next_transition_at ?? Infinity,
          this.world.now() + this.world.duration('awx.cancel'),
        );
      });
      this.arm(job);
    } else {
      this.finish(job, 'canceled', 'Job canceled before it started.', []);
    }
    return true;
  }

  private arm(job: AwxJob): void {
    const delay = (job.next_transition_at ?? this.world.now()) - this.world.now();
    this.world.scheduler.at(key(job.id), delay, () => this.advance(job.id));
  }

  private advance(id: number): void {
    const job = this.world.state.awx.jobs[String(id)];
    if (!job || finishedStatuses.has(job.status)) return;
    const template = this.world.state.awx.job_templates[String(job.job_template)];
    if (job.status === 'pending' || job.status === 'new') {
      if (template && !template.allow_simultaneous && this.blockedBy(job)) {
        this.world.change(() => (job.next_transition_at = null));
        return;
      }
      this.move(job, 'waiting', this.world.duration('awx.waiting'));
      return;
    }
    if (job.status === 'waiting') {
      this.world.change(() => {
        job.started = this.iso();
        job.stdout += header(job);
      });
      this.move(job, 'running', this.world.duration('awx.running'));
      return;
    }
    if (job.cancel_requested) {
      this.finish(job, 'canceled', '', ['', 'Job was canceled while running.']);
      return;
    }
    this.complete(job, template);
  }

  private complete(job: AwxJob, template: AwxJobTemplate | undefined): void {
    const vars = parseVars(job.extra_vars);
    const rule = this.world.takeOutcome('awx', {
      template: job.name,
      job_template: String(job.job_template),
      extra_vars: job.extra_vars,
      limit: job.limit,
      playbook: job.playbook,
    });
    if (rule) {
      const status: AwxJobStatus =
        rule.outcome === 'error' ? 'error' : rule.outcome === 'canceled' ? 'canceled' : 'failed';
      const lines =
        status === 'failed'
          ? [
              `fatal: [localhost]: FAILED! => ${JSON.stringify({ changed: false, msg: rule.message })}`,
              ...recap(false, false),
            ]
          : [`ERROR! ${rule.message}`];
      this.finish(job, status, status === 'failed' ? '' : rule.message, lines);
      return;
    }
    if (!template) {
      this.finish(job, 'error', 'Job template was deleted.', ['ERROR! Job template was deleted.']);
      return;
    }
    const result = runPlaybook(this.world, template, vars, `awx job ${job.id}`);
    this.world.change(() => (job.artifacts = result.artifacts));
    const lines = [
      `TASK [${result.task}] ${'*'.repeat(40)}`,
      ...result.lines,
      '',
      ...recap(result.ok, result.changed),
    ];
    this.finish(job, result.ok ? 'successful' : 'failed', '', lines);
  }

  private move(job: AwxJob, status: AwxJobStatus, delay: number): void {
    this.world.change(() => {
      job.status = status;
      job.modified = this.iso();
      job.next_transition_at = this.world.now() + delay;
    });
    this.arm(job);
  }

  private finish(job: AwxJob, status: AwxJobStatus, explanation: string, lines: string[]): void {
    this.world.change((state) => {
      const now = this.iso();
      job.status = status;
      job.job_explanation = explanation;
      job.modified = now;
      job.finished = now;
      if (status === 'canceled') job.canceled_on = now;
      job.next_transition_at = null;
      job.stdout += lines.join('\n') + (lines.length ? '\n' : '');
      this.world.count(`awx.jobs.${status}`, 1, state);
    });
    this.world.scheduler.cancel(key(job.id));
    this.wakeBlocked(job.job_template);
  }

  /** An earlier active job of the same template blocks this one. */
  private blockedBy(job: AwxJob): boolean {
    return Object.values(this.world.state.awx.jobs).some(
      (other) =>
        other.job_template === job.job_template && other.id < job.id && !finishedStatuses.has(other.status),
    );
  }

  private wakeBlocked(templateId: number): void {
    const next = Object.values(this.world.state.awx.jobs)
      .filter((j) => j.job_template === templateId && j.status === 'pending' && j.next_transition_at === null)
      .sort((a, b) => a.id - b.id)[0];
    if (next) {
      this.world.change(
        () => (next.next_transition_at = this.world.now() + this.world.duration('awx.pending')),
      );
      this.arm(next);
    }
  }
}

function header(job: AwxJob): string {
  return (
    [
      'Identity added: /runner/artifacts/ssh_key_data',
      '',
      `PLAY [${job.name}] ${'*'.repeat(48)}`,
      '',
      `TASK [Gathering Facts] ${'*'.repeat(44)}`,
      'ok: [localhost]',
      '',
    ].join('\n') + '\n'
  );
}

function recap(ok: boolean, changed: boolean): string[] {
  return [
    `PLAY RECAP ${'*'.repeat(56)}`,
    `localhost                  : ok=${ok ? 2 : 1}    changed=${changed ? 1 : 0}    unreachable=0    failed=${ok ? 0 : 1}    skipped=0    rescued=0    ignored=0   `,
  ];
}

/** extra_vars text (JSON or YAML) as an object; empty when absent. */
export function parseVars(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (!trimmed || trimmed === '---' || trimmed === '{}') return {};
  try {
    const parsed = YAML.parse(trimmed) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
