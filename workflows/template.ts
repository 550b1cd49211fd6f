/**
 * `templateInterpreter`: the one generic workflow that runs any template plan as a DAG of steps.
 * Sub-templates and fan-out items run as children of the same type. Clients read progress with
 * the `progress` query and answer approval steps with the `approve` signal.
 */
import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
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

/**
 * The same decision as an update: the caller learns whether it was taken, or why not (no such
 * step waiting, or not one of its groups). The API uses this one.
 */
export const decideUpdate = defineUpdate<void, [ApprovalDecision]>('decide');

/** Runs the template `input.plan.entry` of the plan with `input.input`. */
export async function templateInterpreter(input: InterpreterInput): Promise<TemplateResult> {
  const run = new TemplateRun(input);
  setHandler(progressQuery, () => run.progress());
  setHandler(approveSignal, (decision) => run.approve(decision));
  // The validator refuses before anything is written to history; the caller gets the reason.
  setHandler(decideUpdate, (decision) => run.approve(decision), {
    validator: (decision) => {
      const refusal = run.approvalRefusal(decision);
      if (refusal) throw new Error(refusal);
    },
  });
  return run.execute();
}
