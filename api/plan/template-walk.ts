/**
 * A template walked without running it: its steps in dependency order, in waves (a wave's steps
 * run in parallel once the waves before it ended), each with its condition and whether it holds,
 * its approval and who gives it, and, for the steps the preview may run (tasks declared `pure` or
 * `read`, see TaskDefinition.preview), their output: the rendered AWX extra_vars, the Terraform
 * configuration. A step whose input needs the output of a step that only runs for real (an AWX
 * job, a TFE run) is shown with what is known and `atRunTime`.
 */
import {
  inspectExpression,
  expressionsIn,
  evaluateCondition,
  resolveValue,
  type ExpressionScope,
} from '../../common/template-expressions';
import { needsOf } from '../../common/template-graph';
import { kinded, templateKey, undoOf, type Step, type StepKind, type Template } from '../../common/template';

/** One step of a previewed template. */
export interface PlannedStep {
  id: string;
  kind: StepKind;
  description?: string;
  /** What it runs: a task id, a sub-template `name@version`; absent for approvals and waits. */
  runs?: string;
  needs: string[];
  /** Steps of the same wave run in parallel; wave n starts once what it needs (waves < n) ended. */
  wave: number;
  /** Its `when` and whether it holds: true, false (the step is skipped), or null (known at run time). */
  when?: { condition: string; holds: boolean | null };
  /** For an approval step: who decides, how long it waits, and what it tells them. */
  approval?: { groups: string[]; timeout: string; message?: string; needed: boolean | null };
  forEach?: string;
  /** What undoes it when a later step fails. */
  undo?: string;
  /** Its input as it would be given, when every value it refers to is known now. */
  input?: unknown;
  /** Its output, for a step the preview runs (a render, a read). */
  output?: unknown;
  /** True when its input or condition depends on what only the run knows. */
  atRunTime?: boolean;
  /** For a sub-template step (not a fan-out): the sub-template's own steps, walked with its input. */
  steps?: PlannedStep[];
}

/** Runs a task of the preview (pure or read-only); undefined when it is not one the preview may run. */
export type PreviewTaskRunner = (taskId: string, input: unknown) => Promise<unknown> | undefined;

/** Placeholder IDs, the same in every preview so the plan hash does not depend on them. */
export const plannedIds: ExpressionScope['ids'] = {
  workflowId: '(assigned at submission)',
  traceId: '(assigned at submission)',
  requestId: '(assigned at submission)',
};

/** The steps an expression set refers to (`steps.<id>…`). */
function stepsReferred(value: unknown): string[] {
  return expressionsIn(value).flatMap((e) =>
    'expr' in e
      ? inspectExpression(e.expr)
          .references.filter((r) => r.path[0] === 'steps' && r.path[1] !== undefined)
          .map((r) => r.path[1]!)
      : [],
  );
}

/** What a step runs, as one word the plan shows. */
function runsOf(step: Step): string | undefined {
  const k = kinded(step);
  if (k.kind === 'task') return k.step.task;
  if (k.kind === 'template') return templateKey(k.step.template);
  return undefined;
}

/**
 * Walks `template` with `input`, running what `run` may run; a sub-template step is walked into
 * through `templates` (the plan's, by `name@version`).
 */
export async function walkTemplate(
  template: Template,
  input: unknown,
  run: PreviewTaskRunner,
  templates: Readonly<Record<string, Template>> = {},
): Promise<PlannedStep[]> {
  const byId = new Map(template.steps.map((s) => [s.id, s]));
  const waves = new Map<string, number>();
  const waveOf = (id: string): number => {
    const known = waves.get(id);
    if (known !== undefined) return known;
    const needs = needsOf(byId.get(id)!).filter((n) => byId.has(n));
    const wave = needs.length ? 1 + Math.max(...needs.map(waveOf)) : 0;
    waves.set(id, wave);
    return wave;
  };
  const ordered = template.steps
    .map((s, i) => ({ s, i, wave: waveOf(s.id) }))
    .sort((a, b) => a.wave - b.wave || a.i - b.i);

  const scope: ExpressionScope = { input, steps: {}, ids: plannedIds };
  /** Steps whose output the preview does not know (they run only for real, or were skipped). */
  const unknown = new Set<string>();
  const skipped = new Set<string>();
  const known = (value: unknown) => stepsReferred(value).every((id) => !unknown.has(id));

  const planned: PlannedStep[] = [];
  for (const { s: step, wave } of ordered) {
    const k = kinded(step);
    const p: PlannedStep = { id: step.id, kind: k.kind, needs: needsOf(step), wave };
    if (step.description !== undefined) p.description = step.description;
    const runs = runsOf(step);
    if (runs) p.runs = runs;
    const undo = undoOf(step);
    if (undo) p.undo = 'task' in undo ? undo.task : templateKey(undo.template);
    if ('forEach' in step && step.forEach !== undefined) p.forEach = JSON.stringify(step.forEach);

    let holds: boolean | null = true;
    const needs = p.needs.filter((n) => byId.has(n));
    if (needs.length && needs.every((n) => skipped.has(n)) && (step.ifNeedsSkipped ?? 'skip') === 'skip')
      holds = false;
    else if (step.when !== undefined) {
      holds = known(step.when) ? await evaluateCondition(step.when, scope).catch(() => null) : null;
      p.when = { condition: step.when, holds };
    }
    if (k.kind === 'approval') {
      const { groups: asked, timeout, message } = k.step.approval;
      // Groups may be one expression (resolved when the step starts): shown resolved when known.
      const groups = Array.isArray(asked)
        ? asked
        : known(asked)
          ? await resolveValue(asked, scope)
              .then((v) => (Array.isArray(v) ? v.map(String) : [asked]))
              .catch(() => [asked])
          : [asked];
      const shown =
        message !== undefined && known(message)
          ? await resolveValue(message, scope).catch(() => undefined)
          : undefined;
      p.approval = {
        groups,
        timeout: String(timeout),
        ...(typeof shown === 'string' ? { message: shown } : {}),
        needed: holds,
      };
    }
    if (holds === false) skipped.add(step.id);
    if (holds !== true) {
      unknown.add(step.id);
      if (holds === null) p.atRunTime = true;
      planned.push(p);
      continue;
    }
    const stepInput = 'input' in step ? step.input : undefined;
    if (stepInput !== undefined) {
      if (known(stepInput)) p.input = await resolveValue(stepInput, scope);
      else p.atRunTime = true;
    }
    const sub =
      k.kind === 'template' && p.forEach === undefined ? templates[templateKey(k.step.template)] : undefined;
    if (sub && p.input !== undefined) p.steps = await walkTemplate(sub, p.input, run, templates);
    const output = k.kind === 'task' && p.input !== undefined ? run(k.step.task, p.input) : undefined;
    if (output === undefined) unknown.add(step.id);
    else {
      p.output = await output;
      scope.steps[step.id] = { state: 'succeeded', output: p.output };
    }
    planned.push(p);
  }
  return planned;
}
