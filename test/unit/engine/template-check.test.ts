/**
 * Loading and graph checks: a valid template passes, and each kind of mistake is reported with
 * its file, its JSON pointer and a message naming the problem.
 */
import assert from 'node:assert/strict';
import { createTaskCatalog } from '../../../activities/registry';
import { checkTemplates, compilePlan, type TemplateProblem } from '../../../common/template-check';
import type { Template } from '../../../common/template';
import { createTemplateLibrary, TemplateLibraryError } from '../../../templates/library';

const catalog = createTaskCatalog([
  { id: 'test:create-thing', description: 'creates a thing', taskQueue: 'orchestrator', timeouts: 'short' },
  { id: 'test:delete-thing', description: 'deletes a thing', taskQueue: 'orchestrator', timeouts: 'short' },
  {
    id: 'test:wait-thing',
    description: 'waits',
    taskQueue: 'awx',
    timeouts: 'long',
    retry: { maximumAttempts: 3 },
  },
]);

function base(overrides: Partial<Template> = {}): Template {
  return {
    name: 'make-things',
    version: '1.0.0',
    description: 'makes things',
    input: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, names: { type: 'array', items: { type: 'string' } } },
    },
    steps: [
      {
        id: 'create',
        task: 'test:create-thing',
        input: { name: '${input.name}' },
        undo: { task: 'test:delete-thing', input: { id: '${output.id}' } },
        externalIds: { thing: '${output.id}' },
      },
      {
        id: 'settle',
        task: 'test:wait-thing',
        needs: ['create'],
        input: { id: '${steps.create.output.id}' },
      },
      {
        id: 'many',
        task: 'test:create-thing',
        needs: ['settle'],
        when: '${$count(input.names) > 0}',
        forEach: { items: '${input.names}', key: '${item}', concurrency: 2 },
        input: { name: '${item}-${index}', trace: '${ids.traceId}' },
      },
      { id: 'approve', approval: { groups: ['ops'], timeout: '1 hour' }, needs: ['many'] },
      { id: 'pause', wait: { duration: '5 minutes' }, needs: ['approve'] },
    ],
    output: { id: '${steps.create.output.id}', label: 'thing ${input.name}' },
    ...overrides,
  };
}

const sub: Template = {
  name: 'sub-thing',
  version: '2.0.0',
  description: 'a sub-template',
  input: { type: 'object' },
  steps: [{ id: 'only', task: 'test:create-thing', input: '${input}' }],
};

function check(...templates: unknown[]): TemplateProblem[] {
  return checkTemplates(
    templates.map((t, i) => ({ file: `t${i}.json`, text: typeof t === 'string' ? t : JSON.stringify(t) })),
    catalog,
  ).problems;
}

function withStep(i: number, patch: Record<string, unknown>): Template {
  const t = base();
  t.steps[i] = { ...t.steps[i], ...patch } as Template['steps'][number];
  return t;
}

describe('template checks', () => {
  it('accept a valid template and its sub-template', () => {
    const t = base();
    t.steps.push({
      id: 'nested',
      template: { name: 'sub-thing', version: '2.0.0' },
      needs: ['pause'],
      input: {},
    });
    assert.deepEqual(check(t, sub), []);
  });

  const rejections: {
    name: string;
    templates: () => unknown[];
    pointer: string;
    group: TemplateProblem['group'];
    message: RegExp;
  }[] = [
    {
      name: 'a file that is not JSON',
      templates: () => ['{ "name": '],
      pointer: '',
      group: 'syntax',
      message: /not JSON/,
    },
    {
      name: 'a missing required field',
      templates: () => [{ ...base(), description: undefined }],
      pointer: '',
      group: 'schema',
      message: /must have required property 'description'/,
    },
    {
      name: 'an unknown step field',
      templates: () => [withStep(1, { retries: 3 })],
      pointer: '/steps/1',
      group: 'schema',
      message: /additional properties \(retries\)/,
    },
    {
      name: 'a step of no kind',
      templates: () => [withStep(0, { task: undefined })],
      pointer: '/steps/0',
      group: 'schema',
      message: /exactly one of task, template, approval, wait \(found none\)/,
    },
    {
      name: 'a malformed duration',
      templates: () => [withStep(4, { wait: { duration: 'soon' } })],
      pointer: '/steps/4/wait/duration',
      group: 'schema',
      message: /must match/,
    },
    {
      name: 'an unknown task',
      templates: () => [withStep(1, { task: 'test:explode-thing' })],
      pointer: '/steps/1/task',
      group: 'semantics',
      message: /unknown task test:explode-thing/,
    },
    {
      name: 'an unknown undo task',
      templates: () => [withStep(0, { undo: { task: 'test:forget-thing' } })],
      pointer: '/steps/0/undo/task',
      group: 'semantics',
      message: /unknown task test:forget-thing/,
    },
    {
      name: 'an unknown sub-template',
      templates: () => [
        withStep(1, { task: undefined, template: { name: 'sub-thing', version: '9.9.9' } }),
        sub,
      ],
      pointer: '/steps/1/template',
      group: 'semantics',
      message: /unknown sub-template sub-thing@9.9.9/,
    },
    {
      name: 'needs naming no step',
      templates: () => [withStep(1, { needs: ['create', 'craete'] })],
      pointer: '/steps/1/needs/1',
      group: 'semantics',
      message: /needs craete, which is no step/,
    },
    {
      name: 'a cycle, named',
      templates: () => [withStep(0, { needs: ['approve'] })],
      pointer: '/steps/0/needs',
      group: 'semantics',
      message: /cycle: create -> approve -> many -> settle -> create/,
    },
    {
      name: 'a duplicate step id',
      templates: () => [withStep(1, { id: 'create', needs: [] })],
      pointer: '/steps/1/id',
      group: 'semantics',
      message: /also used by \/steps\/0/,
    },
    {
      name: 'an input schema that is not JSON Schema',
      templates: () => [base({ input: { type: 'object', properties: { name: { type: 'strnig' } } } })],
      pointer: '/input/properties/name/type',
      group: 'semantics',
      message: /not a valid JSON Schema/,
    },
    {
      name: 'an input schema keyword typo',
      templates: () => [base({ input: { type: 'object', proprties: {} } })],
      pointer: '/input',
      group: 'semantics',
      message: /unknown keyword: "proprties"/,
    },
    {
      name: 'an expression reading an undeclared input',
      templates: () => [withStep(0, { input: { name: '${input.nmae}' } })],
      pointer: '/steps/0/input/name',
      group: 'expressions',
      message: /refers to nothing: the input schema declares no property nmae/,
    },
    {
      name: 'approval groups from an undeclared input',
      templates: () => [withStep(3, { approval: { groups: '${input.approvers}', timeout: '1 hour' } })],
      pointer: '/steps/3/approval/groups',
      group: 'expressions',
      message: /the input schema declares no property approvers/,
    },
    {
      name: 'an expression reading a step it does not need',
      templates: () => [withStep(1, { needs: [], input: { id: '${steps.create.output.id}' } })],
      pointer: '/steps/1/input/id',
      group: 'expressions',
      message: /create is not a step this one needs/,
    },
    {
      name: 'an expression reading a step that does not exist',
      templates: () => [base({ output: '${steps.nothing.output}' })],
      pointer: '/output',
      group: 'expressions',
      message: /nothing is not a step/,
    },
    {
      name: 'item outside a forEach',
      templates: () => [withStep(1, { input: { id: '${item.id}' } })],
      pointer: '/steps/1/input/id',
      group: 'expressions',
      message: /item and index exist only in a forEach step/,
    },
    {
      name: 'an unknown root name',
      templates: () => [withStep(1, { when: '${inputs.name = "x"}' })],
      pointer: '/steps/1/when',
      group: 'expressions',
      message: /expressions start from input, steps/,
    },
    {
      name: 'an unknown id',
      templates: () => [withStep(1, { input: { x: '${ids.runId}' } })],
      pointer: '/steps/1/input/x',
      group: 'expressions',
      message: /ids has workflowId, traceId, requestId/,
    },
    {
      name: 'a JSONata syntax error',
      templates: () => [withStep(1, { input: { x: '${input.name +}' } })],
      pointer: '/steps/1/input/x',
      group: 'expressions',
      message: /input.name \+/,
    },
    {
      name: 'an unclosed expression',
      templates: () => [withStep(1, { input: { x: 'id-${input.name' } })],
      pointer: '/steps/1/input/x',
      group: 'expressions',
      message: /unclosed/,
    },
    {
      name: 'a forbidden function',
      templates: () => [withStep(1, { input: { x: '${$random()}' } })],
      pointer: '/steps/1/input/x',
      group: 'expressions',
      message: /\$random\(\) is not allowed/,
    },
    {
      name: 'two files with the same name and version',
      templates: () => [base(), base()],
      pointer: '/version',
      group: 'semantics',
      message: /make-things@1.0.0 is also defined in t0.json/,
    },
  ];

  for (const c of rejections) {
    it(`reject ${c.name}`, () => {
      const problems = check(...c.templates());
      const hit = problems.find(
        (p) => p.pointer === c.pointer && p.group === c.group && c.message.test(p.message),
      );
      assert.ok(
        hit,
        `expected ${c.group} at ${c.pointer} matching ${c.message}, got ${JSON.stringify(problems, null, 1)}`,
      );
      assert.match(hit.file, /^t\d\.json$/);
    });
  }

  it('reject sub-templates that call each other, naming the cycle', () => {
    const a: Template = {
      ...sub,
      name: 'a-thing',
      steps: [{ id: 'b', template: { name: 'b-thing', version: '2.0.0' } }],
    };
    const b: Template = {
      ...sub,
      name: 'b-thing',
      steps: [{ id: 'a', template: { name: 'a-thing', version: '2.0.0' } }],
    };
    const problems = check(a, b);
    assert.ok(
      problems.some((p) =>
        /sub-templates form a cycle: a-thing@2.0.0 -> b-thing@2.0.0 -> a-thing@2.0.0/.test(p.message),
      ),
    );
  });

  it('report every problem of every file at once', () => {
    const problems = check(
      withStep(1, { task: 'test:nope' }),
      { ...withStep(2, { needs: ['ghost'] }), version: '1.0.1' },
      '[',
    );
    assert.deepEqual(
      problems.map((p) => `${p.file}#${p.pointer}`),
      ['t2.json#', 't0.json#/steps/1/task', 't1.json#/steps/2/needs/0'],
    );
  });

  it('throw one TemplateLibraryError listing every problem', () => {
    assert.throws(
      () =>
        createTemplateLibrary(
          [
            { file: 'x.json', text: JSON.stringify(withStep(1, { task: 'test:nope' })) },
            { file: 'y.json', text: '{' },
          ],
          catalog,
        ),
      (err: unknown) =>
        err instanceof TemplateLibraryError &&
        err.problems.length === 2 &&
        /x\.json#\/steps\/1\/task \[semantics\] unknown task test:nope/.test(err.message) &&
        /y\.json# \[syntax\]/.test(err.message),
    );
  });

  it('compile a plan carrying the exact templates and the metadata of their tasks', () => {
    const t = base();
    t.steps.push({ id: 'nested', template: { name: 'sub-thing', version: '2.0.0' }, needs: ['pause'] });
    const library = createTemplateLibrary(
      [
        { file: 'a.json', text: JSON.stringify(t) },
        { file: 'b.json', text: JSON.stringify(sub) },
      ],
      catalog,
    );
    const plan = library.plan({ name: 'make-things', version: '1.0.0' });
    assert.equal(plan.entry, 'make-things@1.0.0');
    assert.deepEqual(Object.keys(plan.templates).sort(), ['make-things@1.0.0', 'sub-thing@2.0.0']);
    assert.deepEqual(plan.templates['make-things@1.0.0'], t);
    assert.deepEqual(plan.tasks['test:wait-thing'], {
      id: 'test:wait-thing',
      description: 'waits',
      taskQueue: 'awx',
      timeouts: 'long',
      retry: { maximumAttempts: 3 },
    });
    assert.deepEqual(Object.keys(plan.tasks).sort(), [
      'test:create-thing',
      'test:delete-thing',
      'test:wait-thing',
    ]);
    assert.throws(
      () => compilePlan(new Map(), catalog, { name: 'nope', version: '1.0.0' }),
      /no valid template nope@1.0.0/,
    );
  });

  it('refuse a catalog with a duplicate task id', () => {
    assert.throws(
      () =>
        createTaskCatalog([
          { id: 'x:y', description: '', taskQueue: 'aci', timeouts: 'short' },
          { id: 'x:y', description: '', taskQueue: 'aci', timeouts: 'short' },
        ]),
      /x:y is declared twice/,
    );
  });
});
