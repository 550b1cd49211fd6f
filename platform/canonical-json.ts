/**
 * Canonical JSON and its SHA-256: one text per value, so equal values hash equal whatever the
 * order of their keys. What a plan's hash (api/plan/) and a template plan's digest are made of.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `sha256:<hex>` of the canonical JSON of `hashed`. */
export function hashOf(hashed: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(hashed)).digest('hex')}`;
}
