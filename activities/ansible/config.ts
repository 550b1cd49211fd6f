/**
 * Which AWX job templates build and remove a VM, by name (the worker looks their ids up with
 * `awx:find-job-template`). Parsed by zod at start-up; defaults match the lab's seeded templates.
 */
import { z } from 'zod';

const envSchema = z.object({
  ANSIBLE_VM_CREATE_JOB_TEMPLATE: z.string().min(1).default('vm-create'),
  ANSIBLE_VM_DELETE_JOB_TEMPLATE: z.string().min(1).default('vm-delete'),
});

export interface AnsibleConfig {
  jobTemplates: { create: string; delete: string };
}

/** Reads the Ansible wrapper's settings from the environment. */
export function loadAnsibleConfig(env: NodeJS.ProcessEnv = process.env): AnsibleConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid Ansible configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  return {
    jobTemplates: {
      create: parsed.data.ANSIBLE_VM_CREATE_JOB_TEMPLATE,
      delete: parsed.data.ANSIBLE_VM_DELETE_JOB_TEMPLATE,
    },
  };
}
