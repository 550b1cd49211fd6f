/**
 * What a remote Terraform operation does inside a run: plan (load the module, resolve variables,
 * refresh state against the world, read data sources, diff) and apply (carry out the planned
 * changes through the providers, record the new state and outputs), each writing a log that
 * reads like Terraform's own.
 */
import type { World } from '../world';
import {
  ConfigurationError,
  Evaluator,
  UNKNOWN,
  loadConfiguration,
  resolveVariables,
  type ModuleConfiguration,
  type VariableValue,
} from './configuration';
import { providerFor, readDataSource } from './providers';
import type { PlannedChange, StateResource } from './types';

/** Everything a plan reads. */
export interface PlanInput {
  files: Record<string, string>;
  workingDirectory: string | null;
  workspaceVars: VariableValue[];
  runVars: { key: string; value: string }[];
  priorResources: StateResource[];
  /** The outputs of the current state (none when absent), to tell whether the configuration changes them. */
  priorOutputs?: { name: string; value: unknown; sensitive: boolean }[];
  isDestroy: boolean;
  refresh: boolean;
  /** Refresh-only: record what changed outside Terraform, change nothing. */
  refreshOnly: boolean;
  targetAddrs: string[] | null;
  replaceAddrs: string[] | null;
  terraformVersion: string;
}

/** A finished plan: the changes, the counts the plan resource shows, and the log. */
export interface PlanOutcome {
  changes: PlannedChange[];
  additions: number;
  changesInPlace: number;
  destructions: number;
  /** Resources found changed or gone outside Terraform (what a refresh-only run would record). */
  drifted: number;
  /** Root outputs added, changed or removed: a change to apply even when no resource changes. */
  outputChanges: number;
  log: string;
}

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

function render(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${indent}    ${render(v, `${indent}    `)},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${indent}    ${k} = ${render(v, `${indent}    `)}`).join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function describe(symbol: string, type: string, name: string, attrs: Record<string, unknown> | null): string {
  const body = Object.entries(attrs ?? {})
    .map(([k, v]) => `      ${symbol} ${k} = ${render(v, '      ')}`)
    .join('\n');
  return `  ${symbol} resource "${type}" "${name}" {\n${body}\n    }`;
}

/** A module and its evaluation context, shared by plan and the outputs after apply. */
class ModuleRun {
  readonly config: ModuleConfiguration;
  readonly variables: Record<string, unknown>;
  private readonly dataCache = new Map<string, Record<string, unknown>>();
  readonly logLines: string[] = [];

  constructor(
    private readonly world: World,
    input: Pick<PlanInput, 'files' | 'workingDirectory' | 'workspaceVars' | 'runVars'>,
    private readonly resources: () => Map<string, Record<string, unknown>>,
  ) {
    this.config = loadConfiguration(input.files, input.workingDirectory);
    this.variables = resolveVariables(this.config, input.workspaceVars, input.runVars);
  }

  evaluator(): Evaluator {
    return new Evaluator({
      variables: this.variables,
      locals: this.config.locals,
      data: (type, name) => this.data(type, name),
      resource: (type, name) => this.resources().get(`${type}.${name}`) ?? UNKNOWN,
    });
  }

  private data(type: string, name: string): Record<string, unknown> {
    const key = `${type}.${name}`;
    const cached = this.dataCache.get(key);
    if (cached) return cached;
    const raw = this.config.data[type]?.[name];
    if (!raw) throw new ConfigurationError(`Error: Reference to undeclared resource "data.${key}"`);
    const body = this.evaluator().evaluate(raw) as Record<string, unknown>;
    if (containsUnknown(body)) {
      throw new ConfigurationError(
        `Error: data.${key} depends on values known only after apply (not simulated)`,
      );
    }
    this.logLines.push(`data.${key}: Reading...`);
    const attrs = readDataSource(this.world, type, name, body);
    this.logLines.push(`data.${key}: Read complete after 0s [id=${String(attrs.id)}]`);
    this.dataCache.set(key, attrs);
    return attrs;
  }
}

function header(version: string): string[] {
  return [`Terraform v${version}`, 'on linux_amd64', 'Initializing plugins and modules...'];
}

/** Plans a run; a configuration problem throws ConfigurationError with the log so far in its message. */
export function plan(world: World, input: PlanInput): PlanOutcome {
  const lines = header(input.terraformVersion);
  const current = new Map<string, Record<string, unknown>>();
  let drifted = 0;
  for (const resource of input.priorResources) {
    const address = `${resource.type}.${resource.name}`;
    const refreshed =
      input.refresh || input.refreshOnly
        ? providerFor(resource.type, address).refresh(world, resource.attributes)
        : resource.attributes;
    if (JSON.stringify(refreshed) !== JSON.stringify(resource.attributes)) drifted++;
    if (refreshed) {
      current.set(address, refreshed);
      lines.push(`${address}: Refreshing state... [id=${String(refreshed.id)}]`);
    }
  }
  if (input.refreshOnly) {
    lines.push(
      '',
      drifted > 0
        ? `Note: Objects have changed outside of Terraform (${drifted}). This is a refresh-only plan: applying it updates the state to match.`
        : 'No changes. Your infrastructure still matches the configuration.',
    );
    return {
      changes: [],
      additions: 0,
      changesInPlace: 0,
      destructions: 0,
      drifted,
      outputChanges: 0,
      log: `${lines.join('\n')}\n`,
    };
  }
  let module: ModuleRun;
  try {
    module = new ModuleRun(world, input, () => current);
  } catch (err) {
    throw withLog(err, lines);
  }
  const changes: PlannedChange[] = [];
  let outputLines: string[] = [];
  try {
    const configured = new Map<string, { type: string; name: string; desired: Record<string, unknown> }>();
    const evaluator = module.evaluator();
    if (!input.isDestroy) {
      for (const [type, byName] of Object.entries(module.config.resources)) {
        for (const [name, raw] of Object.entries(byName)) {
          const address = `${type}.${name}`;
          const provider = providerFor(type, address);
          const body = evaluator.evaluate(raw) as Record<string, unknown>;
          if (containsUnknown(body)) {
            throw new ConfigurationError(
              `Error: ${address} depends on attributes of resources that are not created yet (not simulated)`,
            );
          }
          configured.set(address, { type, name, desired: provider.validate(address, body, world) });
        }
      }
    }
    lines.push(...module.logLines);
    const replace = new Set(input.replaceAddrs ?? []);
    for (const [address, { type, desired }] of configured) {
      const existing = current.get(address);
      const provider = providerFor(type, address);
      const action = !existing
        ? 'create'
        : replace.has(address)
          ? 'replace'
          : provider.diff(world, desired, existing);
      if (action === 'create' || action === 'update' || action === 'replace')
        changes.push({ address, action, after: desired });
    }
    for (const address of current.keys()) {
      if (!configured.has(address)) changes.push({ address, action: 'delete', after: null });
    }
    outputLines = input.isDestroy ? [] : outputChanges(module, input.priorOutputs ?? [], changes.length > 0);
  } catch (err) {
    throw withLog(err, [...lines, ...module.logLines]);
  }
  const targets = input.targetAddrs && input.targetAddrs.length > 0 ? new Set(input.targetAddrs) : undefined;
  const planned = targets ? changes.filter((c) => targets.has(c.address)) : changes;
  const additions = planned.filter((c) => c.action === 'create' || c.action === 'replace').length;
  const changesInPlace = planned.filter((c) => c.action === 'update').length;
  const destructions = planned.filter((c) => c.action === 'delete' || c.action === 'replace').length;

  if (planned.length === 0 && outputLines.length > 0) {
    lines.push(
      '',
      'Changes to Outputs:',
      ...outputLines,
      '',
      'You can apply this plan to save these new output values to the Terraform state, without changing any real infrastructure.',
    );
  } else if (planned.length === 0) {
    lines.push('', 'No changes. Your infrastructure matches the configuration.', '');
  } else {
    lines.push(
      '',
      'Terraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:',
      '',
      'Terraform will perform the following actions:',
      '',
    );
    for (const change of planned) {
      const [type = '', name = ''] = change.address.split('.');
      const verbs: Record<PlannedChange['action'], [string, string]> = {
        create: ['will be created', '+'],
        update: ['will be updated in-place', '~'],
        replace: ['must be replaced', '-/+'],
        delete: ['will be destroyed', '-'],
      };
      const verb = verbs[change.action];
      lines.push(
        `  # ${change.address} ${verb[0]}`,
        describe(verb[1], type, name, change.after ?? current.get(change.address) ?? null),
        '',
      );
    }
    lines.push(`Plan: ${additions} to add, ${changesInPlace} to change, ${destructions} to destroy.`);
    if (outputLines.length > 0) lines.push('', 'Changes to Outputs:', ...outputLines);
  }
  return {
    changes: planned,
    additions,
    changesInPlace,
    destructions,
    drifted,
    outputChanges: outputLines.length,
    log: `${lines.join('\n')}\n`,
  };
}

/**
 * The plan's "Changes to Outputs" lines: root outputs new, changed or gone against the current
 * state. An output that depends on a resource still to change is `(known after apply)`.
 */
function outputChanges(
  module: ModuleRun,
  prior: NonNullable<PlanInput['priorOutputs']>,
  resourcesChange: boolean,
): string[] {
  const evaluator = module.evaluator();
  const before = new Map(prior.map((o) => [o.name, o]));
  const shown = (value: unknown, sensitive: boolean) =>
    sensitive ? '(sensitive value)' : JSON.stringify(value);
  const lines: string[] = [];
  for (const [name, decl] of Object.entries(module.config.outputs)) {
    const sensitive = decl.sensitive === true;
    const value = evaluator.evaluate(decl.value);
    const unknown = containsUnknown(value);
    const after = unknown ? '(known after apply)' : shown(value, sensitive);
    const old = before.get(name);
    before.delete(name);
    if (!old) lines.push(`  + ${name} = ${after}`);
    else if (
      unknown
        ? resourcesChange
        : JSON.stringify(old.value) !== JSON.stringify(value) || old.sensitive !== sensitive
    )
      lines.push(`  ~ ${name} = ${shown(old.value, old.sensitive)} -> ${after}`);
  }
  for (const old of before.values())
    lines.push(`  - ${old.name} = ${shown(old.value, old.sensitive)} -> null`);
  return lines;
}

function withLog(err: unknown, lines: string[]): ConfigurationError {
  const message = err instanceof Error ? err.message : String(err);
  return new ConfigurationError([...lines, '', message].join('\n'));
}

/** What an apply leaves behind. */
export interface ApplyOutcome {
  resources: StateResource[];
  outputs: { name: string; value: unknown; sensitive: boolean }[];
  log: string;
  /** Set when a change failed: the Terraform-style error; earlier changes stay applied. */
  error: string | null;
  added: number;
  changed: number;
  destroyed: number;
}

/** Applies `changes` in Terraform's order (destroy, replace, update, create) and evaluates outputs. */
export function apply(world: World, input: PlanInput, changes: PlannedChange[], runId: string): ApplyOutcome {
  const lines = header(input.terraformVersion);
  const state = new Map<string, StateResource>();
  for (const r of input.priorResources) {
    const address = `${r.type}.${r.name}`;
    const refreshed = providerFor(r.type, address).refresh(world, r.attributes);
    if (refreshed) state.set(address, { ...r, attributes: refreshed });
  }
  const order = { delete: 0, replace: 1, update: 2, create: 3 } as const;
  const sorted = [...changes].sort((a, b) => order[a.action] - order[b.action]);
  let added = 0;
  let changed = 0;
  let destroyed = 0;
  let error: string | null = null;
  for (const change of sorted) {
    const [type = '', name = ''] = change.address.split('.');
    const provider = providerFor(type, change.address);
    const existing = state.get(change.address);
    try {
      if (change.action === 'delete' || change.action === 'replace') {
        if (existing) {
          lines.push(`${change.address}: Destroying... [id=${String(existing.attributes.id)}]`);
          provider.destroy(world, existing.attributes);
          state.delete(change.address);
          destroyed++;
          lines.push(`${change.address}: Destruction complete after 0s`);
        }
      }
      if (change.action === 'create' || change.action === 'replace') {
        lines.push(`${change.address}: Creating...`);
        const attributes = provider.create(world, change.after as Record<string, unknown>, runId);
        state.set(change.address, { type, name, attributes });
        added++;
        lines.push(`${change.address}: Creation complete after 0s [id=${String(attributes.id)}]`);
      }
      if (change.action === 'update' && existing) {
        lines.push(`${change.address}: Modifying... [id=${String(existing.attributes.id)}]`);
        const attributes = provider.update(
          world,
          change.after as Record<string, unknown>,
          existing.attributes,
        );
        state.set(change.address, { type, name, attributes });
        changed++;
        lines.push(`${change.address}: Modifications complete after 0s [id=${String(attributes.id)}]`);
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      lines.push('', error);
      break;
    }
  }
  const resources = [...state.values()];
  let outputs: ApplyOutcome['outputs'] = [];
  if (!error && !input.isDestroy) {
    try {
      const byAddress = new Map(resources.map((r) => [`${r.type}.${r.name}`, r.attributes]));
      const module = new ModuleRun(world, input, () => byAddress);
      const evaluator = module.evaluator();
      outputs = Object.entries(module.config.outputs).map(([outputName, decl]) => ({
        name: outputName,
        value: evaluator.evaluate(decl.value),
        sensitive: decl.sensitive === true,
      }));
      if (input.refreshOnly) {
        // A refresh-only apply records what is there: outputs of resources that vanished are null.
        outputs = outputs.map((o) => (containsUnknown(o.value) ? { ...o, value: null } : o));
      } else if (outputs.some((o) => containsUnknown(o.value))) {
        throw new ConfigurationError('Error: an output refers to a resource that does not exist');
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      outputs = [];
      lines.push('', error);
    }
  }
  if (!error) {
    lines.push(
      '',
      input.isDestroy
        ? `Apply complete! Resources: 0 added, 0 changed, ${destroyed} destroyed.`
        : `Apply complete! Resources: ${added} added, ${changed} changed, ${destroyed} destroyed.`,
    );
    if (outputs.length > 0) {
      lines.push('', 'Outputs:', '');
      for (const o of outputs)
        lines.push(`${o.name} = ${o.sensitive ? '<sensitive>' : JSON.stringify(o.value)}`);
    }
  }
  return { resources, outputs, log: `${lines.join('\n')}\n`, error, added, changed, destroyed };
}
