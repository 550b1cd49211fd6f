/**
 * `ansible:render-extra-vars`: the AWX job template to run and its `extra_vars`, for creating,
 * deleting or configuring a VM described by its common format (as `rfm:read-resource` returns
 * it). The output goes straight into `awx:find-job-template` (name) and `awx:launch-job-template`
 * (extraVars). The create and delete job templates are the worker's configuration; the one that
 * configures is data: the resource's metadata names it (`configurationJob`) and the template
 * passes it in.
 */
import { z } from 'zod';
import { virtualMachineDocument } from '../resources/document';
import { commonFormatDocumentSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { AnsibleDeps } from './deps';
import { failure } from '../../common/errors';
import { configureVmExtraVars, createVmExtraVars, deleteVmExtraVars } from './extra-vars';

const call = 'ansible:render-extra-vars';

export const renderExtraVars = defineTask({
  id: call,
  description:
    'Renders the AWX job template name and extra_vars that create, delete or configure a VM from its common format.',
  timeouts: 'short',
  input: z.object({
    document: commonFormatDocumentSchema,
    action: z.enum(['create', 'delete', 'configure']),
    /** For `configure`: the job template the resource's metadata names. */
    jobTemplate: z.string().min(1).optional(),
  }),
  output: z.object({
    jobTemplateName: z.string(),
    extraVars: z.record(z.string(), z.unknown()),
  }),
  async handler(input, ctx: TaskContext<AnsibleDeps>) {
    const vm = virtualMachineDocument(ctx.deps.registry, input.document, call, 'ansible');
    if (input.action === 'configure') {
      if (!input.jobTemplate)
        throw failure('InvalidInput', `${call}: configure needs the job template to run`, {
          system: 'ansible',
          call,
          fields: [{ path: 'input.jobTemplate', message: "required for action 'configure'" }],
        });
      return { jobTemplateName: input.jobTemplate, extraVars: configureVmExtraVars(vm) };
    }
    return input.action === 'create'
      ? { jobTemplateName: ctx.deps.jobTemplates.create, extraVars: createVmExtraVars(vm) }
      : { jobTemplateName: ctx.deps.jobTemplates.delete, extraVars: deleteVmExtraVars(vm) };
  },
});
