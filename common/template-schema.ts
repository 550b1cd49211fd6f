/**
 * The template model, declared once as zod schemas: the TypeScript types of a template file
 * (common/template.ts infers them) and its JSON Schema (`templateJsonSchema`, which ajv checks
 * first and which `npm run template-schema` writes to templates/template.schema.json for editors)
 * both come from here. The loader then checks what a schema cannot say (graph, tasks,
 * sub-templates, expressions).
 */
import { z } from 'zod';

/**
 * Durations as Temporal reads them (the `ms` format): `"30 seconds"`, `"5m"`, `"2 hours"`,
 * `"1500ms"`, `"1 day"`.
 */
export const DURATION_PATTERN =
  /^\d+(\.\d+)?\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/;

const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
  .max(64);
const templateName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
  .max(100);
const version = z.string().regex(/^\d+\.\d+\.\d+$/);
const taskId = z.string().regex(/^[a-z][a-z0-9]*:[a-z][a-z0-9-]*$/);
/** A string that is one `${…}` expression. */
const expression = z.string().regex(/^\$\{[\s\S]*\}$/);
const duration = z.string().regex(DURATION_PATTERN);
/**
 * Any JSON value (the file parsed as JSON); strings may carry `${…}` expressions (see
 * docs/templates.md). Not `z.json()`: its recursive JSON Schema would make ajv recurse once per
 * level of nesting, and the loader reports deep nesting itself.
 */
const json = z.unknown();

/** A template addressed by name and version, e.g. `{ "name": "awx-run-job-template", "version": "1.0.0" }`. */
export const templateRefSchema = z.strictObject({ name: templateName, version });

const retry = z
  .strictObject({
    initialInterval: duration.optional(),
    backoffCoefficient: z.number().min(1).optional(),
    maximumInterval: duration.optional(),
    maximumAttempts: z.int().min(0).optional(),
    nonRetryableErrorTypes: z.array(z.string()).optional(),
  })
  .describe("Temporal's RetryPolicy; each field overrides the task's default.");

const timeouts = z
  .strictObject({
    startToCloseTimeout: duration.optional(),
    scheduleToCloseTimeout: duration.optional(),
    scheduleToStartTimeout: duration.optional(),
    heartbeatTimeout: duration.optional(),
  })
  .describe("Temporal's activity timeouts; each overrides the task's timeout profile.");

const undoWhen = expression
  .optional()
  .describe('Evaluated at compensation time (with output); when false this success is left as it is.');

const undo = z
  .union([
    z.strictObject({
      task: taskId,
      input: json.optional(),
      when: undoWhen,
      retry: retry.optional(),
      timeouts: timeouts.optional(),
    }),
    z.strictObject({ template: templateRefSchema, input: json.optional(), when: undoWhen }),
  ])
  .describe(
    'The compensating task or sub-template, run in reverse completion order when the template fails.',
  );

const forEach = z
  .strictObject({
    items: expression.describe('An expression yielding an array.'),
    key: expression
      .optional()
      .describe("The item's unique key, with item and index in scope; default: the index."),
    concurrency: z.int().min(1).max(100).optional().describe('How many items run at once; default 5.'),
  })
  .describe('Runs the step once per item of a list, each item as its own child workflow.');

const externalIds = z
  .record(identifier, expression)
  .describe('External identifiers this step reports, as expressions over its output.');

/** What every kind of step has. */
const stepBase = {
  id: identifier.describe('Unique in the template; expressions read steps.<id>.output.'),
  description: z.string().optional(),
  needs: z
    .array(identifier)
    .refine((ids) => new Set(ids).size === ids.length, 'must NOT have duplicate items')
    .meta({ uniqueItems: true })
    .optional()
    .describe('Steps that must have finished before this one starts.'),
  when: expression.optional().describe('A condition; when false the step is skipped.'),
  ifNeedsSkipped: z
    .enum(['skip', 'run'])
    .optional()
    .describe('Whether a step whose needs were all skipped is skipped too (default) or runs anyway.'),
  onFailure: z
    .enum(['fail', 'continue'])
    .optional()
    .describe('fail (default): the template fails; continue: the failure is recorded and the rest goes on.'),
};

/** The schema of each kind of step, by the field that names the kind. */
export const stepSchemas = {
  task: z
    .strictObject({
      ...stepBase,
      task: taskId,
      input: json.optional(),
      forEach: forEach.optional(),
      retry: retry.optional(),
      timeouts: timeouts.optional(),
      undo: undo.optional(),
      externalIds: externalIds.optional(),
    })
    .meta({ title: 'task step', description: 'Calls one task (a Temporal activity).' }),
  template: z
    .strictObject({
      ...stepBase,
      template: templateRefSchema,
      input: json.optional(),
      forEach: forEach.optional(),
      undo: undo.optional(),
      externalIds: externalIds.optional(),
    })
    .meta({
      title: 'sub-template step',
      description: "Runs another template as a child workflow; input becomes the sub-template's input.",
    }),
  approval: z
    .strictObject({
      ...stepBase,
      approval: z.strictObject({
        groups: z
          .union([z.array(z.string().min(1)).min(1), expression])
          .describe(
            'The groups that may decide, or one expression giving them (a list of names) when the step starts.',
          ),
        timeout: z.union([duration, expression]),
        message: z.string().optional(),
      }),
    })
    .meta({
      title: 'approval step',
      description: 'Waits for a decision from a member of one of the groups, until the timeout.',
    }),
  wait: z
    .strictObject({ ...stepBase, wait: z.strictObject({ duration: z.union([duration, expression]) }) })
    .meta({ title: 'wait step', description: 'A durable timer.' }),
};

/** Top-level fields of a template file, steps aside. */
const templateFields = {
  $schema: z.string().optional(),
  name: templateName,
  version,
  description: z.string().min(1),
  input: z.record(z.string(), z.unknown()).describe('The JSON Schema of the input.'),
  output: json.optional().describe('The result, with expressions over input and steps.'),
  examples: z.array(z.unknown()).optional().describe('Inputs that must satisfy the input schema.'),
};

/** A template file's content. */
export const templateSchema = z
  .strictObject({
    ...templateFields,
    steps: z
      .array(z.union([stepSchemas.task, stepSchemas.template, stepSchemas.approval, stepSchemas.wait]))
      .min(1),
  })
  .meta({
    title: 'Template',
    description: 'A provisioning template run by the template interpreter as a DAG of steps.',
  });

/** The JSON Schema (draft-07) of a zod schema of the model, as ajv and editors read it. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
}

/** The JSON Schema of a template file: what templates/template.schema.json holds. */
export const templateJsonSchema: Record<string, unknown> = {
  $id: 'https://orchestrator.local/schemas/template.schema.json',
  ...jsonSchemaOf(templateSchema),
};

/**
 * The JSON Schema of a template file with each step only required to be an object: the loader
 * checks each step against the one schema its kind names, so errors speak of that kind only.
 */
export const templateShallowJsonSchema = jsonSchemaOf(
  z.strictObject({ ...templateFields, steps: z.array(z.looseObject({})).min(1) }),
);

/** The JSON Schema of each kind of step. */
export const stepJsonSchemas = {
  task: jsonSchemaOf(stepSchemas.task),
  template: jsonSchemaOf(stepSchemas.template),
  approval: jsonSchemaOf(stepSchemas.approval),
  wait: jsonSchemaOf(stepSchemas.wait),
};
