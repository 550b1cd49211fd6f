/**
 * Checks a set of template sources before anything runs and compiles the plan the interpreter
 * receives. Like orquesta's spec inspection, every problem is reported at once with the file, the
 * JSON pointer into the template and a group (syntax, schema, semantics, expressions), so the
 * whole list fits one error or one 400 body. Pure: the caller reads the files.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ajv, schemaProblems } from './json-schema';
import type { TaskMeta } from './tasks';
import { kinded, templateKey, undoOf, type Template, type TemplatePlan, type TemplateRef } from './template';
import { ancestorsOf, callsOf, findCycles, needsOf, reachableTemplates, stepCycles } from './template-graph';
import { stepJsonSchemas, templateShallowJsonSchema } from './template-schema';
import { escapePointer, expressionsIn, forbiddenFunctions, inspectExpression } from './template-expressions';

/** The tasks a template may call, by id: metadata only, so the loader and tests can pass their own. */
export type TaskCatalog = ReadonlyMap<string, TaskMeta>;

export type ProblemGroup = 'syntax' | 'schema' | 'semantics' | 'expressions';

/** One thing wrong with one template. */
export interface TemplateProblem {
  file: string;
  /** JSON pointer into the file's content ('' for the whole file). */
  pointer: string;
  group: ProblemGroup;
  message: string;
}

/** A template file as read from disk. */
export interface TemplateSource {
  file: string;
  text: string;
}

/** Templates that passed every check, by `name@version`, with the file each came from. */
export interface CheckedLibrary {
  templates: Map<string, { template: Template; file: string }>;
  problems: TemplateProblem[];
}

const validateTop = ajv.compile(templateShallowJsonSchema);
// Each step is checked against the one schema its kind names, so errors speak of that kind only.
const validateStepOfKind: Record<string, ValidateFunction> = {
  task: ajv.compile(stepJsonSchemas.task),
  template: ajv.compile(stepJsonSchemas.template),
  approval: ajv.compile(stepJsonSchemas.approval),
  wait: ajv.compile(stepJsonSchemas.wait),
};
const kindFields = Object.keys(stepJsonSchemas);

/** ajv's errors as schema problems of `file`, below `prefix`. */
function schemaErrors(
  file: string,
  prefix: string,
  errors: ErrorObject[] | null | undefined,
): TemplateProblem[] {
  return schemaProblems(errors, prefix).map((p) => ({ file, group: 'schema', ...p }));
}

/**
 * Checks every source against the schema, the catalog and each other. Templates with problems
 * are left out of `templates`; a template naming a sub-template that has problems is not itself
 * blamed for them.
 */
export function checkTemplates(sources: readonly TemplateSource[], catalog: TaskCatalog): CheckedLibrary {
  const problems: TemplateProblem[] = [];
  const parsed: { file: string; template: Template }[] = [];
  for (const { file, text } of sources) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      problems.push({ file, pointer: '', group: 'syntax', message: `not JSON: ${(err as Error).message}` });
      continue;
    }
    const before = problems.length;
    if (!validateTop(value)) problems.push(...schemaErrors(file, '', validateTop.errors));
    else {
      for (const [i, step] of (value as { steps: Record<string, unknown>[] }).steps.entries()) {
        const kinds = kindFields.filter((k) => k in step);
        if (kinds.length !== 1) {
          problems.push({
            file,
            pointer: `/steps/${i}`,
            group: 'schema',
            message: `a step must have exactly one of task, template, approval, wait (found ${kinds.join(', ') || 'none'})`,
          });
          continue;
        }
        const validate = validateStepOfKind[kinds[0]!]!;
        if (!validate(step)) problems.push(...schemaErrors(file, `/steps/${i}`, validate.errors));
      }
    }
    if (problems.length === before) parsed.push({ file, template: value as Template });
  }

  const byKey = new Map<string, { template: Template; file: string }>();
  for (const p of parsed) {
    const key = templateKey(p.template);
    const seen = byKey.get(key);
    if (seen) {
      problems.push({
        file: p.file,
        pointer: '/version',
        group: 'semantics',
        message: `${key} is also defined in ${seen.file}`,
      });
      continue;
    }
    byKey.set(key, p);
  }
  // Sub-templates are resolved against every file that parsed, so one bad file is reported once.
  const known = new Set(byKey.keys());
  const failed = new Set<string>();
  for (const [key, { template, file }] of byKey) {
    const own = checkTemplate(template, file, catalog, known);
    if (own.length) failed.add(key);
    problems.push(...own);
  }
  const subTemplates = (key: string) =>
    byKey.get(key)!.template.steps.flatMap((step) => callsOf(step).templates.map(templateKey));
  for (const cycle of findCycles(byKey.keys(), subTemplates)) {
    const { file } = byKey.get(cycle[0]!)!;
    problems.push({
      file,
      pointer: '/steps',
      group: 'semantics',
      message: `sub-templates form a cycle: ${cycle.join(' -> ')}`,
    });
    for (const k of cycle) failed.add(k);
  }
  for (const k of failed) byKey.delete(k);
  return { templates: byKey, problems };
}

const idsFields = new Set(['workflowId', 'traceId', 'requestId']);
const stepFields = new Set(['output', 'state']);

/** Where an expression sits decides what it may refer to. */
interface ExpressionPlace {
  /** Steps the expression may read (`steps.X`). */
  steps: Set<string>;
  item: boolean;
  output: boolean;
}

function checkTemplate(
  template: Template,
  file: string,
  catalog: TaskCatalog,
  known: Set<string>,
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const semantics = (pointer: string, message: string) =>
    problems.push({ file, pointer, group: 'semantics', message });

  ajv.validateSchema(template.input);
  if (ajv.errors?.length) {
    for (const e of ajv.errors)
      semantics(`/input${e.instancePath}`, `the input is not a valid JSON Schema: ${e.message ?? ''}`);
  } else {
    try {
      ajv.compile(template.input);
    } catch (err) {
      semantics('/input', `the input is not a valid JSON Schema: ${(err as Error).message}`);
    }
  }

  const ids = new Map<string, number>();
  template.steps.forEach((step, i) => {
    if (ids.has(step.id))
      semantics(`/steps/${i}/id`, `step id ${step.id} is also used by /steps/${ids.get(step.id)}`);
    else ids.set(step.id, i);
  });
  template.steps.forEach((step, i) => {
    needsOf(step).forEach((need, j) => {
      if (need === step.id) semantics(`/steps/${i}/needs/${j}`, `step ${step.id} needs itself`);
      else if (!ids.has(need))
        semantics(`/steps/${i}/needs/${j}`, `needs ${need}, which is no step of this template`);
    });
    const k = kinded(step);
    if (k.kind === 'task' && !catalog.has(k.step.task))
      semantics(`/steps/${i}/task`, `unknown task ${k.step.task}`);
    if (k.kind === 'template' && !known.has(templateKey(k.step.template)))
      semantics(`/steps/${i}/template`, `unknown sub-template ${templateKey(k.step.template)}`);
    const undo = undoOf(step);
    if (undo && 'task' in undo && !catalog.has(undo.task))
      semantics(`/steps/${i}/undo/task`, `unknown task ${undo.task}`);
    if (undo && 'template' in undo && !known.has(templateKey(undo.template)))
      semantics(`/steps/${i}/undo/template`, `unknown sub-template ${templateKey(undo.template)}`);
  });
  for (const cycle of stepCycles(template.steps)) {
    const i = ids.get(cycle[0]!)!;
    semantics(`/steps/${i}/needs`, `steps form a cycle: ${cycle.join(' -> ')}`);
  }

  const inputProps = declaredInputProperties(template.input);
  const checkExpressions = (value: unknown, pointer: string, place: ExpressionPlace) => {
    for (const found of expressionsIn(value, pointer)) {
      const messages = 'error' in found ? [found.error] : expressionProblems(found.expr, place, inputProps);
      for (const message of messages)
        problems.push({ file, pointer: found.pointer, group: 'expressions', message });
    }
  };
  const allSteps = new Set(ids.keys());
  template.steps.forEach((step, i) => {
    const at = `/steps/${i}`;
    const before = ancestorsOf(template.steps, step.id);
    const forEach = 'forEach' in step ? step.forEach : undefined;
    const plain: ExpressionPlace = { steps: before, item: false, output: false };
    if (step.when) checkExpressions(step.when, `${at}/when`, plain);
    if (forEach) {
      checkExpressions(forEach.items, `${at}/forEach/items`, plain);
      if (forEach.key) checkExpressions(forEach.key, `${at}/forEach/key`, { ...plain, item: true });
    }
    if ('input' in step) checkExpressions(step.input, `${at}/input`, { ...plain, item: !!forEach });
    const k = kinded(step);
    if (k.kind === 'wait') checkExpressions(k.step.wait.duration, `${at}/wait/duration`, plain);
    if (k.kind === 'approval') {
      checkExpressions(k.step.approval.groups, `${at}/approval/groups`, plain);
      checkExpressions(k.step.approval.timeout, `${at}/approval/timeout`, plain);
    }
    const withOutput: ExpressionPlace = { steps: before, item: !!forEach, output: true };
    if ('externalIds' in step && step.externalIds)
      for (const [k, v] of Object.entries(step.externalIds))
        checkExpressions(v, `${at}/externalIds/${escapePointer(k)}`, withOutput);
    // Compensation runs after the graph has settled, so an undo may read any step.
    const undoPlace: ExpressionPlace = { ...withOutput, steps: allSteps };
    const undo = undoOf(step);
    if (undo?.input !== undefined) checkExpressions(undo.input, `${at}/undo/input`, undoPlace);
    if (undo?.when !== undefined) checkExpressions(undo.when, `${at}/undo/when`, undoPlace);
  });
  if (template.output !== undefined)
    checkExpressions(template.output, '/output', { steps: allSteps, item: false, output: false });
  return problems;
}

/** The input properties expressions may read, or undefined when the schema lets any through. */
function declaredInputProperties(schema: Record<string, unknown>): Set<string> | undefined {
  const props = schema.properties;
  if (!props || typeof props !== 'object') return undefined;
  const additional = schema.additionalProperties;
  if (additional === true || (additional && typeof additional === 'object') || schema.patternProperties)
    return undefined;
  return new Set(Object.keys(props));
}

function expressionProblems(
  expr: string,
  place: ExpressionPlace,
  inputProps: Set<string> | undefined,
): string[] {
  let facts;
  try {
    facts = inspectExpression(expr);
  } catch (err) {
    return [(err as Error).message];
  }
  const out: string[] = [];
  for (const fn of facts.functions)
    if ((forbiddenFunctions as readonly string[]).includes(fn))
      out.push(`\${${expr}}: $${fn}() is not allowed in templates`);
  for (const { path } of facts.references) {
    const [root, second, third] = path;
    const where = `\${${expr}}: ${path.join('.')}`;
    switch (root) {
      case 'input':
        if (second !== undefined && inputProps && !inputProps.has(second))
          out.push(`${where} refers to nothing: the input schema declares no property ${second}`);
        break;
      case 'steps':
        if (second === undefined) break;
        if (!place.steps.has(second))
          out.push(
            `${where} refers to nothing: ${second} is not a step this one needs (directly or through its needs)`,
          );
        else if (third !== undefined && !stepFields.has(third))
          out.push(`${where} refers to nothing: a step has only output and state`);
        break;
      case 'ids':
        if (second !== undefined && !idsFields.has(second))
          out.push(`${where} refers to nothing: ids has ${[...idsFields].join(', ')}`);
        break;
      case 'item':
      case 'index':
        if (!place.item) out.push(`${where} refers to nothing: item and index exist only in a forEach step`);
        break;
      case 'output':
        if (!place.output) out.push(`${where} refers to nothing: output exists only in externalIds and undo`);
        break;
      default:
        out.push(
          `${where} refers to nothing: expressions start from input, steps, item, index, ids or output`,
        );
    }
  }
  return out;
}

/** Thrown when a plan cannot be built: the template is unknown or did not pass the checks. */
export class UnknownTemplateError extends Error {}

/** Builds the plan for one template: its content and that of every sub-template and task it reaches. */
export function compilePlan(
  library: ReadonlyMap<string, { template: Template }>,
  catalog: TaskCatalog,
  ref: TemplateRef,
): TemplatePlan {
  const entry = templateKey(ref);
  const tasks: TemplatePlan['tasks'] = {};
  const templates = reachableTemplates(
    entry,
    (key) => {
      const found = library.get(key);
      if (!found) throw new UnknownTemplateError(`no valid template ${key}`);
      return found.template;
    },
    (id, from) => {
      const meta = catalog.get(id);
      if (!meta) throw new UnknownTemplateError(`${from} uses unknown task ${id}`);
      const { id: taskId, description, taskQueue, timeouts, retry, local } = meta;
      tasks[id] = {
        id: taskId,
        description,
        taskQueue,
        timeouts,
        ...(retry ? { retry } : {}),
        ...(local ? { local } : {}),
      };
    },
  );
  return { entry, templates, tasks };
}
