/**
 * `tfe:create-run`: queues one run, exactly once per workflow step. Creating a run is not
 * idempotent upstream, so the run's message carries the step's idempotency key, and the task
 * first looks for a run of the workspace with that key (the API's own `search[basic]` filter,
 * which matches run messages; the key is checked again here). A retry after a lost answer or a
 * worker crash after the POST then finds the run instead of queueing a second one. The key rides
 * as a digest (one search token), see idempotencyToken. A first attempt does not look: the key
 * names this workflow run's step, so only an earlier attempt of it can have queued the run. That
 * keeps a burst of builds off the run list, which TFE limits to 30 requests a minute.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { Resource, RunAttributes, TfeClient } from './client';
import type { TfeDeps } from './deps';
import { configurationVersionIdSchema, runIdSchema, runStatusSchema, workspaceIdSchema } from './schemas';

/** Every run operation, so plan-only runs (hidden by default) are found too. */
const ALL_OPERATIONS = 'plan_only,plan_and_apply,save_plan,refresh_only,destroy,empty_apply';
const MAX_LOOKUP_PAGES = 3;

/**
 * The step's key as one search token: a hex digest, so TFE's `search[basic]` (however it splits
 * words) finds it, and the run message stays short.
 */
export function idempotencyToken(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** The marker appended to a run's message. */
export function idempotencyMarker(key: string): string {
  return `[orchestrator-key ${idempotencyToken(key)}]`;
}

async function findRunByKey(
  tfe: TfeClient,
  workspaceId: string,
  key: string,
  signal: AbortSignal,
): Promise<Resource<RunAttributes> | undefined> {
  const marker = idempotencyMarker(key);
  let page: number | null = 1;
  for (let n = 0; page !== null && n < MAX_LOOKUP_PAGES; n++) {
    const { runs, nextPage } = await tfe.listRuns(
      workspaceId,
      {
        'search[basic]': idempotencyToken(key),
        'filter[operation]': ALL_OPERATIONS,
        'page[number]': page,
        'page[size]': 100,
      },
      signal,
    );
    const found = runs.find((r) => r.attributes.message?.includes(marker));
    if (found) return found;
    page = nextPage;
  }
  return undefined;
}

export const createRun = defineTask({
  id: 'tfe:create-run',
  description: 'Creates a TFE run once per workflow step (the step key rides in the run message).',
  timeouts: 'short',
  input: z
    .object({
      workspaceId: workspaceIdSchema,
      /** Omit to use the workspace's latest configuration version. */
      configurationVersionId: configurationVersionIdSchema.optional(),
      message: z.string().min(1).max(500).default('Queued by the orchestrator'),
      autoApply: z.boolean().optional(),
      isDestroy: z.boolean().default(false),
      planOnly: z.boolean().default(false),
      refresh: z.boolean().default(true),
      targetAddrs: z.array(z.string().min(1)).optional(),
      replaceAddrs: z.array(z.string().min(1)).optional(),
      /** Per-run overrides; values are HCL literals (strings quoted: "\"abc\""). */
      variables: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional(),
    })
    .refine((i) => !(i.isDestroy && i.planOnly && i.autoApply), {
      message: 'a plan-only run cannot auto-apply',
      path: ['autoApply'],
    }),
  output: z.object({
    runId: runIdSchema,
    status: runStatusSchema,
    /** True when an earlier attempt (or run) of this step had already created the run. */
    adopted: z.boolean(),
  }),
  examples: [{ workspaceId: 'ws-abc123', configurationVersionId: 'cv-abc123', message: 'create vm web-01' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { tfe } = ctx.deps;
    const existing =
      ctx.attempt > 1
        ? await findRunByKey(tfe, input.workspaceId, ctx.idempotencyKey, ctx.signal)
        : undefined;
    if (existing) return { runId: existing.id, status: existing.attributes.status, adopted: true };
    const run = await tfe.createRun(
      input.workspaceId,
      input.configurationVersionId,
      {
        message: `${input.message} ${idempotencyMarker(ctx.idempotencyKey)}`,
        'is-destroy': input.isDestroy,
        'plan-only': input.planOnly,
        refresh: input.refresh,
        ...(input.autoApply !== undefined ? { 'auto-apply': input.autoApply } : {}),
        ...(input.targetAddrs ? { 'target-addrs': input.targetAddrs } : {}),
        ...(input.replaceAddrs ? { 'replace-addrs': input.replaceAddrs } : {}),
        ...(input.variables ? { variables: input.variables } : {}),
      },
      ctx.signal,
    );
    return { runId: run.id, status: run.attributes.status, adopted: false };
  },
});
