/**
 * `ansible:render-extra-vars`: the AWX job template to run and its `extra_vars`, for creating or
 * deleting a VM described by its common format (as `rfm:read-resource` returns it). The output
 * goes straight into `awx:find-job-template` (name) and `awx:launch-job-template` (extraVars).
 */
import { z } from 'zod';
import { virtualMachineDocument } from '../resources/document';
import { commonFormatDocumentSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { AnsibleDeps } from './deps';
import { createVmExtraVars, deleteVmExtraVars } from './extra-vars';

const call = 'ansible:render-extra-vars';

export const renderExtraVars = defineTask({
  id: call,
  description:
    'Renders the AWX job template name and extra_vars that create or delete a VM from its common format.',
  timeouts: 'short',
  preview: 'pure',
  input: z.object({
    document: commonFormatDocumentSchema,
    action: z.enum(['create', 'delete']),
  }),
  output: z.object({
    jobTemplateName: z.string(),
    extraVars: z.record(z.string(), z.unknown()),
  }),
  async handler(input, ctx: TaskContext<AnsibleDeps>) {
    const vm = virtualMachineDocument(ctx.deps.registry, input.document, call, 'ansible');
    return input.action === 'create'
      ? { jobTemplateName: ctx.deps.jobTemplates.create, extraVars: createVmExtraVars(vm) }
      : { jobTemplateName: ctx.deps.jobTemplates.delete, extraVars: deleteVmExtraVars(vm) };
  },
});
