/**
 * The template library: every `*.json` file under a folder (except `*.schema.json`), checked
 * against the JSON Schema, the task catalog and each other. The worker loads it at start and
 * refuses to start on any problem; scripts/validate-templates.ts runs the same checks alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { ajv, schemaProblems, type SchemaProblem } from '../common/json-schema';
import {
  checkTemplates,
  compilePlan,
  UnknownTemplateError,
  type TaskCatalog,
  type TemplateProblem,
  type TemplateSource,
} from '../common/template-check';
import { templateKey, type Template, type TemplatePlan, type TemplateRef } from '../common/template';

/** The folder of the real templates. */
export const templatesDir = __dirname;

/** Every problem of a library at once, one per line: `file#pointer [group] message`. */
export class TemplateLibraryError extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    super(
      `invalid templates (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems)}`,
    );
    this.name = 'TemplateLibraryError';
  }
}

/** One line per problem, the pointer after `#` as in a JSON pointer URI fragment. */
export function formatProblems(problems: readonly TemplateProblem[]): string {
  return problems.map((p) => `  ${p.file}#${p.pointer} [${p.group}] ${p.message}`).join('\n');
}

/** A checked set of templates, addressed by name and version. */
export interface TemplateLibrary {
  /** `name@version` of every template, sorted. */
  keys(): string[];
  get(ref: TemplateRef): Template | undefined;
  /** The plan the interpreter workflow runs: the exact content of the template and all it reaches. */
  plan(ref: TemplateRef): TemplatePlan;
  /** What is wrong with an input for the template's input schema (JSON pointers), empty when it fits. */
  checkInput(ref: TemplateRef, input: unknown): SchemaProblem[];
  /** The template `name` at `version`, or at its newest version when none is given; undefined when absent. */
  resolve(name: string, version?: string): TemplateRef | undefined;
}

/** Compares dotted numeric versions (1.10.0 > 1.9.3). */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Reads the template sources of a folder, recursively, file names relative to it. */
export function readTemplateSources(dir: string): TemplateSource[] {
  const sources: TemplateSource[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json') && !entry.name.endsWith('.schema.json'))
        sources.push({ file: path.relative(dir, full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return sources;
}

/** Builds a library from sources; throws TemplateLibraryError listing every problem. */
export function createTemplateLibrary(
  sources: readonly TemplateSource[],
  catalog: TaskCatalog,
): TemplateLibrary {
  const { templates, problems } = checkTemplates(sources, catalog);
  if (problems.length) throw new TemplateLibraryError(problems);
  const validators = new Map<string, ValidateFunction>();
  return {
    keys: () => [...templates.keys()].sort(),
    get: (ref) => templates.get(templateKey(ref))?.template,
    plan: (ref) => compilePlan(templates, catalog, ref),
    resolve(name, version) {
      const versions = [...templates.keys()]
        .map((key) => key.split('@') as [string, string])
        .filter(([n, v]) => n === name && (version === undefined || v === version))
        .map(([, v]) => v)
        .sort(compareVersions);
      const chosen = versions.at(-1);
      return chosen === undefined ? undefined : { name, version: chosen };
    },
    checkInput(ref, input) {
      const key = templateKey(ref);
      const template = templates.get(key)?.template;
      if (!template) throw new UnknownTemplateError(`no valid template ${key}`);
      let validate = validators.get(key);
      if (!validate) validators.set(key, (validate = ajv.compile(template.input)));
      if (validate(input)) return [];
      return schemaProblems(validate.errors);
    },
  };
}

/** Loads and checks every template under `dir`; throws TemplateLibraryError listing every problem. */
export function loadTemplateLibrary(dir: string, catalog: TaskCatalog): TemplateLibrary {
  return createTemplateLibrary(readTemplateSources(dir), catalog);
}
