/**
 * One run of a template: schedules the steps as a DAG, keeps each step's progress, and on failure
 * or cancellation runs the undo of every step that succeeded, newest first. Workflow code: only
 * @temporalio/workflow APIs, no I/O, step outputs kept immutable and keyed by step id.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { oneAtATime } from '../one-at-a-time';
import { msToNumber, type Duration } from '@temporalio/common';
import { failure } from '../../common/errors';
import { childWorkflowId } from '../../common/ids';
import {
  ApprovalGroups,
  TraceId,
  traceSearchAttributes,
  type TraceContext,
} from '../../common/search-attributes';
import {
  kinded,
  stepKind,
  templateKey,
  undoOf,
  TEMPLATE_FAILED,
  type ApprovalDecision,
  type ApprovalStep,
  type Compensation,
  type FanOutItem,
  type InterpreterInput,
  type PauseInfo,
  type ResumeRecord,
  type Step,
  type StepProgress,
  type StepError,
  type StepRetryPolicy,
  type StepTimeouts,
  type SubTemplateStep,
  type TaskStep,
  type Template,
  type TemplatePlan,
  type TemplateProgress,
  type TemplateResult,
  type TemplateStatus,
  type WaitStep,
} from '../../common/template';
import {
  evaluateCondition,
  resolveValue,
  wholeExpression,
  type ExpressionScope,
} from '../../common/template-expressions';
import { needsOf } from '../../common/template-graph';
import { defaultRetryPolicy, timeoutProfiles } from '../../common/tasks';
import { TaskQueues } from '../../common/task-queues';
import {
  activitySummary,
  childSummary,
  stepLabel,
  templateDetails,
  type StepCall,
} from '../../common/summaries';
import { runBounded } from '../run-bounded';
import { templatePausedSignal } from '../definitions';
import type { templateInterpreter } from '../template';
import { describeError, expressionFailure, templateResultOf } from './errors';
import { itemPlan, subPlan } from './plan';

/** The workflow type of the interpreter, which every sub-template and fan-out item runs as. */
export const INTERPRETER_WORKFLOW_TYPE = 'templateInterpreter';

/** Fan-out items running at once when a step does not say. */
export const DEFAULT_CONCURRENCY = 5;

/** A success that an undo may have to reverse, in the order successes happened. */
interface Completion {
  stepId: string;
  output: unknown;
  item?: FanOutItem;
}

type TaskCall = { retry?: StepRetryPolicy; timeouts?: StepTimeouts };

/**
 * A fan-out step's items and what each that succeeded gave, kept across the step's attempts: a
 * retry after a pause runs only the items not in `succeeded`.
 */
interface FanOutRun {
  items: FanOutItem[];
  outputs: unknown[];
  succeeded: Set<number>;
}

/** How the steps of a run ended, before compensation. */
type RunOutcome =
  | { kind: 'succeeded'; output: unknown }
  | { kind: 'failed'; error: StepError & { stepId?: string } }
  | { kind: 'cancelled'; failure: CancelledFailure };

const terminal = new Set(['succeeded', 'failed', 'skipped']);
const now = (): string => new Date().toISOString();

export class TemplateRun {
  private readonly template: Template;
  private readonly records = new Map<string, StepProgress>();
  private readonly outputs = new Map<string, unknown>();
  private readonly completions: Completion[] = [];
  private readonly compensations: Compensation[] = [];
  private readonly decisions = new Map<string, ApprovalDecision & { at: string }>();
  /** The groups of each approval step waiting now, mirrored in the ApprovalGroups search attribute. */
  private readonly awaiting = new Map<string, string[]>();
  private readonly pauses = new Map<string, PauseInfo>();
  private readonly resumes: ResumeRecord[] = [];
  /** Its local activities (the renders), one at a time: see workflows/one-at-a-time.ts. */
  private readonly local = oneAtATime();
  private readonly fanOuts = new Map<string, FanOutRun>();
  /** The child workflows of the steps, by workflow ID: the step and the prefix of its external IDs. */
  private readonly childSteps = new Map<string, { stepId: string; prefix: string }>();
  private readonly ids: ExpressionScope['ids'];
  private status: TemplateStatus = 'running';
  /** Quick calls (timeout profile `short`, local ones included) on their way now. */
  private quickCalls = 0;

  constructor(private readonly args: InterpreterInput) {
    const template = args.plan.templates[args.plan.entry];
    if (!template)
      throw ApplicationFailure.nonRetryable(`the plan has no template ${args.plan.entry}`, 'InvalidInput');
    this.template = template;
    for (const step of template.steps)
      this.records.set(step.id, {
        id: step.id,
        kind: stepKind(step),
        state: 'pending',
        attempts: 0,
        externalIds: {},
      });
    this.ids = {
      workflowId: workflowInfo().workflowId,
      traceId: args.trace.traceId,
      requestId: args.trace.requestId,
    };
  }

  /**
   * Whether a quick call is on its way: calls that follow one another (find an AWX job template,
   * launch it) are moments apart, so what they report can wait for the last of them.
   */
  callOnItsWay(): boolean {
    return this.quickCalls > 0;
  }

  /** The progress query's answer. */
  progress(): TemplateProgress {
    return {
      template: { name: this.template.name, version: this.template.version },
      workflowId: this.ids.workflowId,
      status: this.status,
      steps: [...this.records.values()],
      compensations: this.compensations,
      ...(this.pauses.size ? { paused: [...this.pauses.values()] } : {}),
      ...(this.resumes.length ? { resumes: this.resumes } : {}),
    };
  }

  /**
   * The progress of a child this run started (a sub-template, a fan-out item, an undo): its
   * external IDs join the step that runs it the moment the child knows them, so the step shows
   * the AWX job or TFE run while it still waits for it to end.
   */
  childProgress(progress: TemplateProgress): void {
    const child = this.childSteps.get(progress.workflowId);
    const rec = child && this.records.get(child.stepId);
    if (!rec) return;
    for (const step of progress.steps)
      for (const [k, v] of Object.entries(step.externalIds)) rec.externalIds[`${child.prefix}${k}`] = v;
  }

  /** Registers a child workflow of step `stepId`; its external IDs are shown under `prefix`. */
  private adopt(workflowId: string, stepId: string, prefix: string): void {
    this.childSteps.set(workflowId, { stepId, prefix });
  }

  /** Takes a decision for the paused steps; one that arrives when none is paused is logged and ignored. */
  resume(decision: ResumeRecord): void {
    if (this.pauses.size === 0) {
      log.warn('resume ignored: no step is paused', { ...decision });
      return;
    }
    this.resumes.push(decision);
  }

  /**
   * Why a decision cannot be taken now (no such step waiting, neither an admin nor in one of its
   * groups); undefined when it can.
   */
  approvalRefusal(decision: ApprovalDecision): string | undefined {
    const found = this.template.steps.find((s) => s.id === decision.stepId);
    const rec = this.records.get(decision.stepId);
    const waiting = found && kinded(found);
    if (waiting?.kind !== 'approval' || rec?.state !== 'running' || this.decisions.has(decision.stepId)) {
      return `no approval step ${decision.stepId} is waiting`;
    }
    const { step } = waiting;
    // Groups an expression names are known once the step resolved them.
    const groups =
      this.awaiting.get(step.id) ?? (Array.isArray(step.approval.groups) ? step.approval.groups : []);
    if (!decision.asAdmin && !decision.groups.some((g) => groups.includes(g))) {
      return `step ${step.id} is approved by ${groups.join(' or ') || 'groups not known yet'}`;
    }
    // A decision is on the plan the approver saw; this run executes its own, and asks again for it.
    const { planHash } = this.args;
    if (planHash !== undefined && decision.planHash !== planHash) {
      return `the decision is on plan ${decision.planHash ?? '(none named)'}, this run executes plan ${planHash}`;
    }
    return undefined;
  }

  /** Takes a decision for a waiting approval step; a decision that cannot be taken is ignored and logged. */
  approve(decision: ApprovalDecision): void {
    const refusal = this.approvalRefusal(decision);
    if (refusal) {
      log.warn('approval ignored', { stepId: decision.stepId, by: decision.by, reason: refusal });
      return;
    }
    this.decisions.set(decision.stepId, { ...decision, at: now() });
  }

  /** Runs the template to its result, or throws TemplateFailed (details: the result) or the cancellation. */
  async execute(): Promise<TemplateResult> {
    if (!workflowInfo().typedSearchAttributes.get(TraceId))
      upsertSearchAttributes(traceSearchAttributes({ ...this.args.trace, templateName: this.template.name }));
    const outcome = await this.runSteps();
    if (outcome.kind === 'succeeded') {
      this.status = 'succeeded';
      return { ...this.progress(), output: outcome.output };
    }
    this.status = 'compensating';
    await CancellationScope.nonCancellable(() => this.compensate());
    // Ending with a CancelledFailure is what marks the workflow cancelled, whichever way it arrived.
    if (outcome.kind === 'cancelled') {
      this.status = 'cancelled';
      throw outcome.failure;
    }
    this.status = 'failed';
    const { error } = outcome;
    throw ApplicationFailure.create({
      type: TEMPLATE_FAILED,
      nonRetryable: true,
      message: `template ${templateKey(this.template)} failed${error.stepId ? ` at step ${error.stepId}` : ''}: ${error.message}`,
      details: [{ ...this.progress(), error } satisfies TemplateResult],
    });
  }

  /** Runs the graph and the output; a cancellation of the workflow wins over any failure it caused. */
  private async runSteps(): Promise<RunOutcome> {
    let failed: RunOutcome;
    try {
      const failedStep = await this.runGraph();
      if (failedStep === undefined) return { kind: 'succeeded', output: await this.resolveOutput() };
      failed = { kind: 'failed', error: { ...this.records.get(failedStep)!.lastError!, stepId: failedStep } };
    } catch (err) {
      if (CancellationScope.current().consideredCancelled)
        return {
          kind: 'cancelled',
          failure: err instanceof CancelledFailure ? err : new CancelledFailure('template cancelled'),
        };
      failed = { kind: 'failed', error: describeError(err) };
    }
    if (CancellationScope.current().consideredCancelled)
      return { kind: 'cancelled', failure: new CancelledFailure('template cancelled') };
    return failed;
  }

  /**
   * Starts every step whose needs have finished, until none is left; returns the id of the step
   * whose failure fails the template (after cancelling the steps still running), if any.
   */
  private async runGraph(): Promise<string | undefined> {
    const graph = new CancellationScope();
    return graph.run(async () => {
      const started = new Set<string>();
      const running = new Map<string, Promise<void>>();
      let fatal: string | undefined;
      // Woken by a step that settles, in the same turn: the steps it lets start have started
      // before anything waiting on a condition looks (`callOnItsWay`).
      let wake = () => {};
      try {
        for (;;) {
          for (const step of this.template.steps) {
            if (fatal !== undefined || started.has(step.id)) continue;
            if (!needsOf(step).every((n) => terminal.has(this.records.get(n)!.state))) continue;
            started.add(step.id);
            const done = this.runStep(step).then((failed) => {
              running.delete(step.id);
              if (failed && (step.onFailure ?? 'fail') === 'fail') fatal ??= step.id;
              wake();
            });
            running.set(step.id, done);
          }
          if (fatal !== undefined || running.size === 0) break;
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), graph.cancelRequested]);
        }
      } catch (err) {
        // The workflow was cancelled: let the running steps see it and settle before compensating.
        await Promise.all(running.values());
        throw err;
      }
      if (fatal !== undefined) {
        graph.cancel();
        await Promise.all(running.values());
      }
      return fatal;
    });
  }

  /**
   * Runs one step to its end state; true when it failed. Never throws. With a pause timeout, a
   * failure that would fail the template waits for a decision first: retry runs the step again.
   */
  private async runStep(step: Step): Promise<boolean> {
    const rec = this.records.get(step.id)!;
    try {
      const skip = await this.skipReason(step);
      if (skip) {
        rec.state = 'skipped';
        rec.skipReason = skip;
        return false;
      }
    } catch (err) {
      rec.state = 'failed';
      rec.lastError = describeError(err);
      rec.endedAt = now();
      return true;
    }
    rec.startedAt = now();
    for (;;) {
      try {
        rec.state = 'running';
        rec.attempts += 1;
        const output = await this.perform(step, rec);
        if (output !== undefined) this.outputs.set(step.id, output);
        rec.state = 'succeeded';
        rec.endedAt = now();
        return false;
      } catch (err) {
        rec.lastError = describeError(err);
        if (!this.pausable(step, err) || (await this.pauseAt(step, rec)) === 'abort') {
          rec.state = 'failed';
          rec.endedAt = now();
          return true;
        }
      }
    }
  }

  /**
   * A step's failure pauses when the request asked for it, the failure would fail the template,
   * and it is not a cancellation. A fan-out step pauses too: its retry runs only the items that
   * did not succeed (see fanOut).
   */
  private pausable(step: Step, err: unknown): boolean {
    return (
      this.args.pauseTimeout !== undefined &&
      (step.onFailure ?? 'fail') === 'fail' &&
      !isCancellation(err) &&
      !CancellationScope.current().consideredCancelled
    );
  }

  /** Waits for the decision on a failed step; no decision by the deadline, or a cancellation, aborts. */
  private async pauseAt(step: Step, rec: StepProgress): Promise<'retry' | 'abort'> {
    const timeout = this.args.pauseTimeout!;
    const pause: PauseInfo = {
      stepId: step.id,
      error: rec.lastError!,
      pausedAt: now(),
      deadline: new Date(Date.now() + msToNumber(timeout as Duration)).toISOString(),
    };
    this.pauses.set(step.id, pause);
    rec.state = 'paused';
    this.status = 'paused';
    const seen = this.resumes.length;
    let ended: ResumeRecord | undefined;
    try {
      await this.tellParent(pause);
      const waiting = {
        summary: `${stepLabel(this.stepCall(step.id))} · paused for retry or abort, up to ${timeout}`,
      };
      if (await condition(() => this.resumes.length > seen, timeout as Duration, waiting))
        ended = this.resumes[seen]!;
      else ended = { action: 'abort', by: 'pause timeout', at: now(), stepId: step.id };
    } catch (err) {
      if (!isCancellation(err)) throw err;
      ended = { action: 'abort', by: 'cancellation', at: now(), stepId: step.id };
    }
    this.pauses.delete(step.id);
    if (this.pauses.size === 0) this.status = 'running';
    if (ended !== this.resumes[seen]) {
      this.resumes.push(ended);
      // Nobody decided: the request still shows the pause until it is told it ended.
      await CancellationScope.nonCancellable(() => this.tellParent(undefined));
    }
    log.info('pause ended', { ...ended, stepId: step.id });
    return ended.action;
  }

  /** Tells the workflow that started this template (the request) that a step paused or stopped waiting. */
  private async tellParent(pause: PauseInfo | undefined): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(templatePausedSignal, {
      workflowId: this.ids.workflowId,
      ...(pause ? { pause } : {}),
    });
  }

  private async skipReason(step: Step): Promise<string | undefined> {
    const needs = needsOf(step);
    const failed = needs.filter((n) => this.records.get(n)!.state === 'failed');
    if (failed.length) return `needs ${failed.join(', ')}, which failed`;
    if (
      needs.length &&
      needs.every((n) => this.records.get(n)!.state === 'skipped') &&
      (step.ifNeedsSkipped ?? 'skip') === 'skip'
    )
      return `every step it needs was skipped (${needs.join(', ')})`;
    if (step.when !== undefined && !(await this.holds(step.when, this.scope(), `${step.id}.when`)))
      return `condition ${step.when} is false`;
    return undefined;
  }

  private async holds(condition: string, scope: ExpressionScope, where: string): Promise<boolean> {
    try {
      return await evaluateCondition(condition, scope);
    } catch (err) {
      throw expressionFailure(where, err);
    }
  }

  private async perform(step: Step, rec: StepProgress): Promise<unknown> {
    const k = kinded(step);
    switch (k.kind) {
      case 'approval':
        return this.awaitApproval(k.step, rec);
      case 'wait':
        return this.wait(k.step);
      case 'task':
      case 'template': {
        if (k.step.forEach) return this.fanOut(k.step, rec);
        const input = await this.resolve(k.step.input ?? {}, this.scope(), `${step.id}.input`);
        return this.undoable(k.step, rec, undefined, () =>
          k.kind === 'task' ? this.runTaskStep(k.step, input, rec) : this.runSubTemplate(k.step, input, rec),
        );
      }
    }
  }

  private async wait(step: WaitStep): Promise<undefined> {
    const duration = wholeExpression(step.wait.duration)
      ? await this.resolve(step.wait.duration, this.scope(), `${step.id}.wait.duration`)
      : step.wait.duration;
    await sleep(duration as Duration, {
      summary: `${stepLabel(this.stepCall(step.id))} · wait ${String(duration)}`,
    });
    return undefined;
  }

  private runTaskStep(step: TaskStep, input: unknown, rec: StepProgress): Promise<unknown> {
    const call = () => this.callTask(step.task, step, input, this.stepCall(step.id), rec);
    // A quick step with an undo finishes its call even when cancelled: the call may already have
    // acted (an AWX launch whose answer was lost, waiting for its retry), and its undo can only
    // reverse what it knows of.
    const finishFirst = step.undo !== undefined && this.args.plan.tasks[step.task]?.timeouts === 'short';
    return finishFirst ? CancellationScope.nonCancellable(call) : call();
  }

  private async runSubTemplate(step: SubTemplateStep, input: unknown, rec: StepProgress): Promise<unknown> {
    const workflowId = childWorkflowId(this.ids.workflowId, step.id);
    rec.children = [workflowId];
    this.adopt(workflowId, step.id, '');
    const result = await this.runChild(
      workflowId,
      subPlan(this.args.plan, templateKey(step.template)),
      input,
      { stepId: step.id },
    );
    return result.output;
  }

  /**
   * Runs the call of a task or sub-template step (or of one fan-out item) and remembers its
   * success for compensation: the one place completions are recorded.
   */
  private async undoable(
    step: TaskStep | SubTemplateStep,
    rec: StepProgress,
    item: FanOutItem | undefined,
    call: () => Promise<unknown>,
  ): Promise<unknown> {
    let output: unknown;
    try {
      output = await call();
    } catch (err) {
      // A sub-template cancelled part way may already have acted for good (an AWX job that
      // finished while its output was being read): its undo then runs as after a success.
      if (item === undefined && stepKind(step) === 'template' && step.undo && isCancellation(err))
        this.completions.push({ stepId: step.id, output: undefined });
      throw err;
    }
    this.completions.push(item ? { stepId: step.id, output, item } : { stepId: step.id, output });
    await this.recordExternalIds(step, rec, output, item);
    return output;
  }

  /**
   * Runs each item of a list as its own child workflow, at most `concurrency` at once. Another
   * attempt of the step (a retry after a pause) runs only the items that have not succeeded, each
   * as a new run of its child workflow (so a launch in it is a new one); those that succeeded
   * keep their outputs.
   */
  private async fanOut(step: TaskStep | SubTemplateStep, rec: StepProgress): Promise<unknown[]> {
    let run = this.fanOuts.get(step.id);
    if (!run) {
      const items = await this.fanOutItems(step);
      run = { items, outputs: new Array<unknown>(items.length).fill(null), succeeded: new Set() };
      this.fanOuts.set(step.id, run);
      rec.children = [];
    }
    const { outputs, succeeded } = run;
    const counts = { total: run.items.length, running: 0, succeeded: succeeded.size, failed: 0 };
    rec.items = counts;
    const failFast = (step.onFailure ?? 'fail') === 'fail';
    let firstError: unknown;
    const itemsScope = new CancellationScope();
    await itemsScope.run(() =>
      runBounded(
        run.items.filter((item) => !succeeded.has(item.index)),
        step.forEach!.concurrency ?? DEFAULT_CONCURRENCY,
        async (item) => {
          counts.running++;
          try {
            outputs[item.index] = (await this.runItem(step, item, rec)) ?? null;
            succeeded.add(item.index);
            counts.succeeded++;
          } catch (err) {
            counts.failed++;
            rec.lastError = describeError(err);
            firstError ??= err;
            // Fail fast: the items still running are cancelled and no more start.
            if (failFast) itemsScope.cancel();
          } finally {
            counts.running--;
          }
        },
        () => itemsScope.consideredCancelled,
      ),
    );
    if (firstError !== undefined) throw firstError;
    return outputs;
  }

  /** A fan-out step's items, each keyed by its `forEach.key` (unique) or its index. */
  private async fanOutItems(step: TaskStep | SubTemplateStep): Promise<FanOutItem[]> {
    const forEach = step.forEach!;
    const items = await this.resolve(forEach.items, this.scope(), `${step.id}.forEach.items`);
    if (!Array.isArray(items))
      throw failure('InvalidInput', `${step.id}.forEach.items is not a list`, {
        system: 'template',
        call: step.id,
      });
    const fanOut: FanOutItem[] = [];
    const keys = new Set<string>();
    for (const [index, value] of items.entries()) {
      const key = forEach.key
        ? String(
            await this.resolve(forEach.key, this.scope({ item: value, index }), `${step.id}.forEach.key`),
          )
        : String(index);
      if (keys.has(key))
        throw failure('InvalidInput', `${step.id}.forEach.key ${key} is not unique`, {
          system: 'template',
          call: step.id,
        });
      keys.add(key);
      fanOut.push({ key, index, value });
    }
    return fanOut;
  }

  private async runItem(
    step: TaskStep | SubTemplateStep,
    item: FanOutItem,
    rec: StepProgress,
  ): Promise<unknown> {
    const scope = this.scope({ item: item.value, index: item.index });
    const input = await this.resolve(step.input ?? {}, scope, `${step.id}[${item.key}].input`);
    const workflowId = childWorkflowId(this.ids.workflowId, step.id, item.key);
    if (!rec.children!.includes(workflowId)) rec.children!.push(workflowId);
    this.adopt(workflowId, step.id, `${item.key}:`);
    const k = kinded(step);
    const plan =
      k.kind === 'task'
        ? itemPlan(this.args.plan, this.template, k.step)
        : subPlan(this.args.plan, templateKey((k.step as SubTemplateStep).template));
    return this.undoable(
      step,
      rec,
      item,
      async () => (await this.runChild(workflowId, plan, input, { stepId: step.id, item })).output,
    );
  }

  private async awaitApproval(step: ApprovalStep, rec: StepProgress): Promise<unknown> {
    const { groups, timeout } = await this.approvalParties(step);
    const since = now();
    rec.waiting = {
      groups,
      since,
      deadline: new Date(Date.parse(since) + msToNumber(timeout as Duration)).toISOString(),
      ...(await this.approvalMessage(step)),
      ...(this.args.planHash !== undefined ? { planHash: this.args.planHash } : {}),
    };
    this.setAwaiting(step.id, groups);
    let decided: boolean;
    try {
      decided = await condition(() => this.decisions.has(step.id), timeout as Duration, {
        summary: `${stepLabel(this.stepCall(step.id))} · approval by ${groups.join(' or ')}, up to ${timeout}`,
      });
    } finally {
      this.setAwaiting(step.id, undefined);
      delete rec.waiting;
    }
    const call = { system: 'template', call: step.id };
    if (!decided)
      throw failure('ApprovalDenied', `no approval from ${groups.join(' or ')} within ${timeout}`, call);
    const decision = this.decisions.get(step.id)!;
    rec.approval = decision;
    if (decision.decision !== 'approve')
      throw failure(
        'ApprovalDenied',
        `rejected by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`,
        call,
      );
    return { approvedBy: decision.by, comment: decision.comment ?? null, at: decision.at };
  }

  /**
   * A step of this template as its activities and children name it; in a fan-out item's own
   * workflow, the item it runs.
   */
  private stepCall(stepId: string): StepCall {
    return this.args.item ? { stepId, item: this.args.item } : { stepId };
  }

  /** Records that approval step `stepId` waits for `groups` (undefined: no longer) in the search attribute. */
  private setAwaiting(stepId: string, groups: string[] | undefined): void {
    if (groups) this.awaiting.set(stepId, groups);
    else this.awaiting.delete(stepId);
    const all = [...new Set([...this.awaiting.values()].flat())].sort();
    upsertSearchAttributes([{ key: ApprovalGroups, value: all.length ? all : null }]);
  }

  /** Who decides an approval step and for how long: as written, or resolved from its expressions. */
  private async approvalParties(step: ApprovalStep): Promise<{ groups: string[]; timeout: string }> {
    const { groups, timeout } = step.approval;
    const where = `${step.id}.approval`;
    const resolvedGroups = Array.isArray(groups)
      ? groups
      : await this.resolve(groups, this.scope(), `${where}.groups`);
    const resolvedTimeout = wholeExpression(timeout)
      ? await this.resolve(timeout, this.scope(), `${where}.timeout`)
      : timeout;
    if (
      !Array.isArray(resolvedGroups) ||
      resolvedGroups.length === 0 ||
      !resolvedGroups.every((g) => typeof g === 'string' && g.length > 0)
    )
      throw expressionFailure(`${where}.groups`, new Error('must give a list of group names'));
    if (typeof resolvedTimeout !== 'string' || !validDuration(resolvedTimeout))
      throw expressionFailure(`${where}.timeout`, new Error('must give a duration, such as "7 days"'));
    return { groups: resolvedGroups as string[], timeout: resolvedTimeout };
  }

  /** The approval's message with its expressions resolved; none when it has none or they fail. */
  private async approvalMessage(step: ApprovalStep): Promise<{ message?: string }> {
    if (step.approval.message === undefined) return {};
    try {
      const message = await resolveValue(step.approval.message, this.scope());
      return { message: typeof message === 'string' ? message : JSON.stringify(message) };
    } catch {
      return {};
    }
  }

  /**
   * Calls a task with its defaults, overridden field by field by the step's retry and timeouts;
   * the Web UI shows the activity as the step (`serves`) and the task it calls.
   */
  private async callTask(
    taskId: string,
    call: TaskCall,
    input: unknown,
    serves: StepCall,
    rec?: StepProgress,
  ): Promise<unknown> {
    const meta = this.args.plan.tasks[taskId];
    if (!meta) throw ApplicationFailure.nonRetryable(`the plan has no task ${taskId}`, 'InvalidInput');
    const retry = { ...defaultRetryPolicy, ...meta.retry, ...call.retry } as ActivityOptions['retry'];
    const options = {
      ...timeoutProfiles[meta.timeouts],
      ...(call.timeouts as Partial<ActivityOptions>),
      retry,
      // Explicit: the SDK's encoded default is TRY_CANCEL, and compensation must not start while
      // a cancelled step is still running.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      summary: activitySummary(stepLabel(serves), taskId),
    };
    type Calls = Record<string, (input: unknown) => Promise<unknown>>;
    // A pure, quick task runs inside this workflow task, on the worker that runs it (TaskMeta.local);
    // the orchestrator's own tasks run in this workflow's lane, an end system's on its queue.
    const activities = meta.local
      ? proxyLocalActivities<Calls>(localOptions(options))
      : proxyActivities<Calls>({
          taskQueue: meta.taskQueue === TaskQueues.orchestrator ? workflowInfo().taskQueue : meta.taskQueue,
          ...options,
        });
    const quick = meta.timeouts === 'short';
    if (quick) this.quickCalls++;
    try {
      const call = () => activities[taskId]!(input);
      return await (meta.local ? this.local(call) : call());
    } catch (err) {
      if (rec && err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED')
        rec.attempts = retry?.maximumAttempts ?? rec.attempts;
      throw err;
    } finally {
      if (quick) this.quickCalls--;
    }
  }

  /**
   * Runs a template as a child workflow for a step (one item of it, or its undo). Its external IDs
   * come by its progress signals while it runs and, the last of them, with its end (its result, or
   * its failure's details): a child that succeeds or fails does not signal them again.
   */
  private async runChild(
    workflowId: string,
    plan: TemplatePlan,
    input: unknown,
    call: StepCall,
  ): Promise<TemplateResult> {
    try {
      const result = await this.executeTemplateChild(workflowId, plan, input, call);
      this.childProgress(result);
      return result;
    } catch (err) {
      const failed = templateResultOf(err);
      if (failed) this.childProgress(failed);
      throw err;
    }
  }

  private executeTemplateChild(
    workflowId: string,
    plan: TemplatePlan,
    input: unknown,
    call: StepCall,
  ): Promise<TemplateResult> {
    const templateName = plan.templates[plan.entry]!.name;
    const trace: TraceContext = { ...this.args.trace, templateName };
    const { item } = call;
    const summary = childSummary(plan, this.template.name, call);
    return executeChild<typeof templateInterpreter>(INTERPRETER_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: workflowInfo().taskQueue,
      staticSummary: summary,
      staticDetails: templateDetails(plan, trace, [`**${summary}**`, `Parent: \`${this.ids.workflowId}\``]),
      args: [
        {
          plan,
          input,
          trace,
          ...(item && !call.undo ? { item } : {}),
          ...(this.args.planHash !== undefined ? { planHash: this.args.planHash } : {}),
        },
      ],
      // Children do not inherit search attributes: each carries the trace itself.
      typedSearchAttributes: traceSearchAttributes(trace),
    });
  }

  /** External IDs: an `externalIds` object in the task's output, then the step's own expressions. */
  private async recordExternalIds(
    step: TaskStep | SubTemplateStep,
    rec: StepProgress,
    output: unknown,
    item: FanOutItem | undefined,
  ): Promise<void> {
    const prefix = item ? `${item.key}:` : '';
    const reported = (output as { externalIds?: unknown } | null)?.externalIds;
    if (reported && typeof reported === 'object')
      for (const [k, v] of Object.entries(reported))
        if (typeof v === 'string' || typeof v === 'number') rec.externalIds[`${prefix}${k}`] = String(v);
    if (!step.externalIds) return;
    const scope = this.scope({ output, ...(item ? { item: item.value, index: item.index } : {}) });
    for (const [k, expr] of Object.entries(step.externalIds)) {
      const v = await this.resolve(expr, scope, `${step.id}.externalIds.${k}`);
      if (v !== undefined && v !== null)
        rec.externalIds[`${prefix}${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }

  /**
   * Runs the undo of every success, newest first; an undo that fails is recorded and the rest
   * still run. An undo whose `when` is false leaves that success as it is (no entry).
   */
  private async compensate(): Promise<void> {
    const byId = new Map(this.template.steps.map((s) => [s.id, s]));
    const undone = new Map<string, { ok: number; failed: number; kept: number }>();
    for (const done of [...this.completions].reverse()) {
      const step = byId.get(done.stepId)!;
      const undo = undoOf(step);
      if (!undo) continue;
      const tally = undone.get(step.id) ?? { ok: 0, failed: 0, kept: 0 };
      undone.set(step.id, tally);
      const entry: Compensation = { stepId: step.id, state: 'succeeded' };
      if (done.item) entry.itemKey = done.item.key;
      try {
        const scope = this.scope({
          output: done.output,
          ...(done.item ? { item: done.item.value, index: done.item.index } : {}),
        });
        if (undo.when !== undefined && !(await this.holds(undo.when, scope, `${step.id}.undo.when`))) {
          tally.kept++;
          continue;
        }
        const input = await this.resolve(undo.input ?? {}, scope, `${step.id}.undo.input`);
        const call: StepCall = { stepId: step.id, undo: true, ...(done.item ? { item: done.item } : {}) };
        if ('task' in undo) await this.callTask(undo.task, undo, input, call);
        else {
          const workflowId = childWorkflowId(this.ids.workflowId, `${step.id}-undo`, done.item?.key);
          this.records.get(step.id)!.children?.push(workflowId);
          this.adopt(workflowId, step.id, done.item ? `undo:${done.item.key}:` : 'undo:');
          await this.runChild(workflowId, subPlan(this.args.plan, templateKey(undo.template)), input, call);
        }
        tally.ok++;
      } catch (err) {
        entry.state = 'failed';
        entry.error = describeError(err);
        tally.failed++;
      }
      this.compensations.push(entry);
    }
    for (const [id, tally] of undone) {
      if (tally.ok + tally.failed === 0) continue;
      const rec = this.records.get(id)!;
      const last = [...this.compensations].reverse().find((c) => c.stepId === id && c.state === 'failed');
      rec.compensation = tally.failed ? { state: 'failed', error: last!.error! } : { state: 'succeeded' };
      if (rec.state === 'succeeded' && tally.failed === 0 && tally.kept === 0) rec.state = 'compensated';
    }
  }

  private async resolveOutput(): Promise<unknown> {
    if (this.template.output === undefined) return undefined;
    return this.resolve(this.template.output, this.scope(), 'output');
  }

  private async resolve(value: unknown, scope: ExpressionScope, where: string): Promise<unknown> {
    try {
      return await resolveValue(value, scope);
    } catch (err) {
      throw expressionFailure(where, err);
    }
  }

  /** What expressions see now: finished steps only, each with its state and output. */
  private scope(extra: { item?: unknown; index?: number; output?: unknown } = {}): ExpressionScope {
    const steps: ExpressionScope['steps'] = {};
    for (const [id, rec] of this.records) {
      if (!terminal.has(rec.state)) continue;
      const output = this.outputs.get(id);
      steps[id] = output === undefined ? { state: rec.state } : { state: rec.state, output };
    }
    const item = this.args.item;
    return {
      input: this.args.input,
      steps,
      ids: this.ids,
      ...(item ? { item: item.value, index: item.index } : {}),
      ...extra,
    };
  }
}

/**
 * A task's activity options as a local activity's: the same timeouts and retry policy, without
 * what only an activity task has (a heartbeat timeout: a local activity does not heartbeat).
 */
function localOptions(options: ActivityOptions): LocalActivityOptions {
  const { heartbeatTimeout: _heartbeat, taskQueue: _queue, ...local } = options;
  return local as LocalActivityOptions;
}

/** Whether `text` is a duration Temporal reads (`7 days`, `30s`). */
function validDuration(text: string): boolean {
  try {
    return Number.isFinite(msToNumber(text as Duration));
  } catch {
    return false;
  }
}
