/**
 * The graphs of templates: steps linked by `needs` inside a template, and templates linked by the
 * sub-templates their steps and undos run. The loader uses them to reject cycles and references
 * to steps that may not have run yet and to compile plans; the interpreter uses them to know what
 * may start and to hand a child only the part of the plan it can reach.
 */
import { kinded, templateKey, undoOf, type Step, type Template, type TemplateRef } from './template';

/** The `needs` of a step, never undefined. */
export function needsOf(step: Step): string[] {
  return step.needs ?? [];
}

/**
 * Every cycle among `nodes`, each as its ids in order with the first repeated at the end
 * (`['a', 'b', 'a']`); one cycle per strongly connected group is enough to name the problem.
 * Edges to ids outside `nodes` are ignored.
 */
export function findCycles(nodes: Iterable<string>, edgesOf: (id: string) => Iterable<string>): string[][] {
  const known = new Set(nodes);
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edgesOf(id)) {
      if (!known.has(next)) continue;
      const s = state.get(next);
      if (s === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of known) if (!state.has(id)) visit(id);
  return cycles;
}

/** The cycles of `needs` among a template's steps. */
export function stepCycles(steps: readonly Step[]): string[][] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return findCycles(byId.keys(), (id) => needsOf(byId.get(id)!));
}

/** The steps a step transitively needs: the only ones certain to have finished when it starts. */
export function ancestorsOf(steps: readonly Step[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const pending = [...needsOf(byId.get(id) ?? ({ id } as Step))];
  while (pending.length) {
    const next = pending.pop()!;
    if (seen.has(next) || !byId.has(next)) continue;
    seen.add(next);
    pending.push(...needsOf(byId.get(next)!));
  }
  return seen;
}

/** What a step runs, itself and through its undo: the tasks it calls and the sub-templates it starts. */
export function callsOf(step: Step): { tasks: string[]; templates: TemplateRef[] } {
  const calls = { tasks: [] as string[], templates: [] as TemplateRef[] };
  const k = kinded(step);
  if (k.kind === 'task') calls.tasks.push(k.step.task);
  if (k.kind === 'template') calls.templates.push(k.step.template);
  const undo = undoOf(step);
  if (undo && 'task' in undo) calls.tasks.push(undo.task);
  if (undo && 'template' in undo) calls.templates.push(undo.template);
  return calls;
}

/**
 * Walks every template reachable from `entry` through sub-templates (`templateOf` finds or throws)
 * and tells `onTask` each task a reached template calls; returns the reached templates by key.
 * Both the loader's plan and a child's part of a plan are this walk.
 */
export function reachableTemplates(
  entry: string,
  templateOf: (key: string) => Template,
  onTask: (taskId: string, from: string) => void,
): Record<string, Template> {
  const templates: Record<string, Template> = {};
  const add = (key: string): void => {
    if (templates[key]) return;
    const template = templateOf(key);
    templates[key] = template;
    for (const step of template.steps) {
      const calls = callsOf(step);
      for (const id of calls.tasks) onTask(id, key);
      for (const ref of calls.templates) add(templateKey(ref));
    }
  };
  add(entry);
  return templates;
}

/**
 * The nodes `0 … count-1` in an order where every node comes after those it depends on
 * (`dependsOn`), the lowest-numbered ready node first, so the order is the same on every run;
 * nodes on a cycle come last, in number order.
 */
export function dependencyOrder(count: number, dependsOn: (node: number) => readonly number[]): number[] {
  const placed = new Set<number>();
  const order: number[] = [];
  while (order.length < count) {
    let next = -1;
    for (let i = 0; i < count && next < 0; i++)
      if (!placed.has(i) && dependsOn(i).every((d) => placed.has(d) || d < 0 || d >= count)) next = i;
    if (next < 0) next = [...Array(count).keys()].find((i) => !placed.has(i))!;
    placed.add(next);
    order.push(next);
  }
  return order;
}

/**
 * The order to undo nodes in: every node after those that depend on it, otherwise in number
 * order (so nodes without dependencies are undone in the order they were done).
 */
export function undoOrder(count: number, dependsOn: (node: number) => readonly number[]): number[] {
  const dependents = Array.from({ length: count }, () => [] as number[]);
  for (let i = 0; i < count; i++) for (const d of dependsOn(i)) dependents[d]?.push(i);
  return dependencyOrder(count, (i) => dependents[i]!);
}
