/**
 * `ansible:render-extra-vars`: the AWX job template to run and its `extra_vars`, for creating,
 * deleting, updating (day 2), powering or configuring a VM described by its common format (as
 * `rfm:read-resource` returns it). The output goes straight into `awx:find-job-template` (name) and
 * `awx:launch-job-template` (extraVars). The create, delete, update and power job templates are
 * the worker's configuration; the one that configures is data: the resource's metadata names it
 * (`configurationJob`) and the template passes it in.
 */
import { z } from 'zod';
import { virtualMachineDocument } from '../resources/document';
import { commonFormatDocumentSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { AnsibleDeps } from './deps';
import { failure } from '../../common/errors';
import { powerActions } from '../../common/resource';
import { vmJobActions } from './config';
import {
  configureVmExtraVars,
  createVmExtraVars,
  deleteVmExtraVars,
  powerVmExtraVars,
  updateVmExtraVars,
} from './extra-vars';

const call = 'ansible:render-extra-vars';

export const renderExtraVars = defineTask({
  id: call,
  description:
    'Renders the AWX job template name and extra_vars that create, delete, update, power or configure a VM from its common format.',
  timeouts: 'short',
  preview: 'pure',
  local: true,
  input: z.object({
    document: commonFormatDocumentSchema,
    action: z.enum([...vmJobActions, 'configure']),
    /** For `power`: what to do. */
    power: z.enum(powerActions).optional(),
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
