/** The TFE tasks, for the worker of the `tfe` task queue. */
import type { AnyTask } from '../task';
import { applyRun } from './apply-run';
import { cancelRun } from './cancel-run';
import { createConfigurationVersion } from './create-configuration-version';
import { createRun } from './create-run';
import type { TfeDeps } from './deps';
import { discardRun } from './discard-run';
import { ensureWorkspace } from './ensure-workspace';
import { readRun } from './read-run';
import { readStateOutputs } from './read-state-outputs';
import { setVariables } from './set-variables';
import { uploadConfiguration } from './upload-configuration';
import { waitRun } from './wait-run';

export { TfeClient } from './client';
export { createTfeDeps, type TfeDeps } from './deps';
export { idempotencyMarker } from './create-run';

/** Every TFE task, in the order a plan-and-apply uses them. */
export const tfeTasks: readonly AnyTask<TfeDeps>[] = [
  ensureWorkspace,
  setVariables,
  createConfigurationVersion,
  uploadConfiguration,
  createRun,
  readRun,
  waitRun,
  applyRun,
  discardRun,
  cancelRun,
  readStateOutputs,
];
