/**
 * Which activities each task queue serves, built from the task declarations and the clients and
 * stores they need. One place decides it for the worker process and the test harness alike.
 */
import type { Pool } from 'pg';
import { aciTasks, createAciDeps } from '../activities/aci';
import { ansibleTasks, createAnsibleDeps } from '../activities/ansible';
import { awxTasks, createAwxDeps } from '../activities/awx';
import { createEmailDeps, emailTasks } from '../activities/email';
import { createIpamDeps, ipamTasks } from '../activities/ipam';
import { ledgerTasks } from '../activities/ledger';
import { createResourceDeps, resourceTasks } from '../activities/resources';
import { createRfmDeps, rfmTasks, type RfmConfig } from '../activities/rfm';
import { buildActivities, type AnyTask } from '../activities/task';
import { templateTasks } from '../activities/templates';
import { createTerraformDeps, terraformTasks } from '../activities/terraform';
import { createTfeDeps, tfeTasks } from '../activities/tfe';
import { createVcenterDeps, vcenterTasks } from '../activities/vcenter';
import type { TaskQueue } from '../common/task-queues';
import type { EndSystemsConfig } from '../platform/end-systems';
import type { TemplateLibrary } from '../templates/library';

type ActivityMap = Record<string, (input: unknown) => Promise<unknown>>;

export interface WorkerDeps {
  pool: Pool;
  library: TemplateLibrary;
  endSystems: EndSystemsConfig;
  /** Where the resource repositories are (RFM). */
  rfm: RfmConfig;
}

/** The end systems a worker cannot run without, and the variable that configures each. */
const required = {
  awx: 'AWX_URL',
  tfe: 'TFE_URL',
  vcenter: 'VCENTER_URL',
  aci: 'ACI_URL',
  smtp: 'SMTP_HOST',
} as const;

/** Every queue's activities, and how to close the clients and clones behind them. */
export interface WorkerActivities {
  byQueue: Record<TaskQueue, ActivityMap>;
  /** Closes the end-system connections and RFM's working clones; call after the workers stopped. */
  close(): Promise<void>;
}

/** Builds every queue's activities; an unconfigured end system is an error naming its variable. */
export function queueActivities(deps: WorkerDeps): WorkerActivities {
  const missing = Object.entries(required).filter(
    ([system]) => !deps.endSystems[system as keyof typeof required],
  );
  if (missing.length) {
    throw new Error(`end systems not configured: ${missing.map(([s, v]) => `${s} (${v})`).join(', ')}`);
  }
  const { awx, tfe, vcenter, aci, smtp } = deps.endSystems as Required<EndSystemsConfig>;
  const byQueue: Record<TaskQueue, ActivityMap> = {
    orchestrator: {},
    awx: {},
    tfe: {},
    vcenter: {},
    aci: {},
  };
  const add = <D>(tasks: readonly AnyTask<D>[], taskDeps: D): D => {
    const built = buildActivities(tasks, taskDeps);
    for (const task of tasks) {
      const queue = byQueue[task.taskQueue];
      if (queue[task.id]) throw new Error(`task ${task.id} is declared twice`);
      queue[task.id] = built[task.id]!;
    }
    return taskDeps;
  };
  add(ledgerTasks, { pool: deps.pool });
  add(templateTasks, { library: deps.library });
  add(resourceTasks, createResourceDeps({ pool: deps.pool }));
  add(ipamTasks, createIpamDeps({ pool: deps.pool }));
  const rfm = add(rfmTasks, createRfmDeps(deps.rfm));
  add(ansibleTasks, createAnsibleDeps());
  add(terraformTasks, createTerraformDeps());
  const email = add(emailTasks, createEmailDeps(smtp));
  const awxDeps = add(awxTasks, createAwxDeps(awx));
  const tfeDeps = add(tfeTasks, createTfeDeps(tfe));
  const vcenterDeps = add(vcenterTasks, createVcenterDeps(vcenter));
  const aciDeps = add(aciTasks, createAciDeps(aci));
  return {
    byQueue,
    async close() {
      email.transport.close();
      await Promise.allSettled([
        awxDeps.awx.http.close(),
        tfeDeps.tfe.http.close(),
        vcenterDeps.vcenter.close(),
        aciDeps.aci.close(),
        rfm.repositories.close(),
      ]);
    },
  };
}
