/**
 * `awx:launch-job-template`: starts one job, exactly once per workflow step. An AWX launch is not
 * idempotent (every POST makes a new job), so the launch carries the step's idempotency key in
 * `extra_vars` and first looks for a job of this template that already carries it — a retry after
 * a timeout or a lost answer, or after a worker crash right after the POST, then finds the job
 * instead of starting a second one. AWX refuses filtering on `extra_vars`, so the lookup uses the
 * documented filters (`job_template`, `created__gt`) and compares the key itself.
 *
 * A template that does not prompt for variables would drop the key (and list it in
 * `ignored_fields`), so for those the reference's fallback applies: on a retry, a job of this
 * template launched manually since the step was first scheduled is taken as ours. That is weaker
 * (another launcher in the same minutes would be mistaken for us); enable "Prompt on launch" for
 * Extra Variables on templates the orchestrator runs.
 *
 * AWX answers 201 even when it ignored fields the template does not prompt for; that is treated
 * as an error (InvalidInput naming the fields), and the half-specified job is canceled.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { failure } from '../../common/errors';
import { defineTask, type TaskContext } from '../task';
import type { AwxClient, Job, LaunchOptions } from './client';
import type { AwxDeps } from './deps';
import { jobIdSchema, jobStatusSchema } from './schemas';

/** The extra variable that carries the idempotency key; playbooks may ignore it. */
export const idempotencyVariable = 'orchestrator_idempotency_key';

const MAX_LOOKUP_PAGES = 10;
/** Allowance for the clocks of Temporal and the controller (both NTP-synchronised) to differ. */
const CLOCK_SKEW_ALLOWANCE_MS = 2_000;

function keyOf(extraVars: string | undefined): unknown {
  if (!extraVars) return undefined;
  try {
    const vars = JSON.parse(extraVars) as Record<string, unknown>;
    return vars?.[idempotencyVariable];
  } catch {
    // AWX may hold YAML text; the key is a unique string, so its presence is enough.
    return extraVars.includes(idempotencyVariable) ? extraVars : undefined;
  }
}

async function findJobByKey(
  awx: AwxClient,
  jobTemplate: number,
  key: string,
  since: Date,
  signal: AbortSignal,
): Promise<Job | undefined> {
  let page: Awaited<ReturnType<AwxClient['listJobs']>> | undefined = await awx.listJobs(
    { job_template: jobTemplate, created__gt: since.toISOString(), order_by: '-id', page_size: 200 },
    signal,
  );
  for (let n = 0; page && n < MAX_LOOKUP_PAGES; n++) {
    for (const job of page.results) {
      // Newer AWX leaves extra_vars out of list answers: read the job itself then.
      const vars = job.extra_vars ?? (await awx.readJob(job.id, signal)).extra_vars;
      const found = keyOf(vars);
      if (found === key || (typeof found === 'string' && found.includes(key))) return job;
    }
    page = await awx.nextPage(page, signal);
  }
  return undefined;
}

async function findJobSinceFirstAttempt(
  awx: AwxClient,
  jobTemplate: number,
  firstScheduled: Date,
  signal: AbortSignal,
): Promise<Job | undefined> {
  const page = await awx.listJobs(
    {
      job_template: jobTemplate,
      launch_type: 'manual',
      created__gte: firstScheduled.toISOString(),
      order_by: 'id',
    },
    signal,
  );
  return page.results[0];
}

export const launchJobTemplate = defineTask({
  id: 'awx:launch-job-template',
  description: 'Launches an AWX job template once per workflow step; fails if AWX ignored any field.',
  timeouts: 'short',
  input: z.object({
    jobTemplate: z.number().int().positive(),
    extraVars: z.record(z.string(), z.unknown()).optional(),
    limit: z.string().min(1).optional(),
    inventory: z.number().int().positive().optional(),
    credentials: z.array(z.number().int().positive()).optional(),
    jobType: z.enum(['run', 'check']).optional(),
    jobTags: z.string().min(1).optional(),
    skipTags: z.string().min(1).optional(),
    verbosity: z.number().int().min(0).max(5).optional(),
    diffMode: z.boolean().optional(),
    scmBranch: z.string().min(1).optional(),
  }),
  output: z.object({
    job: jobIdSchema,
    status: jobStatusSchema,
    /** True when an earlier attempt (or run) of this step had already launched the job. */
    adopted: z.boolean(),
    /** Where the launch's idempotency rests: the key in extra_vars, or the launch time fallback. */
    idempotency: z.enum(['extra_vars', 'launch_time']),
  }),
  examples: [{ jobTemplate: 7, extraVars: { vm_name: 'web-01' } }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    const { awx, idempotencyLookbackMs } = ctx.deps;
    const details = { system: 'awx', call: 'awx:launch-job-template' };
    const template = await awx.readJobTemplate(input.jobTemplate, ctx.signal);
    const keyInVars = template.ask_variables_on_launch === true;

    const existing = keyInVars
      ? await findJobByKey(
          awx,
          template.id,
          ctx.idempotencyKey,
          new Date(Date.now() - idempotencyLookbackMs),
          ctx.signal,
        )
      : ctx.attempt > 1
        ? await findJobSinceFirstAttempt(
            awx,
            template.id,
            new Date(Context.current().info.scheduledTimestampMs - CLOCK_SKEW_ALLOWANCE_MS),
            ctx.signal,
          )
        : undefined;
    if (existing)
      return {
        job: existing.id,
        status: existing.status,
        adopted: true,
        idempotency: keyInVars ? ('extra_vars' as const) : ('launch_time' as const),
      };

    const extraVars = keyInVars
      ? { ...input.extraVars, [idempotencyVariable]: ctx.idempotencyKey }
      : input.extraVars;
    const options: LaunchOptions = {
      ...(extraVars && Object.keys(extraVars).length ? { extra_vars: extraVars } : {}),
      ...(input.limit !== undefined ? { limit: input.limit } : {}),
      ...(input.inventory !== undefined ? { inventory: input.inventory } : {}),
      ...(input.credentials !== undefined ? { credentials: input.credentials } : {}),
      ...(input.jobType !== undefined ? { job_type: input.jobType } : {}),
      ...(input.jobTags !== undefined ? { job_tags: input.jobTags } : {}),
      ...(input.skipTags !== undefined ? { skip_tags: input.skipTags } : {}),
      ...(input.verbosity !== undefined ? { verbosity: input.verbosity } : {}),
      ...(input.diffMode !== undefined ? { diff_mode: input.diffMode } : {}),
      ...(input.scmBranch !== undefined ? { scm_branch: input.scmBranch } : {}),
    };
    const launched = await awx.launchJobTemplate(template.id, options, ctx.signal);
    const jobId = launched.job ?? launched.id;

    const ignored = Object.entries(launched.ignored_fields ?? {}).flatMap(([field, value]) =>
      // Name the ignored variables, never their values (they may be secrets).
      field === 'extra_vars' && value && typeof value === 'object'
        ? Object.keys(value).map((k) => `extra_vars.${k}`)
        : [field],
    );
    if (ignored.length) {
      // The job runs without what we asked for; stop it rather than let it act half-specified.
      const canceled = await awx.cancelJob(jobId, ctx.signal).catch(() => false);
      throw failure(
        'InvalidInput',
        `awx: job template ${template.id} (${template.name}) ignored ${ignored.join(', ')}: enable "Prompt on launch" ` +
          `for them on the template or stop sending them; job ${jobId} ${canceled ? 'was canceled' : 'could not be canceled'}`,
        {
          ...details,
          httpStatus: 201,
          externalId: String(jobId),
          fields: ignored.map((f) => ({
            path: `input.${f === 'extra_vars' ? 'extraVars' : f}`,
            message: 'ignored by AWX',
          })),
        },
      );
    }
    return {
      job: jobId,
      status: launched.status,
      adopted: false,
      idempotency: keyInVars ? ('extra_vars' as const) : ('launch_time' as const),
    };
  },
});
