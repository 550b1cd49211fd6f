/**
 * `templateInterpreter`: the one generic workflow that runs any template plan as a DAG of steps.
 * Sub-templates and fan-out items run as children of the same type. Clients read progress with
 * the `progress` query, answer approval steps with the `approve` signal, and end a paused step's
 * wait with the `resumeStep` signal its request sends.
 */
import { setHandler } from '@temporalio/workflow';
import { templateCurrentDetails } from '../common/summaries';
import type { InterpreterInput, TemplateResult } from '../common/template';
import { followCurrentDetails } from './current-details';
import { approveSignal, decideUpdate, progressQuery, resumeStepSignal } from './definitions';
import { TemplateRun } from './interpreter/runner';

/** Runs the template `input.plan.entry` of the plan with `input.input`. */
export async function templateInterpreter(input: InterpreterInput): Promise<TemplateResult> {
  const run = new TemplateRun(input);
  setHandler(progressQuery, () => run.progress());
  followCurrentDetails(() => templateCurrentDetails(run.progress()));
  setHandler(approveSignal, (decision) => run.approve(decision));
  setHandler(resumeStepSignal, (decision) => run.resume(decision));
  // The validator refuses before anything is written to history; the caller gets the reason.
  setHandler(decideUpdate, (decision) => run.approve(decision), {
    validator: (decision) => {
      const refusal = run.approvalRefusal(decision);
      if (refusal) throw new Error(refusal);
    },
  });
  return run.execute();
}
