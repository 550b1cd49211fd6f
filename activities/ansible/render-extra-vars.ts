/**
 * `ansible:render-extra-vars`: the AWX job template to run and its `extra_vars`, for creating,
 * deleting, updating (day 2) or powering a VM described by its common format (as `rfm:read-resource` returns it). The output
 * goes straight into `awx:find-job-template` (name) and `awx:launch-job-template` (extraVars).
 */
import { z } from 'zod';
import { virtualMachineDocument } from '../resources/document';
import { commonFormatDocumentSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { AnsibleDeps } from './deps';
import { failure } from '../../common/errors';
import { powerActions } from '../../common/resource';
import { vmJobActions } from './config';
import { createVmExtraVars, deleteVmExtraVars, powerVmExtraVars, updateVmExtraVars } from './extra-vars';

const call = 'ansible:render-extra-vars';

export const renderExtraVars = defineTask({
  id: call,
  description:
    'Renders the AWX job template name and extra_vars that create, delete, update or power a VM from its common format.',
  timeouts: 'short',
  input: z.object({
    document: commonFormatDocumentSchema,
    action: z.enum(vmJobActions),
    /** For `power`: what to do. */
    power: z.enum(powerActions).optional(),
  }),
  output: z.object({
    jobTemplateName: z.string(),
    extraVars: z.record(z.string(), z.unknown()),
  }),
  async handler(input, ctx: TaskContext<AnsibleDeps>) {
    const vm = virtualMachineDocument(ctx.deps.registry, input.document, call, 'ansible');
    if (input.action === 'power' && !input.power)
      throw failure('InvalidInput', `${call}: a power action names what to do`, {
        system: 'ansible',
        call,
        fields: [
          { path: 'input.power', message: `required with action power: one of ${powerActions.join(', ')}` },
        ],
      });
    const extraVars = {
      create: () => createVmExtraVars(vm),
      delete: () => deleteVmExtraVars(vm),
      update: () => updateVmExtraVars(vm),
      power: () => powerVmExtraVars(vm, input.power!),
    }[input.action]();
    return { jobTemplateName: ctx.deps.jobTemplates[input.action], extraVars };
  },
});
