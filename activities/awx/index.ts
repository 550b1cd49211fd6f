/** The AWX system: its tasks run on the `awx` task queue with the worker's AWX client. */
import { defineSystem } from '../task';
import { cancelJob } from './cancel-job';
import { createAwxDeps } from './deps';
import { findJobTemplate } from './find-job-template';
import { launchJobTemplate } from './launch-job-template';
import { readJob } from './read-job';
import { readJobStdout } from './read-job-stdout';
import { waitJob } from './wait-job';

export { AwxClient } from './client';
export { createAwxDeps, type AwxDeps } from './deps';
export { idempotencyVariable } from './launch-job-template';

export const awxSystem = defineSystem({
  name: 'awx',
  taskQueue: 'awx',
  // In the order a job's life uses them.
  tasks: [findJobTemplate, launchJobTemplate, readJob, waitJob, readJobStdout, cancelJob],
  endSystem: 'awx',
  createDeps: (config) => createAwxDeps(config),
  close: (deps) => deps.awx.http.close(),
});
