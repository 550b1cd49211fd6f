/**
 * Template expressions: JSONata (https://docs.jsonata.org) inside `${…}`. A string that is exactly
 * one `${…}` keeps the JSON type of its value; `${…}` inside a longer string interpolates. JSONata
 * cannot reach JavaScript, the network or the clock of the host (in the workflow sandbox its
 * `$now()` is the workflow's deterministic time), and a value an expression returns is data: it is
 * never parsed as an expression again, so request input cannot inject one. Shared by the loader
 * (reference checks) and the interpreter (evaluation).
 */
import jsonata from 'jsonata';

/** One piece of a string: literal text or an expression's source. */
export type Segment = { text: string } | { expr: string };

/** A parse problem in a template string, with the offset where it starts. */
export class ExpressionSyntaxError extends Error {}

/**
 * Splits a string into literal text and `${…}` expressions. The closing brace is found by
 * counting braces outside JSONata string literals, so object constructors and `"}"` work;
 * `$${` is an escaped, literal `${`.
 */
export function splitTemplateString(source: string): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    if (source.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (!source.startsWith('${', i)) {
      text += source[i];
      i += 1;
      continue;
    }
    let depth = 1;
    let j = i + 2;
    let quote: string | undefined;
    for (; j < source.length && depth > 0; j++) {
      const c = source[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth > 0) throw new ExpressionSyntaxError(`unclosed \${ at offset ${i}`);
    if (text) segments.push({ text });
    text = '';
    const expr = source.slice(i + 2, j - 1);
    if (!expr.trim()) throw new ExpressionSyntaxError(`empty \${} at offset ${i}`);
    segments.push({ expr });
    i = j;
  }
  if (text) segments.push({ text });
  return segments;
}

/** True when a string carries at least one expression. */
export function hasExpression(source: string): boolean {
  return splitTemplateString(source).some((s) => 'expr' in s);
}

/** The expression of a string that is exactly one `${…}`, else undefined. */
export function wholeExpression(source: string): string | undefined {
  const segments = splitTemplateString(source);
  const only = segments[0];
  return segments.length === 1 && only && 'expr' in only ? only.expr : undefined;
}

/** Functions refused in templates: they would make a template depend on something besides its data. */
export const forbiddenFunctions = ['random', 'eval'] as const;

// Parsing is pure, so one compiled expression per source string is safe to share.
const compiled = new Map<string, jsonata.Expression>();

/** Parses (and caches) one JSONata expression; throws with JSONata's message on a syntax error. */
export function compileExpression(expr: string): jsonata.Expression {
  let e = compiled.get(expr);
  if (!e) {
    try {
      e = jsonata(expr);
    } catch (err) {
      throw new ExpressionSyntaxError(`${(err as Error).message} in \${${expr}}`);
    }
    compiled.set(expr, e);
  }
  return e;
}

/** A root reference an expression makes, as a path of names: `['steps', 'launch', 'output']`. */
export interface Reference {
  path: string[];
}

/** A function call an expression makes, by name without `$`. */
export interface ExpressionFacts {
  references: Reference[];
  functions: string[];
}

type AstNode = {
  type?: string;
  value?: unknown;
  steps?: AstNode[];
  procedure?: AstNode;
  [k: string]: unknown;
};

/**
 * The root references (paths that start at the evaluation context) and function calls of an
 * expression. Names inside predicates and later path steps are relative to the path, not to the
 * root, so only a path's first name is a reference.
 */
export function inspectExpression(expr: string): ExpressionFacts {
  const facts: ExpressionFacts = { references: [], functions: [] };
  const visit = (node: unknown, atRoot: boolean): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, atRoot);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as AstNode;
    if (n.type === 'function' || n.type === 'partial') {
      const proc = n.procedure;
      if (proc?.type === 'variable' && typeof proc.value === 'string') facts.functions.push(proc.value);
    }
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const names: string[] = [];
      for (const step of n.steps) {
        if (step.type !== 'name' || typeof step.value !== 'string') break;
        names.push(step.value);
      }
      if (atRoot && names.length > 0) facts.references.push({ path: names });
      for (const [i, step] of n.steps.entries()) {
        if (i === 0 && step.type !== 'name') visit(step, atRoot);
        else visit(stepChildren(step), false);
      }
      return;
    }
    if (n.type === 'name' && atRoot && typeof n.value === 'string')
      facts.references.push({ path: [n.value] });
    for (const [key, child] of Object.entries(n)) {
      if (key === 'procedure' || key === 'position' || key === 'value') continue;
      if (child && typeof child === 'object') visit(child, atRoot && key !== 'stages' && key !== 'predicate');
    }
  };
  visit(compileExpression(expr).ast(), true);
  return facts;
}

function stepChildren(step: AstNode): unknown[] {
  const out: unknown[] = [];
  for (const [key, child] of Object.entries(step)) {
    if (key === 'position' || key === 'value' || key === 'type') continue;
    if (child && typeof child === 'object') out.push(child);
  }
  return out;
}

/** How deep a template value may nest; far beyond any real template, far below the stack's limit. */
export const MAX_VALUE_DEPTH = 64;

/** Every `${…}` in a JSON value with the JSON pointer of its string, or the string's syntax error. */
export function expressionsIn(
  value: unknown,
  pointer = '',
  depth = 0,
): ({ pointer: string } & ({ expr: string } | { error: string }))[] {
  if (depth > MAX_VALUE_DEPTH) return [{ pointer, error: `nested deeper than ${MAX_VALUE_DEPTH} levels` }];
  if (typeof value === 'string') {
    try {
      return splitTemplateString(value).flatMap((s) => ('expr' in s ? [{ pointer, expr: s.expr }] : []));
    } catch (err) {
      return [{ pointer, error: (err as Error).message }];
    }
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => expressionsIn(v, `${pointer}/${i}`, depth + 1));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) =>
      expressionsIn(v, `${pointer}/${escapePointer(k)}`, depth + 1),
    );
  return [];
}

/** Escapes one JSON pointer token (RFC 6901). */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** What expressions see: the template input, finished steps, the fan-out item and the IDs. */
export interface ExpressionScope {
  input: unknown;
  steps: Record<string, { state: string; output?: unknown }>;
  ids: { workflowId: string; traceId: string; requestId: string };
  item?: unknown;
  index?: number;
  /** The step's own output, in `externalIds` and `undo`. */
  output?: unknown;
}

/**
 * JSONata's evaluation is asynchronous: every step of an expression is a promise. In the workflow
 * sandbox each promise costs a stack trace (the Temporal SDK's promise hook, which serves the Web
 * UI's stack trace view): a one-VM request's template expressions took a quarter of the worker's
 * workflow thread (docs/waits.md, "Expressions without promises"). Nine in ten template
 * expressions are a plain path (`input.name`, `steps.launch.output.id`), which a lookup answers at
 * once; the rest go to JSONata.
 */
const plainPath = /^\s*[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$/;
/** Names JSONata reads as operators or literals, never as field names. */
const jsonataWords = new Set(['and', 'or', 'in', 'true', 'false', 'null']);
const pathNames = new Map<string, readonly string[] | null>();

function namesOfPlainPath(expr: string): readonly string[] | null {
  let names = pathNames.get(expr);
  if (names === undefined) {
    const parts = plainPath.test(expr) ? expr.split('.').map((n) => n.trim()) : [];
    names = parts.length && !parts.some((n) => jsonataWords.has(n)) ? parts : null;
    pathNames.set(expr, names);
  }
  return names;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value of a plain path, as JSONata gives it, found without JSONata: through objects only,
 * by their own fields. Undefined when only JSONata can tell: not a plain path, a list on the way
 * or at the end (JSONata maps and flattens it), a value that is not an object, or a name the
 * object inherits.
 */
export function lookUpPlainPath(expr: string, scope: ExpressionScope): { value: unknown } | undefined {
  const names = namesOfPlainPath(expr);
  if (!names) return undefined;
  let value: unknown = scope;
  for (const name of names) {
    if (!isPlainObject(value)) return undefined;
    if (!Object.hasOwn(value, name)) return value[name] === undefined ? { value: undefined } : undefined;
    value = value[name];
  }
  return Array.isArray(value) ? undefined : { value };
}

/** An expression's result as plain JSON, never shared with the scope. */
function asData(expr: string, result: unknown): unknown {
  if (result === undefined) return undefined;
  if (typeof result === 'function') throw new Error(`\${${expr}} yields a function, not data`);
  return JSON.parse(JSON.stringify(result));
}

/** Evaluates one expression to plain JSON (JSONata sequences become arrays; undefined stays undefined). */
export async function evaluateExpression(expr: string, scope: ExpressionScope): Promise<unknown> {
  const found = lookUpPlainPath(expr, scope);
  return asData(expr, found ? found.value : await compileExpression(expr).evaluate(scope));
}

/** Calls `visit` with every expression in a JSON value, in the order `resolveValue` reads them. */
function forEachExpression(value: unknown, visit: (expr: string) => void): void {
  if (typeof value === 'string') {
    for (const s of splitTemplateString(value)) if ('expr' in s) visit(s.expr);
  } else if (Array.isArray(value)) for (const v of value) forEachExpression(v, visit);
  else if (value && typeof value === 'object')
    for (const v of Object.values(value)) forEachExpression(v, visit);
}

/** Builds a JSON value with every expression's result taken from `valueOf` (see `resolveValue`). */
function substitute(value: unknown, valueOf: (expr: string) => unknown): unknown {
  if (typeof value === 'string') {
    const segments = splitTemplateString(value);
    const first = segments[0];
    if (segments.length === 1 && first && 'expr' in first) return valueOf(first.expr);
    let out = '';
    for (const s of segments) {
      if ('text' in s) out += s.text;
      else {
        const v = valueOf(s.expr);
        out += v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, valueOf));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = substitute(v, valueOf);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}

/**
 * Resolves every expression in a JSON value: a whole-value `${…}` keeps its type (an object key
 * whose value resolves to undefined is dropped), an embedded one becomes text (undefined as empty,
 * objects as JSON). The expressions a lookup cannot answer are evaluated first, one after
 * another; the value is then built without a promise (see `lookUpPlainPath`).
 */
export async function resolveValue(value: unknown, scope: ExpressionScope): Promise<unknown> {
  const results = new Map<string, unknown>();
  const needJsonata: string[] = [];
  forEachExpression(value, (expr) => {
    if (results.has(expr) || needJsonata.includes(expr)) return;
    const found = lookUpPlainPath(expr, scope);
    if (found) results.set(expr, asData(expr, found.value));
    else needJsonata.push(expr);
  });
  for (const expr of needJsonata) results.set(expr, await evaluateExpression(expr, scope));
  return substitute(value, (expr) => results.get(expr));
}

/** Evaluates a condition with JSONata's `$boolean` casting rules. */
export async function evaluateCondition(source: string, scope: ExpressionScope): Promise<boolean> {
  const expr = wholeExpression(source);
  if (expr === undefined) throw new Error(`a condition must be one \${…} expression: ${source}`);
  return Boolean(await evaluateExpression(`$boolean(${expr})`, scope));
}
