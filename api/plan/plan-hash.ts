/**
 * A plan's hash and the differences between two plans. The hash is the SHA-256 of the plan's
 * canonical JSON (object keys sorted, no whitespace) with every provisional value replaced by
 * what it is provisional on: an address the preview only looked at becomes `<address from
 * NETWORK>`, so the same plan has the same hash whichever address happens to be free, while a
 * change of the network, the placement, the template or the resource's file changes it.
 */
import { canonicalJson } from '../../platform/canonical-json';

export { canonicalJson, hashOf } from '../../platform/canonical-json';

/**
 * Every string equal to or containing a provisional value, with that value replaced by its
 * stand-in; only where it stands whole (10.20.0.2 is not replaced inside 10.20.0.25).
 */
export function withoutProvisional(value: unknown, stand: ReadonlyMap<string, string>): unknown {
  if (stand.size === 0) return value;
  const whole = [...stand].map(
    ([concrete, placeholder]) =>
      [
        new RegExp(`(?<![\\w.])${concrete.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g'),
        placeholder,
      ] as const,
  );
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return whole.reduce((out, [re, placeholder]) => out.replace(re, () => placeholder), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

/** One value that differs between two plans, at its path (`resources.0.placement.cluster`). */
export interface PlanDifference {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** The most differences named; the rest are counted. */
const MAX_DIFFERENCES = 50;

/** The leaves that differ between `before` and `after`, depth first, at most MAX_DIFFERENCES. */
export function planDifferences(before: unknown, after: unknown): PlanDifference[] {
  const out: PlanDifference[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= MAX_DIFFERENCES) return;
    const objects = a && b && typeof a === 'object' && typeof b === 'object';
    if (objects && Array.isArray(a) === Array.isArray(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const k of keys)
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (canonicalJson(a) === canonicalJson(b)) return;
    out.push({
      path,
      ...(a !== undefined ? { before: a } : {}),
      ...(b !== undefined ? { after: b } : {}),
    });
  };
  walk(before, after, '');
  return out;
}
