/** The TFE system: its tasks run on the `tfe` task queue with the worker's TFE client. */
import { defineSystem } from '../task';
import { applyRun } from './apply-run';
import { cancelRun } from './cancel-run';
import { createConfigurationVersion } from './create-configuration-version';
import { createRun } from './create-run';
import { createTfeDeps } from './deps';
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

export const tfeSystem = defineSystem({
  name: 'tfe',
  taskQueue: 'tfe',
  // In the order a plan-and-apply uses them.
  tasks: [
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
  ],
  endSystem: 'tfe',
  createDeps: (config) => createTfeDeps(config),
  close: (deps) => deps.tfe.http.close(),
});
