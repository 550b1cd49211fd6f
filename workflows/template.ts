/**
 * `templateInterpreter`: the one generic workflow that runs any template plan as a DAG of steps.
 * Sub-templates and fan-out items run as children of the same type. Clients read progress with
 * the `progress` query and answer approval steps with the `approve` signal.
 */
import { defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type {
  ApprovalDecision,
  InterpreterInput,
  TemplateProgress,
  TemplateResult,
} from '../common/template';
import { TemplateRun } from './interpreter/runner';

/** Live progress of every step (state, attempts, times, last error, external IDs). */
export const progressQuery = defineQuery<TemplateProgress>('progress');

/** An approval decision for a running approval step; ignored unless `groups` meets the step's groups. */
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');

/** Runs the template `input.plan.entry` of the plan with `input.input`. */
export async function templateInterpreter(input: InterpreterInput): Promise<TemplateResult> {
  const run = new TemplateRun(input);
  setHandler(progressQuery, () => run.progress());
  setHandler(approveSignal, (decision) => run.approve(decision));
  return run.execute();
}
