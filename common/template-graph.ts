/**
 * The step graph of a template: edges are `needs`. Used by the loader to reject cycles and
 * references to steps that may not have run yet, and by the interpreter to know what may start.
 */
import type { Step } from './template';

/** The `needs` of a step, never undefined. */
export function needsOf(step: Step): string[] {
  return step.needs ?? [];
}

/**
 * Every cycle's step ids in order, the first repeated at the end (`['a', 'b', 'a']`); one cycle
 * per strongly connected group is enough to name the problem. Unknown needs are ignored here.
 */
export function findCycles(steps: readonly Step[]): string[][] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of needsOf(byId.get(id)!)) {
      if (!byId.has(next)) continue;
      const s = state.get(next);
      if (s === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const s of steps) if (!state.has(s.id)) visit(s.id);
  return cycles;
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
