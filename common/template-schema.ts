/**
 * The JSON Schema (draft-07) every template file must satisfy; ajv checks it first, then the
 * loader checks what a schema cannot say (graph, tasks, sub-templates, expressions). The same
 * object is written to templates/template.schema.json for editors (a test keeps them equal).
 */
import { DURATION_PATTERN } from './template';

const identifier = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: 64 };
const templateName = { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 100 };
const version = { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' };
const taskId = { type: 'string', pattern: '^[a-z][a-z0-9]*:[a-z][a-z0-9-]*$' };
const expression = { type: 'string', pattern: '^\\$\\{[\\s\\S]*\\}$' };
const duration = { type: 'string', pattern: DURATION_PATTERN };

const templateRef = {
  type: 'object',
  required: ['name', 'version'],
  additionalProperties: false,
  properties: { name: templateName, version },
};

const retry = {
  description: "Temporal's RetryPolicy; each field overrides the task's default.",
  type: 'object',
  additionalProperties: false,
  properties: {
    initialInterval: duration,
    backoffCoefficient: { type: 'number', minimum: 1 },
    maximumInterval: duration,
    maximumAttempts: { type: 'integer', minimum: 0 },
    nonRetryableErrorTypes: { type: 'array', items: { type: 'string' } },
  },
};

const timeouts = {
  description: "Temporal's activity timeouts; each overrides the task's timeout profile.",
  type: 'object',
  additionalProperties: false,
  properties: {
    startToCloseTimeout: duration,
    scheduleToCloseTimeout: duration,
    scheduleToStartTimeout: duration,
    heartbeatTimeout: duration,
  },
};

const undo = {
  description:
    'The compensating task or sub-template, run in reverse completion order when the template fails.',
  oneOf: [
    {
      type: 'object',
      required: ['task'],
      additionalProperties: false,
      properties: { task: taskId, input: {}, when: expression, retry, timeouts },
    },
    {
      type: 'object',
      required: ['template'],
      additionalProperties: false,
      properties: { template: templateRef, input: {}, when: expression },
    },
  ],
};

const forEach = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    items: expression,
    key: expression,
    concurrency: { type: 'integer', minimum: 1, maximum: 100 },
  },
};

const common = {
  id: identifier,
  description: { type: 'string' },
  needs: { type: 'array', items: identifier, uniqueItems: true },
  when: expression,
  ifNeedsSkipped: { enum: ['skip', 'run'] },
  onFailure: { enum: ['fail', 'continue'] },
};

const externalIds = { type: 'object', additionalProperties: expression, propertyNames: identifier };

/** The schema of each kind of step, by the field that names the kind. */
export const stepSchemas = {
  task: {
    title: 'task step',
    required: ['task'],
    additionalProperties: false,
    properties: { ...common, task: taskId, input: {}, forEach, retry, timeouts, undo, externalIds },
  },
  template: {
    title: 'sub-template step',
    required: ['template'],
    additionalProperties: false,
    properties: { ...common, template: templateRef, input: {}, forEach, undo, externalIds },
  },
  approval: {
    title: 'approval step',
    required: ['approval'],
    additionalProperties: false,
    properties: {
      ...common,
      approval: {
        type: 'object',
        required: ['groups', 'timeout'],
        additionalProperties: false,
        properties: {
          groups: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
          timeout: duration,
          message: { type: 'string' },
        },
      },
    },
  },
  wait: {
    title: 'wait step',
    required: ['wait'],
    additionalProperties: false,
    properties: {
      ...common,
      wait: {
        type: 'object',
        required: ['duration'],
        additionalProperties: false,
        properties: { duration: { anyOf: [duration, expression] } },
      },
    },
  },
};

const step = {
  type: 'object',
  required: ['id'],
  oneOf: [stepSchemas.task, stepSchemas.template, stepSchemas.approval, stepSchemas.wait],
};

/** The JSON Schema of a template file. */
export const templateJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://orchestrator.local/schemas/template.schema.json',
  title: 'Template',
  description: 'A provisioning template run by the template interpreter as a DAG of steps.',
  type: 'object',
  required: ['name', 'version', 'description', 'input', 'steps'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: templateName,
    version,
    description: { type: 'string', minLength: 1 },
    input: { description: 'The JSON Schema of the input.', type: 'object' },
    steps: { type: 'array', items: step, minItems: 1 },
    output: { description: 'The result, with expressions over input and steps.' },
    examples: { description: 'Inputs that must satisfy the input schema.', type: 'array' },
  },
} as const;
