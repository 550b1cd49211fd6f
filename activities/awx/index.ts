/** The AWX tasks, for the worker of the `awx` task queue. */
import type { AnyTask } from '../task';
import { cancelJob } from './cancel-job';
import type { AwxDeps } from './deps';
import { findJobTemplate } from './find-job-template';
import { launchJobTemplate } from './launch-job-template';
import { readJob } from './read-job';
import { readJobStdout } from './read-job-stdout';
import { waitJob } from './wait-job';

export { AwxClient } from './client';
export { createAwxDeps, type AwxDeps } from './deps';
export { idempotencyVariable } from './launch-job-template';

/** Every AWX task, in the order a job's life uses them. */
export const awxTasks: readonly AnyTask<AwxDeps>[] = [
  findJobTemplate,
  launchJobTemplate,
  readJob,
  waitJob,
  readJobStdout,
  cancelJob,
];
