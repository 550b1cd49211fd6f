/** Schemas the TFE tasks share: ids and a run as workflows see it. */
import { z } from 'zod';
import { runStatuses, type Resource, type RunAttributes } from './client';

/** Ids as TFE prefixes them, so a mix-up fails at the input. */
export const workspaceIdSchema = z.string().regex(/^ws-[A-Za-z0-9]+$/, 'a TFE workspace id (ws-…)');
export const runIdSchema = z.string().regex(/^run-[A-Za-z0-9]+$/, 'a TFE run id (run-…)');
export const configurationVersionIdSchema = z
  .string()
  .regex(/^cv-[A-Za-z0-9]+$/, 'a TFE configuration version id (cv-…)');
/** Run statuses, verbatim. */
export const runStatusSchema = z.enum(runStatuses);

/** A run as workflows see it. */
export const runSummarySchema = z.object({
  runId: runIdSchema,
  status: runStatusSchema,
  message: z.string(),
  isConfirmable: z.boolean(),
  isDiscardable: z.boolean(),
  isCancelable: z.boolean(),
  hasChanges: z.boolean(),
  isDestroy: z.boolean(),
  workspaceId: z.string().nullable(),
  configurationVersionId: z.string().nullable(),
});

/** A run as workflows see it. */
export type RunSummary = z.infer<typeof runSummarySchema>;

function related(run: Resource<RunAttributes>, name: string): string | null {
  const data = run.relationships?.[name]?.data;
  return data && !Array.isArray(data) ? data.id : null;
}

/** Maps a run resource to the summary; decisions read the `actions` flags, as the API advises. */
export function summarizeRun(run: Resource<RunAttributes>): RunSummary {
  const a = run.attributes;
  return {
    runId: run.id,
    status: a.status,
    message: a.message ?? '',
    isConfirmable: a.actions?.['is-confirmable'] ?? false,
    isDiscardable: a.actions?.['is-discardable'] ?? false,
    isCancelable: a.actions?.['is-cancelable'] ?? false,
    hasChanges: a['has-changes'] ?? false,
    isDestroy: a['is-destroy'] ?? false,
    workspaceId: related(run, 'workspace'),
    configurationVersionId: related(run, 'configuration-version'),
  };
}
