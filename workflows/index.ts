/** Every workflow type the orchestrator worker serves. */
export { systemCheck } from './system-check';
export { templateInterpreter } from './template';
export { requestWorkflow, resourceBatchWorkflow } from './request';
export { resourceWorkflow } from './resource';
