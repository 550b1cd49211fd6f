/**
 * The template model: what a template file holds, the plan the loader compiles from it for the
 * interpreter workflow, and what the workflow reports back (progress, result). Pure types shared
 * by the loader (Node), the interpreter (workflow sandbox) and the API, so no Node imports here.
 */
import type { z } from 'zod';
import type { TaskMeta } from './tasks';
import type { TraceContext } from './search-attributes';
import type { stepSchemas, templateRefSchema, templateSchema } from './template-schema';

// What a template file holds is declared once, as zod schemas in template-schema.ts; these are
// their types (type-only imports, so zod stays out of the workflow bundle).

/** A template file's content. */
export type Template = z.infer<typeof templateSchema>;
/** A template addressed by name and version, e.g. `{ "name": "awx-run-job-template", "version": "1.0.0" }`. */
export type TemplateRef = z.infer<typeof templateRefSchema>;
/** Calls one task (a Temporal activity). */
export type TaskStep = z.infer<typeof stepSchemas.task>;
/** Runs another template as a child workflow; `input` becomes the sub-template's input. */
export type SubTemplateStep = z.infer<typeof stepSchemas.template>;
/** Waits for a decision from a member of one of the groups, until the timeout. */
export type ApprovalStep = z.infer<typeof stepSchemas.approval>;
/** A durable timer. */
export type WaitStep = z.infer<typeof stepSchemas.wait>;
export type Step = TaskStep | SubTemplateStep | ApprovalStep | WaitStep;
export type StepKind = keyof typeof stepSchemas;
/** A compensating action: a task or a sub-template, run when the template fails after this step succeeded. */
export type Undo = NonNullable<TaskStep['undo']>;
/** Temporal's RetryPolicy fields, in their JSON form (durations as strings like `"5 seconds"`). */
export type StepRetryPolicy = NonNullable<TaskStep['retry']>;
/** Temporal's activity timeouts; each overrides the task's timeout profile. */
export type StepTimeouts = NonNullable<TaskStep['timeouts']>;

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

/** A step beside its kind, so that a switch on `kind` narrows `step`. */
export type KindedStep =
  | { kind: 'task'; step: TaskStep }
  | { kind: 'template'; step: SubTemplateStep }
  | { kind: 'approval'; step: ApprovalStep }
  | { kind: 'wait'; step: WaitStep };

/** The step with its kind (see stepKind). */
export function kinded(step: Step): KindedStep {
  return { kind: stepKind(step), step } as KindedStep;
}

/** The undo of a step; only task and sub-template steps have one. */
export function undoOf(step: Step): Undo | undefined {
  return 'undo' in step ? step.undo : undefined;
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
  /**
   * When set, a failed step pauses for this long (a Temporal duration) instead of failing the
   * template, and the parent workflow is told through the `templatePaused` signal.
   */
  pauseTimeout?: string;
  /**
   * The hash of the plan this run executes (docs/plan-preview.md): its approval steps take only a
   * decision on that plan, and hand it on to the sub-templates they start.
   */
  planHash?: string;
  /**
   * Set by a batch workflow for its resources' templates: the template does not signal its
   * progress to its parent (the batch takes the steps from its result, the API asks the running
   * template), so the batch's history does not hold a copy of every step at every change.
   */
  quiet?: boolean;
}

/**
 * What starts an interpreter workflow: its plan in full (a sub-template's, a fan-out item's), or
 * the digest it was pinned by (`templates:pin-plan`), read before anything runs: a request's
 * resources get the digest, so the request's history does not copy the plan once per resource.
 */
export type InterpreterStart = Omit<InterpreterInput, 'plan'> &
  ({ plan: TemplatePlan; planDigest?: never } | { plan?: never; planDigest: string });

export type StepState = 'pending' | 'running' | 'paused' | 'succeeded' | 'failed' | 'skipped' | 'compensated';

/** A failure as the progress and the result show it. */
export interface StepError {
  message: string;
  /** The ApplicationFailure type from the taxonomy (InvalidInput, JobFailed, …) when known. */
  type?: string;
  externalId?: string;
  /** The end system the failure came from (awx, tfe, vcenter, aci, …), from the failure's details. */
  system?: string;
  /** The upstream's own words (scrubbed and bounded where the failure was made), for the notices. */
  upstreamMessage?: string;
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
  /** While an approval step waits for its decision: who may decide, since when, until when. */
  waiting?: ApprovalWait;
  compensation?: { state: 'succeeded' | 'failed'; error?: StepError };
}

/** An approval step waiting for a decision. */
export interface ApprovalWait {
  /** Token groups whose members may decide (admins may decide any step). */
  groups: string[];
  since: string;
  /** When the wait ends by itself in a refusal (`ApprovalDenied`). */
  deadline: string;
  /** The step's message, its expressions resolved. */
  message?: string;
  /** The hash of the plan the run executes: the one a decision must be on (docs/plan-preview.md). */
  planHash?: string;
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
  /** The hash of the plan the approver saw and decided on; a run of another plan does not take it. */
  planHash?: string;
}

/** One undo that ran during compensation. */
export interface Compensation {
  stepId: string;
  itemKey?: string;
  state: 'succeeded' | 'failed';
  error?: StepError;
}

export type TemplateStatus = 'running' | 'paused' | 'compensating' | 'succeeded' | 'failed' | 'cancelled';

/** A step waiting, after it failed, for a decision: retry it, or abort (undo and fail). */
export interface PauseInfo {
  stepId: string;
  /** The upstream's reason the step failed. */
  error: StepError;
  pausedAt: string;
  /** When the pause ends by itself in an abort. */
  deadline: string;
}

/** The ways out of a pause: run the failed step again, or undo and fail. */
export const resumeActions = ['retry', 'abort'] as const;
export type ResumeAction = (typeof resumeActions)[number];

/** One decision that ended a pause; `by` is `pause timeout` or `cancellation` when nobody decided. */
export interface ResumeRecord {
  action: ResumeAction;
  by: string;
  at: string;
  stepId?: string;
}

/** The progress query's answer. */
export interface TemplateProgress {
  template: TemplateRef;
  workflowId: string;
  status: TemplateStatus;
  steps: StepProgress[];
  compensations: Compensation[];
  /** The steps waiting for a `resume` decision. */
  paused?: PauseInfo[];
  /** Every decision that ended a pause. */
  resumes?: ResumeRecord[];
}

/** A template's outcome: the workflow result when it succeeds, the details of its TemplateFailed failure otherwise. */
export interface TemplateResult extends TemplateProgress {
  output?: unknown;
  error?: StepError & { stepId?: string };
}

/** The failure type of a template that failed (the details carry its TemplateResult). */
export const TEMPLATE_FAILED = 'TemplateFailed';
