/**
 * Which AWX job templates build, remove and change a VM, by name (the worker looks their ids up with
 * `awx:find-job-template`). Parsed by zod at start-up; defaults match the lab's seeded templates.
 */
import { z } from 'zod';
import { parseConfig } from '../../platform/parse-config';

const envSchema = z.object({
  ANSIBLE_VM_CREATE_JOB_TEMPLATE: z.string().min(1).default('vm-create'),
  ANSIBLE_VM_DELETE_JOB_TEMPLATE: z.string().min(1).default('vm-delete'),
  ANSIBLE_VM_UPDATE_JOB_TEMPLATE: z.string().min(1).default('vm-update'),
  ANSIBLE_VM_POWER_JOB_TEMPLATE: z.string().min(1).default('vm-power'),
});

/** What a VM job template does: the actions `ansible:render-extra-vars` renders for. */
export const vmJobActions = ['create', 'delete', 'update', 'power'] as const;
export type VmJobAction = (typeof vmJobActions)[number];

export interface AnsibleConfig {
  jobTemplates: Record<VmJobAction, string>;
}

/** Reads the Ansible wrapper's settings from the environment. */
export function loadAnsibleConfig(env: NodeJS.ProcessEnv = process.env): AnsibleConfig {
  const e = parseConfig(envSchema, env, 'Ansible configuration');
  return {
    jobTemplates: {
      create: e.ANSIBLE_VM_CREATE_JOB_TEMPLATE,
      delete: e.ANSIBLE_VM_DELETE_JOB_TEMPLATE,
      update: e.ANSIBLE_VM_UPDATE_JOB_TEMPLATE,
      power: e.ANSIBLE_VM_POWER_JOB_TEMPLATE,
    },
  };
}
