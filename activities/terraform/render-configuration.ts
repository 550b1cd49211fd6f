/**
 * `terraform:render-configuration`: a managed VM's TFE workspace name, variables and root module
 * (`main.tf.json` with a `vsphere_virtual_machine`, plus `terraform.tfvars.json`), from its
 * common format. The outputs go straight into `tfe:ensure-workspace` (name),
 * `tfe:set-variables` (variables) and `tfe:upload-configuration` (files).
 */
import { z } from 'zod';
import { virtualMachineDocument } from '../resources/document';
import { commonFormatDocumentSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import { renderVmConfiguration } from './configuration';
import type { TerraformDeps } from './deps';

const call = 'terraform:render-configuration';

export const renderConfiguration = defineTask({
  id: call,
  description:
    "Renders a managed VM's TFE workspace name, variables and *.tf.json module from its common format.",
  timeouts: 'short',
  preview: 'pure',
  local: true,
  input: z.object({ document: commonFormatDocumentSchema }),
  output: z.object({
    workspaceName: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/),
    variables: z.array(
      z.object({
        key: z.string(),
        value: z.string(),
        category: z.literal('terraform'),
        hcl: z.boolean(),
        description: z.string(),
      }),
    ),
    files: z.record(z.string(), z.string()),
  }),
  async handler(input, ctx: TaskContext<TerraformDeps>) {
    const vm = virtualMachineDocument(ctx.deps.registry, input.document, call, 'terraform');
    return renderVmConfiguration(vm, ctx.deps);
  },
});
