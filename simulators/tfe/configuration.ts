/**
 * Terraform's configuration (`*.tf.json`, and `*.tf` through ./hcl-config.ts), read the way Terraform would for the parts
 * a lab module uses: `variable`, `locals`, `data`, `resource`, `output` blocks; variable values
 * from defaults, `*.tfvars.json` files, workspace variables and run variables; and `${...}`
 * templates referring to `var.*`, `local.*`, `data.*` and resource attributes. Anything outside
 * that subset fails the plan with a Terraform-style error rather than being guessed at.
 */
import { parseHclLiteral, parseNativeConfiguration, parseNativeVariables } from './hcl-config';

/** A configuration problem, worded like Terraform's diagnostics; it fails the plan. */
export class ConfigurationError extends Error {}

/** The merged blocks of a root module. */
export interface ModuleConfiguration {
  variables: Record<string, { type?: string; default?: unknown; sensitive?: boolean; description?: string }>;
  locals: Record<string, unknown>;
  data: Record<string, Record<string, Record<string, unknown>>>;
  resources: Record<string, Record<string, Record<string, unknown>>>;
  outputs: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  /** Values of terraform.tfvars.json, when present. */
  tfvars: Record<string, unknown>;
  /** Values of each *.auto.tfvars.json, in file name order. */
  autoTfvars: Record<string, unknown>[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeBlock<T>(
  into: Record<string, T>,
  from: unknown,
  kind: string,
  file: string,
  check: (name: string, body: unknown) => T,
): void {
  if (from === undefined) return;
  if (!isObject(from))
    throw new ConfigurationError(`Error: Invalid ${kind} block in ${file}: expected an object`);
  for (const [name, body] of Object.entries(from)) {
    if (name in into) throw new ConfigurationError(`Error: Duplicate ${kind} "${name}" (in ${file})`);
    into[name] = check(name, body);
  }
}

/** Reads the root module in `workingDirectory` from the archive's files. */
export function loadConfiguration(
  files: Record<string, string>,
  workingDirectory: string | null,
): ModuleConfiguration {
  const dir = (workingDirectory ?? '').replace(/^\/+|\/+$/g, '');
  const inDir = (path: string) => {
    const slash = path.lastIndexOf('/');
    return (slash < 0 ? '' : path.slice(0, slash)) === dir;
  };
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  const config: ModuleConfiguration = {
    variables: {},
    locals: {},
    data: {},
    resources: {},
    outputs: {},
    tfvars: {},
    autoTfvars: [],
  };
  const modulePaths = Object.keys(files)
    .filter((p) => inDir(p) && (p.endsWith('.tf.json') || p.endsWith('.tf')))
    .sort();
  if (modulePaths.length === 0) {
    throw new ConfigurationError(
      `Error: No configuration files\n\nThe directory ${dir || '.'} contains no *.tf or *.tf.json files.`,
    );
  }
  const parse = (path: string): unknown => {
    if (path.endsWith('.tf')) return parseNativeConfiguration(files[path] as string, path);
    if (path.endsWith('.tfvars')) return parseNativeVariables(files[path] as string, path);
    try {
      return JSON.parse(files[path] as string);
    } catch (err) {
      throw new ConfigurationError(`Error: Invalid JSON in ${path}: ${(err as Error).message}`);
    }
  };
  for (const path of modulePaths) {
    const doc = parse(path);
    if (!isObject(doc)) throw new ConfigurationError(`Error: ${path} must hold a JSON object`);
    for (const key of Object.keys(doc)) {
      if (
        !['terraform', 'provider', 'variable', 'locals', 'data', 'resource', 'output', '//'].includes(key)
      ) {
        throw new ConfigurationError(`Error: Unsupported block type "${key}" in ${path}`);
      }
    }
    mergeBlock(config.variables, doc.variable, 'variable', path, (name, body) => {
      if (!isObject(body)) throw new ConfigurationError(`Error: variable "${name}" must be an object`);
      return body as ModuleConfiguration['variables'][string];
    });
    mergeBlock(config.locals, doc.locals, 'local value', path, (_name, body) => body);
    mergeBlock(config.outputs, doc.output, 'output', path, (name, body) => {
      if (!isObject(body) || !('value' in body)) {
        throw new ConfigurationError(`Error: Missing required argument "value" in output "${name}"`);
      }
      return body as ModuleConfiguration['outputs'][string];
    });
    for (const [kind, target] of [
      ['data', config.data],
      ['resource', config.resources],
    ] as const) {
      const block = doc[kind];
      if (block === undefined) continue;
      if (!isObject(block)) throw new ConfigurationError(`Error: Invalid ${kind} block in ${path}`);
      for (const [type, byName] of Object.entries(block)) {
        target[type] ??= {};
        mergeBlock(target[type], byName, `${kind} "${type}"`, path, (name, body) => {
          if (!isObject(body))
            throw new ConfigurationError(`Error: ${kind} "${type}" "${name}" must be an object`);
          for (const meta of ['count', 'for_each']) {
            if (meta in body) {
              throw new ConfigurationError(
                `Error: Unsupported argument "${meta}" on ${kind} "${type}" "${name}" (the lab simulator plans single instances only)`,
              );
            }
          }
          return body;
        });
      }
    }
  }
  const valuesOf = (path: string): Record<string, unknown> => {
    const doc = parse(path);
    if (!isObject(doc))
      throw new ConfigurationError(`Error: ${path} must hold a JSON object of variable values`);
    return doc;
  };
  const dirPaths = Object.keys(files).filter((p) => inDir(p));
  // terraform.tfvars before terraform.tfvars.json, then the *.auto.tfvars(.json) in name order.
  for (const name of ['terraform.tfvars', 'terraform.tfvars.json']) {
    const tfvarsPath = dirPaths.find((p) => base(p) === name);
    if (tfvarsPath) config.tfvars = { ...config.tfvars, ...valuesOf(tfvarsPath) };
  }
  config.autoTfvars = dirPaths
    .filter((p) => base(p).endsWith('.auto.tfvars.json') || base(p).endsWith('.auto.tfvars'))
    .sort()
    .map(valuesOf);
  return config;
}

/** A workspace or run variable as the plan sees it. */
export interface VariableValue {
  key: string;
  value: string;
  hcl: boolean;
}

function convert(name: string, type: string | undefined, value: unknown): unknown {
  if (value === null || type === undefined || type === 'any') return value;
  const bad = () =>
    new ConfigurationError(
      `Error: Invalid value for input variable "${name}": ${JSON.stringify(value)} is not a ${type}`,
    );
  if (type === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw bad();
  }
  if (type === 'number') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || Number.isNaN(n)) throw bad();
    return n;
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw bad();
  }
  if (/^(list|set|tuple)/.test(type) && !Array.isArray(value)) throw bad();
  if (/^(map|object)/.test(type) && !isObject(value)) throw bad();
  return value;
}

/**
 * The value of every declared variable, lowest precedence first: default, terraform.tfvars.json,
 * workspace variables (category terraform), *.auto.tfvars.json, run variables.
 */
export function resolveVariables(
  config: ModuleConfiguration,
  workspaceVars: VariableValue[],
  runVars: { key: string; value: string }[],
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(config.variables)) {
    if ('default' in decl) raw[name] = decl.default;
  }
  Object.assign(raw, config.tfvars);
  for (const v of workspaceVars) {
    raw[v.key] = v.hcl ? hcl(v.key, v.value) : v.value;
  }
  for (const doc of config.autoTfvars) Object.assign(raw, doc);
  for (const v of runVars) raw[v.key] = hcl(v.key, v.value);

  const values: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(config.variables)) {
    if (!(name in raw)) {
      throw new ConfigurationError(
        `Error: No value for required variable\n\nThe root module input variable "${name}" is not set, and has no default value.`,
      );
    }
    values[name] = convert(name, decl.type, raw[name]);
  }
  return values;
}

function hcl(key: string, text: string): unknown {
  try {
    return parseHclLiteral(text);
  } catch (err) {
    throw new ConfigurationError(`Error: Invalid value for variable "${key}": ${(err as Error).message}`);
  }
}

/** A value not known until apply (a resource attribute during plan). */
export const UNKNOWN = Symbol('known after apply');

/** Where references point while evaluating. */
export interface Scope {
  variables: Record<string, unknown>;
  /** Locals, evaluated on first use. */
  locals: Record<string, unknown>;
  data(type: string, name: string): Record<string, unknown>;
  /** A managed resource's attributes; UNKNOWN while planning its creation. */
  resource(type: string, name: string): Record<string, unknown> | typeof UNKNOWN;
}

const REFERENCE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\])*$/;

function walk(value: unknown, path: (string | number)[], expression: string): unknown {
  let current = value;
  for (const step of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) {
        throw new ConfigurationError(`Error: Invalid index in ${expression}`);
      }
      current = current[step];
    } else {
      if (!isObject(current) || !(step in current)) {
        throw new ConfigurationError(`Error: Unsupported attribute "${step}" in ${expression}`);
      }
      current = current[step];
    }
  }
  return current;
}

/** Evaluates templates and references in a JSON value against `scope`. */
export class Evaluator {
  private readonly localsDone = new Map<string, unknown>();
  private readonly localsInProgress = new Set<string>();

  constructor(private readonly scope: Scope) {}

  /** Evaluates every `${...}` inside `value` (strings, lists, objects). */
  evaluate(value: unknown): unknown {
    if (typeof value === 'string') return this.template(value);
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v));
    if (isObject(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.evaluate(v)]));
    return value;
  }

  private template(text: string): unknown {
    const parts: unknown[] = [];
    let literal = '';
    let i = 0;
    while (i < text.length) {
      if (text.startsWith('$${', i)) {
        literal += '${';
        i += 3;
        continue;
      }
      if (text.startsWith('%{', i)) {
        throw new ConfigurationError(
          `Error: Template directives (%{...}) are not supported by the lab simulator: ${text}`,
        );
      }
      if (text.startsWith('${', i)) {
        const end = text.indexOf('}', i + 2);
        if (end < 0) throw new ConfigurationError(`Error: Unterminated template string: ${text}`);
        if (literal) parts.push(literal);
        literal = '';
        parts.push(this.reference(text.slice(i + 2, end).trim()));
        i = end + 1;
        continue;
      }
      literal += text[i];
      i++;
    }
    if (literal) parts.push(literal);
    if (
      parts.length === 1 &&
      typeof text === 'string' &&
      text.trim().startsWith('${') &&
      text.trim().endsWith('}')
    ) {
      return parts[0];
    }
    if (parts.some((p) => p === UNKNOWN)) return UNKNOWN;
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (typeof p === 'number' || typeof p === 'boolean') return String(p);
        throw new ConfigurationError(
          `Error: Invalid template interpolation value in ${text}: cannot include a list or object`,
        );
      })
      .join('');
  }

  private reference(expression: string): unknown {
    if (!REFERENCE.test(expression)) {
      throw new ConfigurationError(
        `Error: Unsupported expression "${expression}" (the lab simulator evaluates plain references only: var.*, local.*, data.*, resource attributes)`,
      );
    }
    const path: (string | number)[] = [];
    for (const m of expression.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]/g)) {
      path.push(m[1] !== undefined ? m[1] : Number(m[2]));
    }
    const [head, second, third, ...rest] = path;
    if (head === 'var') {
      if (typeof second !== 'string' || !(second in this.scope.variables)) {
        throw new ConfigurationError(`Error: Reference to undeclared input variable "${String(second)}"`);
      }
      return walk(
        this.scope.variables[second],
        [third, ...rest].filter((p) => p !== undefined),
        expression,
      );
    }
    if (head === 'local') {
      if (typeof second !== 'string' || !(second in this.scope.locals)) {
        throw new ConfigurationError(`Error: Reference to undeclared local value "${String(second)}"`);
      }
      return walk(
        this.local(second),
        [third, ...rest].filter((p) => p !== undefined),
        expression,
      );
    }
    if (head === 'data') {
      const [attrs, ...more] = rest;
      if (typeof second !== 'string' || typeof third !== 'string') {
        throw new ConfigurationError(`Error: Invalid data source reference "${expression}"`);
      }
      return walk(
        this.scope.data(second, third),
        [attrs, ...more].filter((p) => p !== undefined),
        expression,
      );
    }
    if (typeof head === 'string' && typeof second === 'string') {
      return walk(
        this.scope.resource(head, second),
        [third, ...rest].filter((p) => p !== undefined),
        expression,
      );
    }
    throw new ConfigurationError(`Error: Invalid reference "${expression}"`);
  }

  private local(name: string): unknown {
    if (this.localsDone.has(name)) return this.localsDone.get(name);
    if (this.localsInProgress.has(name))
      throw new ConfigurationError(`Error: Cycle in local value "${name}"`);
    this.localsInProgress.add(name);
    const value = this.evaluate(this.scope.locals[name]);
    this.localsInProgress.delete(name);
    this.localsDone.set(name, value);
    return value;
  }
}
