/**
 * `tfe:ensure-workspace`: the workspace exists with the settings asked for. Reads by name first;
 * creates when absent; a create that finds the name taken (a concurrent step, a retry after a
 * lost answer) reads the existing one. Settings that differ are updated.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { defineTask, type TaskContext } from '../task';
import type { WorkspaceAttributes } from './client';
import type { TfeDeps } from './deps';
import { workspaceIdSchema } from './schemas';

export const ensureWorkspace = defineTask({
  id: 'tfe:ensure-workspace',
  description: 'Creates a TFE workspace, or updates the existing one to the settings given.',
  timeouts: 'short',
  input: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, 'letters, digits, - and _'),
    /** Defaults to the worker's TFE_ORGANIZATION. */
    organization: z.string().min(1).optional(),
    autoApply: z.boolean().optional(),
    executionMode: z.enum(['remote', 'local', 'agent']).optional(),
    terraformVersion: z.string().min(1).optional(),
    description: z.string().optional(),
    workingDirectory: z.string().optional(),
  }),
  output: z.object({
    workspaceId: workspaceIdSchema,
    name: z.string(),
    organization: z.string(),
    created: z.boolean(),
    updated: z.boolean(),
  }),
  examples: [{ name: 'vm-web-01', autoApply: false }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { tfe } = ctx.deps;
    const organization = input.organization ?? ctx.deps.organization;
    const wanted: Partial<WorkspaceAttributes> = {
      ...(input.autoApply !== undefined ? { 'auto-apply': input.autoApply } : {}),
      ...(input.executionMode !== undefined ? { 'execution-mode': input.executionMode } : {}),
      ...(input.terraformVersion !== undefined ? { 'terraform-version': input.terraformVersion } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.workingDirectory !== undefined ? { 'working-directory': input.workingDirectory } : {}),
    };
    let workspace = await tfe.readWorkspace(organization, input.name, ctx.signal);
    let created = false;
    if (!workspace) {
      workspace = await tfe.createWorkspace(organization, { name: input.name, ...wanted }, ctx.signal);
      created = workspace !== undefined;
      workspace ??= await tfe.readWorkspace(organization, input.name, ctx.signal);
      if (!workspace)
        throw failure('Conflict', `tfe: workspace ${input.name} is taken but cannot be read yet`, {
          system: 'tfe',
          call: 'tfe:ensure-workspace',
        });
    }
    const differs = (Object.keys(wanted) as (keyof WorkspaceAttributes)[]).filter(
      (k) => (workspace!.attributes[k] ?? null) !== (wanted[k] ?? null),
    );
    let updated = false;
    if (!created && differs.length) {
      const patch = Object.fromEntries(differs.map((k) => [k, wanted[k]]));
      workspace = await tfe.updateWorkspace(workspace.id, patch, ctx.signal);
      updated = true;
    }
    return { workspaceId: workspace.id, name: workspace.attributes.name, organization, created, updated };
  },
});
