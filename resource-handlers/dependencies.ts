/**
 * The dependencies between the resources of one request: those a resource names in `dependsOn`,
 * and those its fields refer to (a VM's `network` naming a network of the same request, as its
 * handler's `references` say). The API resolves them before it records anything, so an unknown
 * or ambiguous name and a cycle are refused up front with the path at fault; the request
 * workflow builds in the order they give. Pure.
 */
import { findCycles } from '../common/template-graph';
import type { FieldProblem, ResourceReference } from './types';

/** A resource of a request as the dependency check sees it. */
export interface DependencyNode {
  type: string;
  name: string;
  /** The names of the resources of the request it says it depends on. */
  dependsOn?: readonly string[];
  /** What its fields name of other resources (its handler's `references`); only those the request holds count. */
  references?: readonly ResourceReference[];
}

export interface ResolvedDependencies {
  problems: FieldProblem[];
  /** For each resource, the positions of those it depends on: explicit ones first, in the order given. */
  dependsOn: number[][];
}

/**
 * What each resource of a request depends on, or the problems: a name no resource of the request
 * has or two have, a resource depending on itself, a cycle (named once, at the entry of its
 * first resource that closes it). Paths are `<root>.<i>.dependsOn.<j>` or `<root>.<i>.<field>`.
 */
export function resolveDependencies(
  nodes: readonly DependencyNode[],
  root = 'body.resources',
): ResolvedDependencies {
  const problems: FieldProblem[] = [];
  // Each edge remembers the path that made it, so a cycle is reported where the user wrote it.
  const edges = nodes.map(() => new Map<number, string>());
  nodes.forEach((node, i) => {
    (node.dependsOn ?? []).forEach((name, j) => {
      const path = `${root}.${i}.dependsOn.${j}`;
      const matches = [...nodes.keys()].filter((k) => nodes[k]!.name === name);
      if (matches.length === 0)
        problems.push({ path, message: `no resource of this request is named ${name}` });
      else if (matches.length > 1)
        problems.push({
          path,
          message: `${name} names both ${matches
            .map((k) => `${root}.${k} (${nodes[k]!.type})`)
            .join(' and ')}; give them different names`,
        });
      else if (!edges[i]!.has(matches[0]!)) edges[i]!.set(matches[0]!, path);
    });
    for (const ref of node.references ?? []) {
      const k = nodes.findIndex((n) => n.type === ref.type && n.name === ref.name);
      if (k >= 0 && k !== i && !edges[i]!.has(k)) edges[i]!.set(k, `${root}.${i}.${ref.path}`);
    }
  });
  const cycles = findCycles(
    nodes.map((_, i) => String(i)),
    (id) => [...edges[Number(id)]!.keys()].map(String),
  );
  for (const cycle of cycles) {
    const [from, to] = [Number(cycle[0]), Number(cycle[1])];
    const names = cycle.map((id) => nodes[Number(id)]!.name);
    problems.push({
      path: edges[from]!.get(to)!,
      message: from === to ? `${names[0]} depends on itself` : `a dependency cycle: ${names.join(' → ')}`,
    });
  }
  return { problems, dependsOn: edges.map((e) => [...e.keys()]) };
}
