/**
 * The template model: what a template file holds, the plan the loader compiles from it for the
 * interpreter workflow, and what the workflow reports back (progress, result). Pure types shared
 * by the loader (Node), the interpreter (workflow sandbox) and the API, so no Node imports here.
 */
import type { TaskMeta } from './tasks';
import type { TraceContext } from './search-attributes';

/** Any JSON value; strings may carry `${…}` expressions (see docs/templates.md). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A template addressed by name and version, e.g. `{ "name": "awx-run-job-template", "version": "1.0.0" }`. */
export interface TemplateRef {
  name: string;
  version: string;
}

/** Temporal's RetryPolicy fields, in their JSON form (durations as strings like `"5 seconds"`). */
export interface StepRetryPolicy {
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
  maximumAttempts?: number;
  nonRetryableErrorTypes?: string[];
}

/** Temporal's activity timeouts; each overrides the task's timeout profile. */
export interface StepTimeouts {
  startToCloseTimeout?: string;
  scheduleToCloseTimeout?: string;
  scheduleToStartTimeout?: string;
  heartbeatTimeout?: string;
}

/** Runs a step once per item of a list, each item as its own child workflow. */
export interface ForEach {
  /** An expression yielding an array. */
  items: string;
  /** An expression (with `item` and `index` in scope) yielding the item's unique key; default: the index. */
  key?: string;
  /** How many items run at once; default 5. */
  concurrency?: number;
}

/** A compensating action: a task or a sub-template, run when the template fails after this step succeeded. */
export type Undo = (
  | { task: string; input?: JsonValue; retry?: StepRetryPolicy; timeouts?: StepTimeouts }
  | { template: TemplateRef; input?: JsonValue }
) & {
  /** A condition evaluated at compensation time (with `output`); when false this success is left as it is. */
  when?: string;
};

interface StepBase {
  /** Unique in the template; an identifier so expressions read `steps.launchJob.output`. */
  id: string;
  description?: string;
  /** Steps that must have finished before this one starts. */
  needs?: string[];
  /** A condition; when false the step is skipped. */
  when?: string;
  /** Whether a step whose needs were all skipped is skipped too (default) or runs anyway. */
  ifNeedsSkipped?: 'skip' | 'run';
  /** `fail` (default): the template fails; `continue`: the failure is recorded and the rest goes on. */
  onFailure?: 'fail' | 'continue';
}

/** Calls one task (a Temporal activity). */
export interface TaskStep extends StepBase {
  task: string;
  input?: JsonValue;
  forEach?: ForEach;
  retry?: StepRetryPolicy;
  timeouts?: StepTimeouts;
  undo?: Undo;
  /** External identifiers this step reports, as expressions over its `output`. */
  externalIds?: Record<string, string>;
}

/** Runs another template as a child workflow; `input` becomes the sub-template's input. */
export interface SubTemplateStep extends StepBase {
  template: TemplateRef;
  input?: JsonValue;
  forEach?: ForEach;
  undo?: Undo;
  externalIds?: Record<string, string>;
}

/** Waits for an `approve` signal from a member of one of the groups, until the timeout. */
export interface ApprovalStep extends StepBase {
  approval: { groups: string[]; timeout: string; message?: string };
}

/** A durable timer. */
export interface WaitStep extends StepBase {
  wait: { duration: string };
}

export type Step = TaskStep | SubTemplateStep | ApprovalStep | WaitStep;
export type StepKind = 'task' | 'template' | 'approval' | 'wait';

/** A template file's content. */
export interface Template {
  name: string;
  version: string;
  description: string;
  /** The JSON Schema of the template's input. */
  input: Record<string, unknown>;
  steps: Step[];
  /** The template's result, with expressions over the input and the steps. */
  output?: JsonValue;
  /** Inputs that must satisfy the input schema; tests check them. */
  examples?: unknown[];
}

/** The key of a template in a library and in a plan: `name@version`. */
export function templateKey(ref: TemplateRef): string {
  return `${ref.name}@${ref.version}`;
}

/** The kind of a step, from the one field that names it. */
export function stepKind(step: Step): StepKind {
  if ('task' in step) return 'task';
  if ('template' in step) return 'template';
  if ('approval' in step) return 'approval';
  return 'wait';
}

/**
 * What the interpreter runs: the exact content of the entry template and of every template it
 * reaches, plus the metadata of every task they use. Built in Node by the loader, so a run in
 * flight never sees later edits to the files nor imports handler code.
 */
export interface TemplatePlan {
  /** `name@version` of the template to run. */
  entry: string;
  templates: Record<string, Template>;
  tasks: Record<string, TaskMeta>;
}

/** One item of a fan-out, handed to the child workflow that runs it. */
export interface FanOutItem {
  key: string;
  index: number;
  value: unknown;
}

/** The interpreter workflow's argument. */
export interface InterpreterInput {
  plan: TemplatePlan;
  input: unknown;
  trace: TraceContext;
  item?: FanOutItem;
}

export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'compensated';

/** A failure as the progress and the result show it. */
export interface StepError {
  message: string;
  /** The ApplicationFailure type from the taxonomy (InvalidInput, JobFailed, …) when known. */
  type?: string;
  externalId?: string;
}

/** Live progress of one step. */
export interface StepProgress {
  id: string;
  kind: StepKind;
  state: StepState;
  /** Activity attempts for a task step (the last attempt's number once Temporal reports it); 1 for others once started. */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  lastError?: StepError;
  /** Why the step was skipped. */
  skipReason?: string;
  /** External identifiers (AWX job, TFE run, VM, commit) the step reported; a fan-out prefixes `key:`. */
  externalIds: Record<string, string>;
  /** Workflow IDs of the child workflows the step started (sub-template, fan-out items, undo). */
  children?: string[];
  /** Fan-out counts. */
  items?: { total: number; running: number; succeeded: number; failed: number };
  approval?: ApprovalDecision & { at: string };
  compensation?: { state: 'succeeded' | 'failed'; error?: StepError };
}

/** The `approve` signal's payload; the API fills `by`, `groups` and `asAdmin` from the authenticated caller. */
export interface ApprovalDecision {
  stepId: string;
  decision: 'approve' | 'reject';
  by: string;
  groups: string[];
  /** Decided by an admin, who may decide any approval step whatever its groups; kept in the record. */
  asAdmin?: boolean;
  comment?: string;
}

/** One undo that ran during compensation. */
export interface Compensation {
  stepId: string;
  itemKey?: string;
  state: 'succeeded' | 'failed';
  error?: StepError;
}

export type TemplateStatus = 'running' | 'compensating' | 'succeeded' | 'failed' | 'cancelled';

/** The progress query's answer. */
export interface TemplateProgress {
  template: TemplateRef;
  workflowId: string;
  status: TemplateStatus;
  steps: StepProgress[];
  compensations: Compensation[];
}

/** A template's outcome: the workflow result when it succeeds, the details of its TemplateFailed failure otherwise. */
export interface TemplateResult extends TemplateProgress {
  output?: unknown;
  error?: StepError & { stepId?: string };
}

/** The failure type of a template that failed (the details carry its TemplateResult). */
export const TEMPLATE_FAILED = 'TemplateFailed';

/**
 * Durations as Temporal reads them (the `ms` format): `"30 seconds"`, `"5m"`, `"2 hours"`,
 * `"1500ms"`, `"1 day"`.
 */
export const DURATION_PATTERN =
  '^\\d+(\\.\\d+)?\\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$';
